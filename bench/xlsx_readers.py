"""The .xlsx reader: openpyxl (read-only, what tracker.ingest.workbook used) against python-calamine (what it
uses for .xls and WPS .et), reading the same workbook into the rows of text cells the reader builds.

    .venv/bin/python -m bench.xlsx_readers --rows 100000

The workbook is the office's collected form (单位, 指标, 区域, 期间, 数值, 备注) written by openpyxl, every
value cell formatted as a percentage the way a clerk's template is. O = openpyxl, C = calamine: medians of
--repeat runs each, taken in turns; peak memory is measured in a child process per reader. `pct_lost`
counts the cells whose percent format calamine does not report (the figure arrives as its fraction).
The last line is one JSON object: {"rows", "C_over_O", "openpyxl_s", "calamine_s", …}.
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import time

from bench.common import report

GEN = """
import sys
from bench.xlsx_readers import workbook
open(sys.argv[1], "wb").write(workbook(int(sys.argv[2])))
"""
CHILD = """
import sys, resource
from bench.xlsx_readers import read_openpyxl, read_calamine
data = open(sys.argv[1], "rb").read()
(read_openpyxl if sys.argv[2] == "openpyxl" else read_calamine)(data)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def workbook(rows: int) -> bytes:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    ws = book.create_sheet("数据")
    ws.append(["单位", "指标", "区域", "期间", "数值", "备注"])
    from openpyxl.cell import WriteOnlyCell

    for i in range(rows):
        value = WriteOnlyCell(ws, value=0.8 + (i % 20) / 100)
        value.number_format = "0.0%"
        ws.append(["城管执法局", "10.3", None, 1901 + i % 200, value, f"第{i}行"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_openpyxl(data: bytes) -> list:
    import openpyxl

    from tracker.ingest.workbook import value_text

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        return [
            [value_text(c.value, getattr(c, "number_format", "") or "") for c in cells]
            for cells in book.worksheets[0].iter_rows()
        ]
    finally:
        book.close()


def read_calamine(data: bytes) -> list:
    import python_calamine

    from tracker.ingest.workbook import value_text

    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    return [[value_text(v) for v in cells] for cells in book.get_sheet_by_index(0).to_python()]


def _child(script: str, *args: str) -> subprocess.CompletedProcess:
    # Children start while this process is still small: Linux keeps ru_maxrss across fork and exec.
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )


def peak_mb(path: str, which: str) -> float:
    return round(float(_child(CHILD, path, which).stdout.strip().splitlines()[-1]), 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    started = time.perf_counter()
    path = f"/tmp/bench-xlsx-{os.getpid()}.xlsx"
    try:
        _child(GEN, path, str(args.rows))
        peaks = {name: peak_mb(path, name) for name in ("openpyxl", "calamine")}
        with open(path, "rb") as f:
            data = f.read()
    finally:
        if os.path.exists(path):
            os.unlink(path)
    times: dict[str, list[float]] = {"openpyxl": [], "calamine": []}
    results = {}
    for _ in range(args.repeat):
        for name, read in (("openpyxl", read_openpyxl), ("calamine", read_calamine)):
            t = time.perf_counter()
            results[name] = read(data)
            times[name].append(time.perf_counter() - t)
    o, c = sorted(times["openpyxl"])[args.repeat // 2], sorted(times["calamine"])[args.repeat // 2]
    pct_lost = sum(1 for row in results["calamine"][1:] if row[4] and not row[4].endswith("%"))
    report(
        {
            "rows": args.rows,
            "C_over_O": round(c / o, 3),
            "openpyxl_s": round(o, 3),
            "calamine_s": round(c, 3),
            "openpyxl_peak_mb": peaks["openpyxl"],
            "calamine_peak_mb": peaks["calamine"],
            "pct_lost": pct_lost,
            "file_mb": round(len(data) / 1024 / 1024, 1),
            "same_cells_apart_from_pct": all(
                a[:4] == b[:4] and a[5:] == b[5:]
                for a, b in zip(results["openpyxl"], results["calamine"], strict=False)
            ),
            "wall_s": round(time.perf_counter() - started, 1),
        }
    )


if __name__ == "__main__":
    main()
