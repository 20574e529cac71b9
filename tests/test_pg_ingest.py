"""An upload on PostgreSQL (issue 23): tracker.ingest.uploads.upload commits a real file there exactly as on the
DuckDB file — measurements, refused rows with reasons and cells, warned rows, the submission and its raw file, the
claim, the audit entries — and the evaluation reads the new rows through the replica with the same verdict."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time

import pandas as pd
import psycopg
import pytest

from tests.pg_fixtures import *  # noqa: F403 (the fixtures pg_url, store)
from tests.pg_fixtures import end_every_connection
from tracker import bootstrap, db
from tracker.access import audit
from tracker.access.auth import Actor
from tracker.cli import main
from tracker.config import ROOT
from tracker.engine.evaluate import evaluate
from tracker.ingest import commit
from tracker.ingest.submissions import refused_rows, submission_file, warned_rows
from tracker.ingest.uploads import upload

FIXTURES = ROOT / "tests" / "fixtures"
OFFICE = Actor("admin", "admin")
REPLACING = "指标,期间,数值\n10.3,2023年,81%\n".encode()  # replaces the 85.5% of gbk_title_fullwidth.csv
# What differs between two stores by nature: the moments written, and the audit chain's hashes over them.
MOMENTS = {"submitted_at", "recorded_at", "happened_at", "dropped_at", "prev_hash", "row_hash"}
WRITTEN = {
    "measurement": "id",
    "refused_row": "submission_id, row_number",
    "warned_row": "submission_id, row_number",
    "submission": "id",
    "upload_file": "sha256",
    "committed_file": "submission_id",
    "audit_log": "id",
}


def _rows(execute, table: str) -> list[dict]:
    cur = execute(f"SELECT * FROM {table} ORDER BY {WRITTEN[table]}")
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    return [
        {k: (bytes(v) if isinstance(v, memoryview) else v) for k, v in r.items() if k not in MOMENTS}
        for r in rows
    ]


def _snapshot(execute) -> dict[str, list[dict]]:
    return {table: _rows(execute, table) for table in WRITTEN}


def _send(con, name: str, unit: str):
    first = upload(con, OFFICE, name, (FIXTURES / name).read_bytes(), unit=unit)
    second = upload(con, OFFICE, "replacing.csv", REPLACING, unit="城管执法局")
    return first, second


@pytest.mark.parametrize(
    ("name", "unit"), [("gbk_title_fullwidth.csv", "城管执法局"), ("merged_title.xlsx", "市教育局")]
)
def test_a_file_commits_on_postgresql_as_on_duckdb(tmp_path, pg_url, name, unit):
    on_file, on_pg = bootstrap.connect(tmp_path / "t.duckdb"), bootstrap.connect(pg_url)
    try:
        ours, theirs = _send(on_file, name, unit), _send(on_pg, name, unit)
        assert [(r.outcome, r.accepted, r.refused, r.warnings) for r in theirs] == [
            (r.outcome, r.accepted, r.refused, r.warnings) for r in ours
        ]
        assert theirs[0].outcome == "committed" and theirs[0].refused > 0
        expected = _snapshot(on_file.execute)
        assert expected["refused_row"] and expected["measurement"] and expected["committed_file"]
        assert _snapshot(on_pg.execute) == expected  # the replica
        with psycopg.connect(pg_url) as direct:  # PostgreSQL itself
            assert _snapshot(direct.execute) == expected
        sid = theirs[0].submission
        assert submission_file(on_pg, sid) == (name, (FIXTURES / name).read_bytes())
        assert refused_rows(on_pg, sid).equals(refused_rows(on_file, sid))
        assert warned_rows(on_pg, sid).equals(warned_rows(on_file, sid))
        if name.endswith(".csv"):
            replaced = on_pg.execute(
                "SELECT after_json FROM audit_log WHERE action = 'value_replaced'"
            ).fetchall()
            assert [json.loads(r[0])["value"] for r in replaced] == [81.0]
        assert audit.verify(on_pg).ok
        summary = (
            "SELECT metric, unit, area, period_start, period_end, value FROM latest_by_unit ORDER BY ALL"
        )
        assert on_pg.execute(summary).fetchall() == on_file.execute(summary).fetchall()
        day = dt.date(2026, 11, 28)
        a, b = evaluate(on_file, day), evaluate(on_pg, day)
        columns = ["item", "status", "veto_risk"]
        assert a.items[columns].to_dict("records") == b.items[columns].to_dict("records")
        assert list(a.metrics["reason"]) == list(b.metrics["reason"])
    finally:
        on_file.close()
        on_pg.close()


def test_a_file_failing_midway_changes_nothing(store, monkeypatch):
    con = bootstrap.connect(store)
    try:
        monkeypatch.setattr(commit, "_before_commit", lambda c: 1 / 0)
        result = upload(
            con, OFFICE, "g.csv", (FIXTURES / "gbk_title_fullwidth.csv").read_bytes(), unit="城管执法局"
        )
        assert result.outcome == "failed" and "ZeroDivisionError" in result.message
        for table in ("measurement", "refused_row", "warned_row", "committed_file"):
            assert con.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table
        assert con.execute("SELECT outcome FROM submission").fetchall() == [("failed",)]
        actions = con.execute("SELECT action FROM audit_log ORDER BY id").fetchall()
        assert actions == [("upload",)] and audit.verify(con).ok
        monkeypatch.setattr(commit, "_before_commit", lambda c: None)
        again = upload(
            con, OFFICE, "g.csv", (FIXTURES / "gbk_title_fullwidth.csv").read_bytes(), unit="城管执法局"
        )
        assert again.outcome == "committed"
        assert con.execute("SELECT count(*) FROM measurement").fetchone() == (again.accepted,)
    finally:
        con.close()


def test_a_connection_lost_midway_says_so_in_chinese_and_changes_nothing(pg_url, monkeypatch):
    """The server restarted while the upload committed: the unit's reporter reads that the database could not be
    reached and nothing was imported — no exception's name, no error id — and the file imports once sent again."""
    con = bootstrap.connect(pg_url)
    file = (FIXTURES / "gbk_title_fullwidth.csv").read_bytes()
    try:
        monkeypatch.setattr(commit, "_before_commit", lambda c: end_every_connection(pg_url))
        result = upload(con, OFFICE, "g.csv", file, unit="城管执法局")
        assert result.outcome == "failed" and "数据库服务器在写入时断开" in result.message, result.message
        assert "Unavailable" not in result.message and "administrator" not in result.message
        assert con.execute("SELECT count(*) FROM measurement").fetchone() == (0,)
        assert con.execute("SELECT outcome, message FROM submission").fetchall() == [
            ("failed", result.message)
        ]
        monkeypatch.setattr(commit, "_before_commit", lambda c: None)
        again = upload(con, OFFICE, "g.csv", file, unit="城管执法局")
        assert again.outcome == "committed", again.message
    finally:
        con.close()


def test_two_uploads_committing_at_once_in_one_process_both_land(pg_url, monkeypatch):
    """Two sessions of one app process commit at the same moment (bench.concurrent at N = 16 lost one upload so:
    both refreshed the replica's summary of the measurements in their own transaction, and DuckDB refused the
    second, 「Conflict on tuple deletion」). Both land, and the summary follows both."""
    import threading

    from tracker.engine import counting

    con = bootstrap.connect(pg_url)
    both_open = threading.Barrier(2, timeout=20)
    refresh = counting.refresh_summary

    def refreshed_then_wait(c, **kwargs):  # both transactions past the summary before either goes on
        refresh(c, **kwargs)
        if db.shared(c):  # a commit's, not the replica's own after a load
            both_open.wait()

    monkeypatch.setattr(counting, "refresh_summary", refreshed_then_wait)
    results = {}

    def send(name, unit, data):
        results[name] = upload(con.cursor(), OFFICE, name, data, unit=unit)

    files = [
        ("g.csv", "城管执法局", (FIXTURES / "gbk_title_fullwidth.csv").read_bytes()),
        ("u.csv", "卫健委", (FIXTURES / "utf8_bom.csv").read_bytes()),
    ]
    try:
        threads = [threading.Thread(target=send, args=f) for f in files]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert {n: r.outcome for n, r in results.items()} == {"g.csv": "committed", "u.csv": "committed"}, {
            n: r.message for n, r in results.items()
        }
        total = sum(r.accepted for r in results.values())
        assert con.execute("SELECT count(*) FROM measurement").fetchone() == (total,)
        replica = con.store.replica.duck.cursor()
        assert counting.summary_fresh(replica)
        with_summary = evaluate(con, dt.date(2026, 11, 28))
        replica.execute("DELETE FROM latest_by_unit_mark")  # the summary no longer fresh: grouped afresh
        pd.testing.assert_frame_equal(evaluate(con, dt.date(2026, 11, 28)).metrics, with_summary.metrics)
    finally:
        con.close()


SECOND_PROCESS = """
import sys, time
from tracker import bootstrap
con = bootstrap.connect(sys.argv[1])
print("ready", flush=True)
deadline = time.monotonic() + 60
while con.execute("SELECT count(*) FROM measurement").fetchone()[0] == 0:
    if time.monotonic() > deadline:
        sys.exit("not seen")
    time.sleep(0.02)
print(time.time(), flush=True)
"""


def test_another_process_sees_the_upload_within_two_seconds(pg_url):
    child = subprocess.Popen(
        [sys.executable, "-c", SECOND_PROCESS, pg_url], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    con = bootstrap.connect(pg_url)
    try:
        assert child.stdout.readline().strip() == "ready"
        result = upload(
            con, OFFICE, "g.csv", (FIXTURES / "gbk_title_fullwidth.csv").read_bytes(), unit="城管执法局"
        )
        committed = time.time()
        assert result.outcome == "committed"
        out, _ = child.communicate(timeout=60)
        assert child.returncode == 0
        assert float(out.strip()) - committed < 2.0
    finally:
        child.kill()
        con.close()


def test_import_from_the_command_line(store, capsys):
    code = main(
        ["--db", store, "import", str(FIXTURES / "gbk_title_fullwidth.csv"), "--unit", "城管执法局", "--json"]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and (out["outcome"], out["accepted"]) == ("committed", 5)
    con = bootstrap.connect(store)
    try:
        assert con.execute("SELECT count(*) FROM measurement").fetchone() == (5,)
    finally:
        con.close()


def test_import_in_a_process_of_its_own_beside_the_app(pg_url):
    app = bootstrap.connect(pg_url)  # the running app's connection
    try:
        done = subprocess.run(
            [sys.executable, "-m", "tracker", "--db", pg_url, "import"]
            + [str(FIXTURES / "merged_title.xlsx"), "--unit", "市教育局"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        app.store.replica.poll(force=True)  # what the app's next read does once the write is announced
        assert app.execute("SELECT count(*) FROM measurement").fetchone()[0] > 0
    finally:
        app.close()
