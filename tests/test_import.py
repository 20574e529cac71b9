"""Committing uploads: canonical measurements, one transaction, the raw file always kept, duplicates, the CLI."""

from __future__ import annotations

import hashlib
import json
import os

import pytest

from tests.ingest_fixtures import count, fixture_bytes, open_db
from tracker import cli
from tracker.config import settings
from tracker.ingest import commit, import_file
from tracker.ingest.submissions import list_submissions, refused_rows, submission_file
from tracker.strings.upload import FILE


@pytest.fixture
def ingest_con(tmp_path):
    yield from open_db(tmp_path)


# (fixture, unit, accepted, refused, warned) — hand-counted in tests/fixtures/make_fixtures.py and test_validate.py
FIXTURES = [
    # One row each from a co-responsible unit: kept beside the reporter's figure, and warned so.
    ("gbk_title_fullwidth.csv", "城管执法局", 5, 11, 1),
    ("utf8_bom.csv", "卫健委", 7, 7, 0),
    ("merged_title.xlsx", "市教育局", 6, 3, 1),
    ("office_collected.csv", None, 6, 5, 1),
]


@pytest.mark.parametrize(("name", "unit", "accepted", "refused", "warned"), FIXTURES)
def test_fixture_commits_its_accepted_rows(ingest_con, name, unit, accepted, refused, warned):
    data = fixture_bytes(name)
    r = import_file(ingest_con, name, data, unit=unit, user="tester")
    assert (r.outcome, r.accepted, r.refused, r.warnings, r.duplicate) == (
        "committed",
        accepted,
        refused,
        warned,
        False,
    )
    assert count(ingest_con, "measurement") == accepted
    assert count(ingest_con, "refused_row") == refused
    assert count(ingest_con, "warned_row") == warned
    sub = list_submissions(ingest_con).iloc[0]
    assert (sub.accepted, sub.refused, sub.warned, sub.outcome, sub.submitted_by) == (
        accepted,
        refused,
        warned,
        "committed",
        "tester",
    )
    assert sub.sha256 == hashlib.sha256(data).hexdigest()
    assert submission_file(ingest_con, r.submission) == (name, data)
    stored = refused_rows(ingest_con, r.submission)
    assert list(stored["行号"]) == [x.row for x in r.refused_rows]


def test_measurements_are_stored_canonical(ingest_con):
    import_file(ingest_con, "b.csv", fixture_bytes("utf8_bom.csv"), unit="卫健委")
    rows = ingest_con.execute(
        """SELECT source_row, metric, unit, area, period_start, period_end, period_label, value, numerator,
                  denominator, grade, note, evidence FROM measurement ORDER BY source_row"""
    ).fetchall()
    by_row = {r[0]: r[1:] for r in rows}
    assert by_row[2][:2] == ("45.1", "卫健委") and by_row[2][6:10] == (3.0, None, None, "C")
    assert by_row[5][2] == "铁东街道" and by_row[5][5] == "2023年" and by_row[5][6] == 95.0
    assert by_row[6][2] == "兴华街道"
    assert by_row[9][6:9] == (pytest.approx(90.0), 45.0, 50.0)
    assert by_row[14][6] == 0.0 and by_row[14][10:] == ("抽查 3 处,无广告", "照片.zip")
    assert str(by_row[2][3]) == "2023-01-01" and str(by_row[2][4]) == "2023-12-31"


def test_office_rows_keep_their_own_units(ingest_con):
    import_file(ingest_con, "d.csv", fixture_bytes("office_collected.csv"))
    units = dict(ingest_con.execute("SELECT source_row, unit FROM measurement").fetchall())
    assert units == {2: "城管执法局", 3: "住建局", 4: "创卫办", 5: "住建局", 11: "住建局", 12: "生态环境局"}
    labels = dict(ingest_con.execute("SELECT source_row, period_label FROM measurement").fetchall())
    assert labels[4] == "2023年第四季度"


def test_ids_are_a_block_in_file_order_and_the_sequence_moves_past_them(ingest_con):
    # The commit reserves one block of measurement_id for a file (commit._reserve_ids): ids follow the rows,
    # a second file's come after the first's, and a later single insert (its DEFAULT nextval()) collides with none.
    import_file(ingest_con, "b.csv", fixture_bytes("utf8_bom.csv"), unit="卫健委")
    import_file(ingest_con, "d.csv", fixture_bytes("office_collected.csv"))
    rows = ingest_con.execute(
        "SELECT submission_id, source_row, id FROM measurement ORDER BY submission_id, source_row"
    ).fetchall()
    ids = [r[2] for r in rows]
    assert len(rows) == 13 and ids == sorted(ids) and len(set(ids)) == 13
    first = [(row, i) for s, row, i in rows if s == rows[0][0]]  # the first file's 7 rows
    assert len(first) == 7
    assert all(b - a == rb - ra for (ra, a), (rb, b) in zip(first, first[1:], strict=False))
    assert max(i for _, i in first) < min(i for s, _, i in rows if s != rows[0][0])
    after = ingest_con.execute("SELECT nextval('measurement_id')").fetchone()[0]
    assert after > max(ids)


def test_the_same_file_twice_changes_nothing_and_says_so(ingest_con):
    data = fixture_bytes("office_collected.csv")
    first = import_file(ingest_con, "d.csv", data)
    before = count(ingest_con, "measurement")
    again = import_file(ingest_con, "d-copy.csv", data)
    assert again.duplicate and again.outcome == "duplicate" and again.accepted == 0
    assert f"#{first.submission}" in again.message and "未重复导入" in again.message
    assert count(ingest_con, "measurement") == before
    outcomes = list(list_submissions(ingest_con)["outcome"])
    assert outcomes == ["duplicate", "committed"]
    assert submission_file(ingest_con, again.submission) == ("d-copy.csv", data)  # still kept
    dry = import_file(ingest_con, "d.csv", data, dry_run=True)
    assert dry.duplicate and dry.submission is None


def test_all_refused_still_keeps_the_file(ingest_con):
    data = "指标,期间,数值\n99.1,2023,1\n10.3,2023,105%\n".encode("gbk")
    r = import_file(ingest_con, "bad.csv", data, unit="城管执法局")
    assert (r.outcome, r.accepted, r.refused) == ("all_refused", 0, 2)
    assert count(ingest_con, "measurement") == 0
    assert submission_file(ingest_con, r.submission) == ("bad.csv", data)
    cells = json.loads(
        ingest_con.execute("SELECT cells FROM refused_row WHERE row_number = 3").fetchall()[0][0]
    )
    assert cells == {"指标": "10.3", "期间": "2023", "数值": "105%"}
    # A file once refused can be sent again and is not taken for a duplicate.
    assert import_file(ingest_con, "bad.csv", data, unit="城管执法局").outcome == "all_refused"


BROKEN = [
    ("garbage.bin", FILE["binary"]),
    ("empty.csv", FILE["empty"]),
    ("header_only.csv", FILE["no_rows"]),
    ("no_known_column.csv", FILE["no_header"]),
    ("encrypted.xlsx", FILE["encrypted"]),
    ("utf16.csv", FILE["encoding"]),
]


@pytest.mark.parametrize(("name", "message"), BROKEN)
def test_broken_files_leave_measurements_unchanged(ingest_con, name, message):
    import_file(ingest_con, "d.csv", fixture_bytes("office_collected.csv"))
    before = ingest_con.execute("SELECT * FROM measurement ORDER BY id").fetchall()
    data = fixture_bytes(name)
    r = import_file(ingest_con, name, data, unit="卫健委")
    assert (r.outcome, r.message, r.accepted, r.refused) == ("failed", message, 0, 0)
    assert ingest_con.execute("SELECT * FROM measurement ORDER BY id").fetchall() == before
    sub = list_submissions(ingest_con).iloc[0]
    assert (sub.outcome, sub.message) == ("failed", message)
    assert submission_file(ingest_con, r.submission) == (name, data)


def test_a_20_mb_file_over_the_limit_is_refused(ingest_con, tmp_path, monkeypatch):
    monkeypatch.setitem(settings(), "max_upload_mb", 16)
    row = "城管执法局,10.3,,2023,80,,,一段很长的备注" + "。" * 60 + "\r\n"
    body = "单位,指标,区域,期间,数值,分子,分母,备注\r\n" + row * (
        20 * 1024 * 1024 // len(row.encode("gbk")) + 1
    )
    path = tmp_path / "big.csv"
    path.write_bytes(body.encode("gbk"))
    data = path.read_bytes()
    assert len(data) >= 20 * 1024 * 1024
    r = import_file(ingest_con, "big.csv", data)
    assert r.outcome == "failed" and r.message == FILE["too_big"].format(size=len(data) / 1048576, limit=16)
    assert "超过上限 16 MB" in r.message
    assert count(ingest_con, "measurement") == 0


def test_an_error_before_commit_leaves_no_measurement(ingest_con, monkeypatch):
    def boom(con):
        raise RuntimeError("disk full (injected)")

    monkeypatch.setattr(commit, "_before_commit", boom)
    data = fixture_bytes("utf8_bom.csv")
    r = import_file(ingest_con, "b.csv", data, unit="卫健委")
    assert r.outcome == "failed" and "disk full (injected)" in r.message
    assert count(ingest_con, "measurement") == 0
    assert count(ingest_con, "refused_row") == 0 and count(ingest_con, "warned_row") == 0
    subs = list_submissions(ingest_con)
    assert len(subs) == 1 and subs.iloc[0].outcome == "failed" and subs.iloc[0].accepted == 0
    assert submission_file(ingest_con, r.submission) == ("b.csv", data)
    # Not a duplicate next time: the failed file can be sent again.
    monkeypatch.setattr(commit, "_before_commit", lambda con: None)
    assert import_file(ingest_con, "b.csv", data, unit="卫健委").outcome == "committed"


def test_an_unexpected_error_reaches_the_log_with_its_traceback(ingest_con, monkeypatch, caplog):
    """The person reads the failure on the page; the office's administrator finds its cause in the log."""

    def boom(con):
        raise RuntimeError("conflict (injected)")

    monkeypatch.setattr(commit, "_before_commit", boom)
    with caplog.at_level("ERROR", logger="tracker.ingest"):
        r = import_file(ingest_con, "b.csv", fixture_bytes("utf8_bom.csv"), unit="卫健委")
    assert r.outcome == "failed"
    logged = [rec for rec in caplog.records if rec.exc_info and "conflict (injected)" in str(rec.exc_info[1])]
    assert len(logged) == 1 and "b.csv" in logged[0].getMessage()


def test_unknown_sender_is_refused(ingest_con):
    r = import_file(ingest_con, "d.csv", fixture_bytes("office_collected.csv"), unit="不存在局")
    assert r.outcome == "failed" and r.message == FILE["unknown_sender"].format(unit="不存在局")


def test_no_unit_column_and_no_unit_chosen(ingest_con):
    r = import_file(ingest_con, "a.csv", fixture_bytes("gbk_title_fullwidth.csv"))
    assert r.outcome == "failed" and r.message == FILE["no_unit"]


def test_progress_is_reported(ingest_con):
    seen = []
    import_file(
        ingest_con, "d.csv", fixture_bytes("office_collected.csv"), progress=lambda f, t: seen.append(f)
    )
    assert seen[0] < seen[-1] == 1.0 and seen == sorted(seen)


# ---------------------------------------------------------------- CLI


def run_cli(capsys, *args: str) -> tuple[int, str]:
    code = cli.main(list(args))
    return code, capsys.readouterr().out


def test_cli_import_json(tmp_path, capsys):
    db = str(tmp_path / "cli.duckdb")
    path = os.path.join(os.path.dirname(__file__), "fixtures", "gbk_title_fullwidth.csv")
    code, out = run_cli(capsys, "--db", db, "import", path, "--unit", "城管局", "--dry-run", "--json")
    got = json.loads(out)
    assert code == 0
    assert set(got) >= {
        "submission",
        "accepted",
        "refused",
        "warnings",
        "duplicate",
        "refused_rows",
        "warned_rows",
    }
    assert (got["submission"], got["accepted"], got["refused"], got["warnings"]) == (None, 5, 11, 1)
    assert got["refused_rows"][1] == {"row": 7, "reasons": ["数值「105%」超出0–100%的范围"]}
    code, out = run_cli(capsys, "--db", db, "import", path, "--unit", "城管局", "--json")
    assert json.loads(out)["submission"] == 1
    code, out = run_cli(capsys, "--db", db, "import", path, "--unit", "城管局", "--json")
    assert json.loads(out)["duplicate"] is True and code == 0
    code, out = run_cli(capsys, "--db", db, "submissions", "--json")
    assert [s["outcome"] for s in json.loads(out)] == ["duplicate", "committed"]
    code, out = run_cli(capsys, "--db", db, "submissions")
    assert "重复文件" in out and "已导入" in out


def test_cli_import_text_and_exit_codes(tmp_path, capsys):
    db = str(tmp_path / "cli.duckdb")
    fixtures = os.path.join(os.path.dirname(__file__), "fixtures")
    code, out = run_cli(capsys, "--db", db, "import", os.path.join(fixtures, "office_collected.csv"))
    assert code == 0 and "第6行：缺少单位" in out
    code, out = run_cli(
        capsys, "--db", db, "import", os.path.join(fixtures, "garbage.bin"), "--unit", "卫健委"
    )
    assert code == 2 and FILE["binary"] in out


# ---------------------------------------------------------------- issue 11: a stray quote swallows rows


def _csv(*rows: str) -> bytes:
    return ("\n".join(["单位,指标,区域,期间,数值,分子,分母,备注", *rows]) + "\n").encode("utf-8")


def test_a_stray_quote_does_not_swallow_rows_silently(ingest_con):
    rows = ['卫健委,9.1,,2023,17.6,,,"核实中'] + [f"卫健委,9.1,,{1951 + i},17.6,,,第{i}条" for i in range(50)]
    r = import_file(ingest_con, "q.csv", _csv(*rows), unit="卫健委")
    assert (r.accepted, r.refused, r.outcome) == (0, 1, "all_refused")
    assert r.refused_rows[0].row == 2
    assert r.refused_rows[0].reasons == [
        '「备注」单元格从文件第2行延续到第52行，其中含有看起来像数据行的内容（可能是英文双引号 " 未配对），'
        "请删去多余的引号后重新上传"
    ]
    assert r.line_spans == [(2, 2, 52)]
    assert count(ingest_con, "measurement") == 0


def test_a_note_on_two_lines_is_accepted_and_reported(ingest_con):
    rows = ['卫健委,9.1,,2023,17.6,,,"第一行', '第二行"', "卫健委,9.1,,2022,18.0,,,"]
    r = import_file(ingest_con, "q.csv", _csv(*rows), unit="卫健委")
    assert (r.accepted, r.refused) == (2, 0)
    assert r.line_spans == [(2, 2, 3)]
    assert "文件第2–3行" in r.message
    notes = dict(ingest_con.execute("SELECT source_row, note FROM measurement").fetchall())
    assert notes == {2: "第一行\n第二行", 3: None}


def test_a_stray_quote_closed_later_is_refused_with_the_lines_it_spans(ingest_con):
    rows = [
        "卫健委,9.1,,2019,17.6,,,",
        '卫健委,9.1,,2020,17.6,,,"核实中',
        "卫健委,9.1,,2021,17.6,,,",
        '卫健委,9.1,,2022,17.6,,,"已核实"',
        "卫健委,9.1,,2023,17.6,,,",
    ]
    r = import_file(ingest_con, "q.csv", _csv(*rows), unit="卫健委", dry_run=True)
    assert (r.accepted, r.refused) == (1, 1)
    (first, last) = r.line_spans[0][1:]
    assert (r.refused_rows[0].row, first, last) == (3, 3, 6)


# ---------------------------------------------------------------- issue 11: GB18030's user-defined area


def test_gb18030_user_defined_characters_survive(ingest_con):
    note = "张\ue000\ue003同志核实\ufdd0\ufdd3"
    data = _csv(f"卫健委,9.1,,2023,17.6,,,{note}").decode().encode("gb18030")
    assert data.count(b"\xaa\xa1") == 1  # U+E000 is GB18030's user-defined 0xAAA1
    r = import_file(ingest_con, "g.csv", data, unit="卫健委")
    assert r.accepted == 1, r.to_json()
    assert ingest_con.execute("SELECT note FROM measurement").fetchall() == [(note,)]


# ---------------------------------------------------------------- issue 11: the refused-rows file is inert


HOSTILE = [
    "卫健委,9.1,,2023,+1+1,,,",
    '卫健委,9.1,,2022,abc,,,"=HYPERLINK(""http://example.com"",""点此"")"',
    "@A1,9.1,,2021,17.6,,,",
    "卫健委,9.1,,2020,-1,,,=1+1",
]


def _cells(data: bytes) -> list[list[str]]:
    import csv as csvmod
    import io

    return list(csvmod.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_the_refused_rows_file_writes_no_formula(ingest_con):
    from tracker.files import is_risky
    from tracker.ingest.submissions import refused_csv

    r = import_file(ingest_con, "h.csv", _csv(*HOSTILE, "卫健委,9.1,,2019,第X期,,,"), unit="卫健委")
    assert r.refused == 5, r.to_json()
    for data in (r.refused_csv(), refused_csv(ingest_con, r.submission)):
        cells = _cells(data)
        assert cells[0][:2] == ["行号", "原因"]
        assert not [c for row in cells for c in row if is_risky(c)]
        assert any(c.startswith("'=HYPERLINK(") for row in cells for c in row)


def test_the_refused_rows_file_sent_again_gets_fresh_reasons(ingest_con):
    first = import_file(ingest_con, "h.csv", _csv(*HOSTILE), unit="卫健委")
    again = import_file(ingest_con, "h-被拒绝的行.csv", first.refused_csv(), unit="卫健委", dry_run=True)
    assert again.header_row == 1 and again.refused == first.refused
    before = {r.cells["期间"]: r.reasons for r in first.refused_rows}
    after = {r.cells["期间"]: r.reasons for r in again.refused_rows}
    assert after == before  # the same reasons, found afresh: 行号 and 原因 are not read as data
    assert after["2020"] == ["数值「-1」超出0–100%的范围"]
    assert after["2021"] == ["未知单位「@A1」"]


# ---------------------------------------------------------------- issue 11: once per (unit, file), bytes once


def test_the_same_file_at_once_in_two_tabs_commits_once(tmp_path):
    import threading

    from tracker import bootstrap

    con = bootstrap.connect(tmp_path / "tabs.duckdb")
    data = fixture_bytes("utf8_bom.csv")
    results, errors = [None] * 6, []
    start = threading.Barrier(6)

    def send(i: int) -> None:
        cursor = con.cursor()
        try:
            start.wait()
            results[i] = import_file(cursor, f"tab{i}.csv", data, unit="卫健委", user=f"tab{i}")
        except Exception as exc:  # named by the assertion below
            errors.append(exc)
        finally:
            cursor.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    outcomes = sorted(r.outcome for r in results)
    assert outcomes == ["committed"] + ["duplicate"] * 5, [r.message for r in results]
    assert count(con, "measurement") == 7
    assert count(con, "upload_file") == 1  # the bytes once, six submissions referring to them
    assert {submission_file(con, r.submission)[1] for r in results} == {data}
    con.close()


def test_a_file_sent_for_another_unit_is_not_a_duplicate(ingest_con):
    data = "指标,期间,数值\n10.1,2023Q4,16\n".encode()
    assert import_file(ingest_con, "a.csv", data, unit="城管执法局").outcome == "committed"
    assert import_file(ingest_con, "a.csv", data, unit="城管执法局").outcome == "duplicate"
    assert import_file(ingest_con, "a.csv", data, unit="创卫办").outcome == "committed"


def test_failed_and_duplicate_resends_store_the_bytes_once(ingest_con):
    bad = fixture_bytes("garbage.bin")
    ids = [import_file(ingest_con, "g.bin", bad, unit="卫健委").submission for _ in range(3)]
    good = fixture_bytes("utf8_bom.csv")
    ids += [import_file(ingest_con, "b.csv", good, unit="卫健委").submission for _ in range(3)]
    assert count(ingest_con, "submission") == 6 and count(ingest_con, "upload_file") == 2
    assert [submission_file(ingest_con, i)[1] for i in ids] == [bad] * 3 + [good] * 3
    sizes = list_submissions(ingest_con)["size"]
    assert sorted(sizes) == sorted([len(bad)] * 3 + [len(good)] * 3)


def test_migration_4_moves_stored_files_into_one_copy_each(tmp_path):
    import duckdb

    from tracker import bootstrap, migrations

    path = tmp_path / "old.duckdb"
    old = duckdb.connect(str(path))
    old.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    for version, sql in migrations.MIGRATIONS[:3]:
        old.execute(sql)
        old.execute("INSERT INTO schema_version VALUES (?)", [version])
    for i, (blob, outcome) in enumerate([(b"a,b\n", "committed"), (b"a,b\n", "committed"), (b"x", "failed")]):
        old.execute(
            """INSERT INTO submission (submitted_at, submitted_by, unit, file_name, file_bytes, sha256, outcome)
               VALUES (now()::TIMESTAMP, 'cli', '卫健委', ?, ?, ?, ?)""",
            [f"f{i}.csv", blob, hashlib.sha256(blob).hexdigest(), outcome],
        )
    old.close()
    con = bootstrap.connect(path)
    assert count(con, "upload_file") == 2
    assert [submission_file(con, i) for i in (1, 2, 3)] == [
        ("f0.csv", b"a,b\n"),
        ("f1.csv", b"a,b\n"),
        ("f2.csv", b"x"),
    ]
    assert con.execute("SELECT count(*) FROM submission WHERE file_bytes IS NOT NULL").fetchone()[0] == 0
    con.close()


def test_text_after_a_closing_quote_is_refused_naming_the_line(ingest_con):
    r = import_file(
        ingest_con, "q.csv", _csv("卫健委,9.1,,2023,17.6,,,", '""卫健委,9.1,,2022,17.6,,,'), unit="卫健委"
    )
    assert r.outcome == "failed" and r.message.startswith("第3行附近的英文双引号"), r.message
