"""Issue 22, finding 9: every distinct all-refused upload was kept forever, whole (~20 MB per 23 MB file). The raw
file of every upload is kept compressed (zlib) and read back byte for byte; per unit only the newest
ones are kept (a setting), older ones lose their bytes but keep their submission row, with an audit entry."""

from __future__ import annotations

import hashlib
import random
import tracemalloc

import pytest

from tests.ingest_fixtures import fixture_bytes, open_db
from tracker.config import settings
from tracker.ingest import import_file
from tracker.ingest.submissions import list_submissions, submission_file

UNIT = "城管执法局"


@pytest.fixture
def con(tmp_path):
    yield from open_db(tmp_path)


def refused(seed: int, rows: int = 200) -> bytes:
    """A CSV every row of which names an unknown metric: all refused, distinct per seed, compressible."""
    rnd = random.Random(seed)
    lines = [f"9{rnd.randrange(1000)}.1,2023年,{rnd.randrange(10**6)},备注{seed}-{i}" for i in range(rows)]
    return ("指标,期间,数值,备注\n" + "\n".join(lines) + "\n").encode()


def stored(con, sha: str) -> tuple:
    return con.execute(
        "SELECT octet_length(bytes), size, packed, dropped_at IS NOT NULL FROM upload_file WHERE sha256 = ?",
        [sha],
    ).fetchone()


def dropped_entries(con) -> list[tuple]:
    return con.execute(
        "SELECT target, before_json, detail FROM audit_log WHERE action = 'upload_file_dropped' ORDER BY id"
    ).fetchall()


def test_an_all_refused_file_is_kept_compressed_and_read_back_byte_for_byte(con):
    data = refused(1, rows=2000)
    result = import_file(con, "全拒.csv", data, unit=UNIT)
    assert result.outcome == "all_refused"
    length, size, packed, dropped = stored(con, result.sha256)
    assert packed == "zlib" and size == len(data) and not dropped
    assert length < len(data) / 2  # compressed
    assert submission_file(con, result.submission) == ("全拒.csv", data)
    assert int(list_submissions(con)["size"].iloc[0]) == len(data)  # the size as sent
    # sent again: one copy, still read back whole
    again = import_file(con, "全拒2.csv", data, unit=UNIT)
    assert again.outcome == "all_refused" and submission_file(con, again.submission) == ("全拒2.csv", data)
    assert con.execute("SELECT count(*) FROM upload_file").fetchone()[0] == 1


def test_a_committed_file_is_read_back_byte_for_byte(con):
    data = fixture_bytes("utf8_bom.csv")
    result = import_file(con, "b.csv", data, unit="卫健委")
    assert result.outcome == "committed"
    length, size, packed, dropped = stored(con, result.sha256)
    assert (size, packed, dropped) == (len(data), "zlib", False)
    assert submission_file(con, result.submission) == ("b.csv", data)


def test_beyond_the_cap_the_oldest_refused_files_lose_their_bytes_not_their_rows(con, monkeypatch):
    monkeypatch.setitem(settings(), "refused_files_kept", 3)
    good = fixture_bytes("gbk_title_fullwidth.csv")  # committed for the same unit: never dropped
    committed = import_file(con, "好.csv", good, unit=UNIT)
    assert committed.outcome == "committed"
    other = import_file(con, "别的单位.csv", refused(99), unit="卫健委")  # another unit's cap
    files = [refused(i) for i in range(5)]
    results = [import_file(con, f"拒{i}.csv", data, unit=UNIT) for i, data in enumerate(files)]
    assert {r.outcome for r in results} == {"all_refused"}
    for r, data in zip(results[:2], files[:2], strict=True):
        length, size, packed, dropped = stored(con, r.sha256)
        assert length is None and dropped and size == len(data)
        assert submission_file(con, r.submission) is None
        row = con.execute(
            "SELECT sha256, file_name, refused, outcome FROM submission WHERE id = ?", [r.submission]
        ).fetchone()
        assert row == (hashlib.sha256(data).hexdigest(), r.file_name, r.refused, "all_refused")
        assert (
            con.execute(
                "SELECT count(*) FROM refused_row WHERE submission_id = ?", [r.submission]
            ).fetchone()[0]
            == r.refused
        )
    for r, data in zip(results[2:], files[2:], strict=True):
        assert submission_file(con, r.submission) == (r.file_name, data)
    assert submission_file(con, committed.submission) == ("好.csv", good)
    assert submission_file(con, other.submission) == ("别的单位.csv", refused(99))
    sizes = dict(zip(list_submissions(con)["id"], list_submissions(con)["size"], strict=True))
    assert sizes[results[0].submission] == len(files[0])  # the size stays on the record
    entries = dropped_entries(con)
    assert [e[0] for e in entries] == ["拒0.csv", "拒1.csv"]
    assert results[0].sha256 in entries[0][1] and "保留上限" in entries[0][2]

    dropped = dict(zip(list_submissions(con)["id"], list_submissions(con)["file_dropped"], strict=True))
    assert dropped[results[0].submission] and not dropped[results[4].submission]
    assert not dropped[committed.submission]

    # a dropped file sent again is kept again (and the oldest kept one makes room for it)
    back = import_file(con, "拒0-再次.csv", files[0], unit=UNIT)
    assert submission_file(con, back.submission) == ("拒0-再次.csv", files[0])
    assert submission_file(con, results[0].submission) == ("拒0.csv", files[0])  # same bytes, same copy
    assert submission_file(con, results[2].submission) is None
    assert con.execute("SELECT count(*) FROM upload_file WHERE bytes IS NOT NULL").fetchone()[0] == 5


def test_the_cap_in_megabytes(con, monkeypatch):
    monkeypatch.setitem(settings(), "refused_files_mb", 0.001)  # ~1 KB: only the newest file is kept
    first = import_file(con, "a.csv", refused(1), unit=UNIT)
    second = import_file(con, "b.csv", refused(2), unit=UNIT)
    assert submission_file(con, first.submission) is None
    assert submission_file(con, second.submission) == ("b.csv", refused(2))  # the newest always


def test_a_file_also_committed_elsewhere_is_never_dropped(con, monkeypatch):
    """The same bytes refused for one unit and committed for another: a committed upload's file stays."""
    monkeypatch.setitem(settings(), "refused_files_kept", 1)
    data = "指标,期间,数值\n10.1,2023Q4,16\n".encode()
    assert import_file(con, "a.csv", data, unit="创卫办").outcome == "committed"
    for i in range(3):
        import_file(con, f"r{i}.csv", refused(i), unit="创卫办")
    refused_here = import_file(con, "a.csv", data, unit="卫健委")  # not 卫健委's metric: refused
    assert refused_here.outcome == "all_refused"
    import_file(con, "r.csv", refused(7), unit="卫健委")
    assert submission_file(con, refused_here.submission) == ("a.csv", data)


def test_backup_and_restore_give_back_the_same_bytes(con, tmp_path, monkeypatch):
    from tracker import backup, bootstrap

    monkeypatch.setitem(settings(), "refused_files_kept", 1)
    old = import_file(con, "旧.csv", refused(1), unit=UNIT)
    kept = import_file(con, "新.csv", refused(2), unit=UNIT)
    good = import_file(con, "好.csv", fixture_bytes("utf8_bom.csv"), unit="卫健委")
    backup.backup(con, tmp_path / "bk")
    done = backup.restore(tmp_path / "bk", tmp_path / "restored.duckdb", key=None)
    back = bootstrap.connect(done.path)
    try:
        assert submission_file(back, kept.submission) == ("新.csv", refused(2))
        assert submission_file(back, good.submission) == ("好.csv", fixture_bytes("utf8_bom.csv"))
        assert submission_file(back, old.submission) is None
        listed = list_submissions(back).set_index("id")["file_dropped"]
        assert listed[old.submission] and not listed[kept.submission]
    finally:
        back.close()


def test_a_file_that_cannot_be_read_is_capped_too(con, monkeypatch):
    """Distinct garbage that is not a table at all (outcome failed) stores nothing either: the same cap."""
    monkeypatch.setitem(settings(), "refused_files_kept", 2)
    junk = [b"\x00\x01garbage" + bytes([i]) * 500 for i in range(4)]
    results = [import_file(con, f"j{i}.bin", data, unit=UNIT) for i, data in enumerate(junk)]
    assert {r.outcome for r in results} == {"failed"}
    assert [submission_file(con, r.submission) is None for r in results] == [True, True, False, False]
    assert submission_file(con, results[3].submission) == ("j3.bin", junk[3])


def test_compressing_a_23_mb_file_holds_few_copies(con):
    """The bytes are compressed in slices from the copy the upload already holds: the peak stays under 4× the file
    (measured: ~0.7× for this file)."""
    from tracker.ingest import raw_files

    rnd = random.Random(5)
    lines = (
        f"9{rnd.randrange(10**3)}.1,2023年,{rnd.random()},{rnd.getrandbits(128):x}\n" for _ in range(400_000)
    )
    data = "".join(lines).encode()[: 23 * 1024 * 1024]
    sha = hashlib.sha256(data).hexdigest()
    tracemalloc.start()
    try:
        raw_files.store(con, sha, data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert stored(con, sha)[:3] == (stored(con, sha)[0], len(data), "zlib") and stored(con, sha)[0] < len(
        data
    )
    assert peak < 4 * len(data), f"{peak / len(data):.2f}× the file"
    blob, packed = con.execute("SELECT bytes, packed FROM upload_file WHERE sha256 = ?", [sha]).fetchone()
    assert raw_files.unpack(blob, packed) == data


def test_the_submissions_page_says_the_file_was_dropped(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from app import webapp
    from tests.ingest_fixtures import FIXTURES
    from tracker import bootstrap
    from tracker.access.auth import Actor
    from tracker.strings.ui import catalogue

    path = tmp_path / "pages.duckdb"
    con = bootstrap.connect(path)
    monkeypatch.setitem(settings(), "refused_files_kept", 1)
    first = import_file(con, "旧.csv", refused(1), unit=UNIT)
    import_file(con, "新.csv", refused(2), unit=UNIT)
    con.close()
    monkeypatch.setenv("TRACKER_DB", str(path))
    webapp._connection.clear()
    try:
        at = AppTest.from_file(str(FIXTURES.parent.parent / "pages" / "submissions.py"), default_timeout=60)
        at.session_state["actor"] = Actor("admin", "admin")
        at.run()
        assert not at.exception
        assert [b.proto.label for b in at.get("download_button")][0] == "下载原始文件"  # the newest, kept
        at.selectbox(key="submission_pick").set_value(first.submission).run()
        assert not at.exception
        labels = [b.proto.label for b in at.get("download_button")]
        assert "下载原始文件" not in labels
        assert any(c.value.startswith("文件已按保留上限清理") for c in at.caption)
    finally:
        webapp._connection.clear()
    assert catalogue()["en"]["upload.file_dropped"].startswith("File removed")


def test_the_cli_lists_a_dropped_file(tmp_path, monkeypatch, capsys):
    from tracker import bootstrap
    from tracker.cli import main

    path = tmp_path / "cli.duckdb"
    con = bootstrap.connect(path)
    monkeypatch.setitem(settings(), "refused_files_kept", 1)
    import_file(con, "旧.csv", refused(1), unit=UNIT)
    import_file(con, "新.csv", refused(2), unit=UNIT)
    con.close()
    assert main(["submissions", "--db", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "文件已按保留上限清理" in next(line for line in lines if "旧.csv" in line)
    assert "文件已按保留上限清理" not in next(line for line in lines if "新.csv" in line)
