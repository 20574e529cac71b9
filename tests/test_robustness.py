"""Robustness: a process killed mid-import, concurrent imports and evaluations, hostile content.

Long variants are marked slow (make test-long)."""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import subprocess
import sys
import threading
import time

import pytest

from tests.bulk import office_csv
from tracker import bootstrap
from tracker.config import ROOT
from tracker.engine.evaluate import evaluate
from tracker.ingest.service import import_file

CHILD = """
import sys
from tests.bulk import office_csv
from tracker import bootstrap
from tracker.ingest.service import import_file
path, seed, first, last = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
data, rows = office_csv(range(first, last), seed)
con = bootstrap.connect(path)
print("importing", flush=True)
result = import_file(con, f"bulk-{seed}.csv", data, unit="创卫办", user="crash-test")
print(result.outcome, result.accepted, flush=True)
"""


def consistent(path) -> tuple[int, int]:
    """The database opens; measurements equal the sum over committed submissions; nothing else holds any.
    Returns (committed submissions, measurements)."""
    con = bootstrap.connect(path)
    try:
        orphans = con.execute(
            """SELECT count(*) FROM measurement m LEFT JOIN submission s ON s.id = m.submission_id
               WHERE s.id IS NULL OR s.outcome <> 'committed'"""
        ).fetchone()[0]
        mismatched = con.execute(
            """SELECT count(*) FROM submission s
               WHERE s.outcome = 'committed'
                 AND s.accepted <> (SELECT count(*) FROM measurement m WHERE m.submission_id = s.id)"""
        ).fetchone()[0]
        committed, accepted = con.execute(
            "SELECT count(*), coalesce(sum(accepted), 0) FROM submission WHERE outcome = 'committed'"
        ).fetchone()
        measurements = con.execute("SELECT count(*) FROM measurement").fetchone()[0]
        stored = con.execute(
            """SELECT count(*) FROM submission s LEFT JOIN upload_file f USING (sha256)
               WHERE coalesce(s.file_bytes, f.bytes) IS NULL"""
        ).fetchone()[0]
    finally:
        con.close()
    assert orphans == 0, "measurements of a submission that never committed"
    assert mismatched == 0, "a committed submission whose measurements are not all there"
    assert measurements == accepted
    assert stored == 0, "every submission keeps its raw file"
    return committed, measurements


def kill_midway(path, kills: int, years: range, seed: int) -> int:
    rng = random.Random(seed)
    killed = 0
    for i in range(kills):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path), str(seed + i), str(years.start), str(years.stop)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert child.stdout.readline().strip() == "importing"
        time.sleep(rng.uniform(0.05, 1.2))
        if child.poll() is None:
            child.send_signal(signal.SIGKILL)
            killed += 1
        child.wait(timeout=120)
        consistent(path)
    return killed


def test_sigkill_during_imports_leaves_a_consistent_database(tmp_path):
    path = tmp_path / "crash.duckdb"
    bootstrap.connect(path).close()
    killed = kill_midway(path, kills=4, years=range(1901, 2041), seed=7)
    assert killed >= 1, "no child was killed mid-import: make the file larger"
    # the database still takes an import after the crashes
    data, rows = office_csv(range(1901, 1903), seed=999)
    con = bootstrap.connect(path)
    assert import_file(con, "after.csv", data, unit="创卫办").accepted == rows
    con.close()
    consistent(path)


@pytest.mark.slow
def test_sigkill_many_times_on_large_imports(tmp_path):
    path = tmp_path / "crash.duckdb"
    bootstrap.connect(path).close()
    assert kill_midway(path, kills=12, years=range(1901, 2101), seed=11) >= 6


def test_concurrent_imports_and_evaluations(tmp_path):
    """16 threads import different files through the service layer while 4 threads evaluate."""
    con = bootstrap.connect(tmp_path / "busy.duckdb")
    files = [office_csv(range(1950 + 3 * i, 1953 + 3 * i), seed=i) for i in range(16)]
    results, errors = [None] * 16, []
    stop = threading.Event()

    def importer(i: int) -> None:
        try:
            data, _ = files[i]
            results[i] = import_file(con.cursor(), f"thread-{i}.csv", data, unit="创卫办", user=f"t{i}")
        except Exception as exc:  # collected: the assertion below names it
            errors.append(exc)

    def evaluator() -> None:
        cursor = con.cursor()
        try:
            while not stop.is_set():
                evaluate(cursor, dt.date(2026, 11, 28))
        except Exception as exc:
            errors.append(exc)

    readers = [threading.Thread(target=evaluator) for _ in range(4)]
    writers = [threading.Thread(target=importer, args=(i,)) for i in range(16)]
    for t in readers + writers:
        t.start()
    for t in writers:
        t.join(timeout=600)
    stop.set()
    for t in readers:
        t.join(timeout=120)
    assert errors == []
    assert [r.outcome for r in results] == ["committed"] * 16, [r.message for r in results if r]
    assert [r.accepted for r in results] == [rows for _, rows in files]
    con.close()
    committed, measurements = consistent(tmp_path / "busy.duckdb")
    assert committed == 16 and measurements == sum(rows for _, rows in files)


HOSTILE = [
    "'); DROP TABLE measurement; --",
    "<script>alert('x')</script>",
    '=HYPERLINK("http://evil.example","点我")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "Robert'); DELETE FROM submission WHERE ('1'='1",
]


@pytest.mark.parametrize("note", HOSTILE)
def test_hostile_cells_are_stored_as_text(tmp_path, note):
    con = bootstrap.connect(tmp_path / "hostile.duckdb")
    quoted = '"' + note.replace('"', '""') + '"'
    data = f"指标,期间,数值,备注\n10.3,2023年,85%,{quoted}\n".encode()
    result = import_file(con, "hostile.csv", data, unit="城管执法局")
    assert (result.outcome, result.accepted) == ("committed", 1)
    assert con.execute("SELECT note FROM measurement").fetchall() == [(note,)]
    assert con.execute("SELECT count(*) FROM submission").fetchone()[0] == 1
    con.close()


def test_upload_over_the_size_limit_is_refused_and_not_stored(tmp_path):
    """Issue 22 changed this on purpose: a 200 MB file was stored before being refused (2 GB: 10.6 GB of memory)."""
    from tracker.config import settings

    con = bootstrap.connect(tmp_path / "big.duckdb")
    data = b"x" * (settings()["max_upload_mb"] * 1024 * 1024 + 1)
    result = import_file(con, "big.csv", data, unit="城管执法局")
    assert result.outcome == "failed" and "MB" in result.message
    assert con.execute("SELECT count(*) FROM measurement").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM upload_file").fetchone()[0] == 0
    con.close()
