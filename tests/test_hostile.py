"""Hostile uploads are refused early, naming the limit, with bounded memory (issue 11).

Each import runs in a child process that reports its peak resident memory (resource.getrusage); no timing
assertions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile

import pytest

from tracker.config import ROOT

CHILD = """
import json, resource, sys
from tracker import bootstrap
from tracker.ingest import import_file
data = open(sys.argv[1], "rb").read()
con = bootstrap.connect(":memory:")
r = import_file(con, sys.argv[2], data, unit="卫健委", dry_run=True)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux
print(json.dumps({"outcome": r.outcome, "message": r.message, "peak": peak,
                  "refused": {x.row: x.reasons for x in r.refused_rows}}, ensure_ascii=False))
"""
GIB = 1 << 30


def run_child(path, name: str, script: str = CHILD) -> dict:
    """Run `script` in a fresh interpreter with the file and a second argument; its last line, as JSON."""
    out = subprocess.run(
        [sys.executable, "-c", script, str(path), name],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    '<row r="1"><c r="A1" t="inlineStr"><is><t>指标</t></is></c><c r="B1" t="inlineStr"><is><t>期间</t></is></c>'
    '<c r="C1" t="inlineStr"><is><t>数值</t></is></c></row>'
    '<row r="2"><c r="A2" t="inlineStr"><is><t>'
)
SHEET_TAIL = "</t></is></c></row></sheetData></worksheet>"


def xlsx_bomb(path, size: int) -> None:
    """A valid .xlsx whose one cell inflates to `size` bytes (streamed: never whole in memory here)."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["指标", "期间", "数值"])
    book.save(path.with_suffix(".seed.xlsx"))
    with (
        zipfile.ZipFile(path.with_suffix(".seed.xlsx")) as seed,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out,
    ):
        for info in seed.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                with out.open(info.filename, "w", force_zip64=True) as f:
                    f.write(SHEET_HEAD.encode())
                    chunk = b"A" * (1 << 22)
                    for _ in range(size // len(chunk)):
                        f.write(chunk)
                    f.write(SHEET_TAIL.encode())
            else:
                out.writestr(info, seed.read(info.filename))


@pytest.mark.slow
def test_an_xlsx_inflating_to_1_5_gib_is_refused_before_parsing(tmp_path):
    path = tmp_path / "bomb.xlsx"
    xlsx_bomb(path, 3 * GIB // 2)
    assert path.stat().st_size < 4 * 1024 * 1024
    got = run_child(path, "bomb.xlsx")
    assert got["outcome"] == "failed" and "解压后" in got["message"] and "MB" in got["message"], got
    assert got["peak"] <= GIB


def test_an_xlsx_inflating_past_the_limit_is_refused_before_parsing(tmp_path):
    path = tmp_path / "bomb.xlsx"
    xlsx_bomb(path, 600 * 1024 * 1024)
    got = run_child(path, "bomb.xlsx")
    assert got["outcome"] == "failed" and "解压后" in got["message"], got
    assert got["peak"] <= GIB


def test_an_xlsx_claiming_a_huge_sheet_is_refused(tmp_path):
    from openpyxl import Workbook

    path = tmp_path / "wide.xlsx"
    book = Workbook()
    ws = book.active
    ws.append(["指标", "期间", "数值"])
    ws.cell(row=1, column=16384, value="x")  # the dimension says A1:XFD1
    book.save(path)
    got = run_child(path, "wide.xlsx")
    assert got["outcome"] == "failed" and "16384 列" in got["message"], got
    assert got["peak"] <= GIB


def test_a_csv_of_50000_columns_is_refused_naming_the_limit(tmp_path):
    path = tmp_path / "wide.csv"
    header = ",".join(["指标", "期间", "数值", *[f"c{i}" for i in range(50_000 - 3)]])
    path.write_text(header + "\n" + ",".join(["9.1", "2023", "17.6", *["x"] * (50_000 - 3)]) + "\n")
    got = run_child(path, "wide.csv")
    assert got["outcome"] == "failed" and "50000 列" in got["message"] and "256" in got["message"], got
    assert got["peak"] <= GIB


def test_a_cell_of_200k_characters_near_the_top_gets_the_real_reason(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("指标,期间,数值,备注\n9.1,2023,17.6," + "很" * 200_000 + "\n9.1,2022,17.6,\n")
    got = run_child(path, "long.csv")
    assert got["outcome"] == "failed", got
    assert "第2行" in got["message"] and "65536" in got["message"] and "找不到表头" not in got["message"]
    assert got["peak"] <= GIB


def test_cells_over_their_length_limit_are_refused_naming_it(tmp_path):
    from tracker import bootstrap
    from tracker.ingest import import_file

    body = f"指标,期间,数值,备注\n9.1,2023,17.6,{'很' * 2001}\n9.1,2022,{'1' * 60},\n9.1,2021,17.6,{'很' * 2000}\n"
    con = bootstrap.connect(":memory:")
    r = import_file(con, "l.csv", body.encode(), unit="卫健委", dry_run=True)
    got = {x.row: x.reasons for x in r.refused_rows}
    assert got[2] == ["「备注」有 2001 个字符，超过上限 2000 个字符"]
    assert "「数值」有 60 个字符，超过上限 50 个字符" in got[3]
    assert r.accepted == 1
    con.close()


WARNED_CHILD = """
import json, resource, sys
from tracker import bootstrap
from tracker.ingest import import_file
data = open(sys.argv[1], "rb").read()
con = bootstrap.connect(sys.argv[2])
r = import_file(con, "form.csv", data, unit="创卫办", user="office")
stored = con.execute("SELECT count(*) FROM warned_row WHERE submission_id = ?", [r.submission]).fetchone()[0]
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"outcome": r.outcome, "warnings": r.warnings, "listed": len(r.warned_rows),
                  "stored": stored, "peak": peak}))
"""


def test_a_25_mb_file_whose_every_row_warns_commits_within_1_gib(tmp_path):
    """The office's collected form with figures of units beside the reporters: nearly every row is accepted with a
    warning. All warnings are stored; the result lists the first rows only (the page cannot show 900,000)."""
    from bench.ingest import write_files
    from tracker.config import settings
    from tracker.ingest.preview import PREVIEW_ROWS

    form, _ = write_files(tmp_path, 560_000)
    assert form.stat().st_size <= settings()["max_upload_mb"] * 1024 * 1024
    got = run_child(form, str(tmp_path / "t.duckdb"), WARNED_CHILD)
    assert got["outcome"] == "committed" and got["warnings"] > 500_000, got
    assert got["stored"] == got["warnings"] and got["listed"] == PREVIEW_ROWS, got
    assert got["peak"] <= GIB, got
