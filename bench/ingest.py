"""Upload throughput: a large GB18030 CSV with a title row and full-width figures, imported end to end (I),
against DuckDB's own read_csv of the same rows saved as UTF-8 (R), timed in the same run.

    .venv/bin/python -m bench.ingest --rows 1000000

I = tracker.ingest.import_file on a fresh database file (its schema made before the clock starts), and its
close: decode, NFKC, read, validate, commit (measurements, refused rows, warnings, the raw file).
R = CREATE TABLE AS SELECT * FROM read_csv(...) on a fresh database file. Medians of --repeat runs each, R and I
taken in turns (wall and CPU seconds). The rows are the office's collected form (a 单位 column, sent as 创卫办),
every 100th row naming an unknown metric (refused).
Target: I/R ≤ 3 and peak memory ≤ 1 GiB.
The last line is one JSON object: {"rows", "I_over_R", "peak_rss_mb", …}.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import tempfile
import time
from pathlib import Path

import duckdb

from bench.common import peak_rss_mb, report
from tracker import bootstrap
from tracker.catalogue import catalogue
from tracker.config import settings
from tracker.ingest import import_file

FULL = str.maketrans("0123456789.%", "０１２３４５６７８９．％")
HEADER = "单位,指标,区域,期间,数值,备注"
TITLE = "扎兰屯市创卫指标汇总报送表（创卫办汇总）,,,,,"


def _value(metric) -> str:
    values = metric.vtype
    if values.whole or not values.numeric:  # an answer, a grade, a count: the type's own example, full-width
        return values.format(values.example(1.0), metric.unit).translate(FULL)
    if metric.is_percent:
        return "98.5%".translate(FULL)
    unit = "" if any(ch.isdigit() for ch in metric.unit) or metric.unit == "‰" else metric.unit
    return "12.5".translate(FULL) + unit


def write_files(folder: Path, rows: int) -> tuple[Path, Path]:
    """The GB18030 upload (title row, header, rows) and the same rows as UTF-8 (header, rows)."""
    cat = catalogue()
    units = list(cat.units)
    metrics = list(cat.metrics)
    areas = list(cat.areas())
    values = [_value(m) for m in metrics]
    cells = [
        (f"{m.code} {m.name}" if i % 3 == 0 else m.code, m.period, m.scope) for i, m in enumerate(metrics)
    ]
    quarter_words = "一二三四"
    gb = folder / "upload-gb18030.csv"
    utf8 = folder / "same-rows-utf8.csv"
    with open(gb, "wb") as fg, open(utf8, "wb") as fu:
        fg.write((TITLE + "\r\n" + HEADER + "\r\n").encode("gb18030"))
        fu.write((HEADER + "\n").encode())
        chunk = 100_000
        for start in range(0, rows, chunk):
            lines = []
            for i in range(start, min(rows, start + chunk)):
                u = i % len(units)
                k = (i // len(units)) % len(metrics)
                year = 1900 + (i // (len(units) * len(metrics))) % 201
                label, period, scope = cells[k]
                if i % 100 == 99:
                    label = "99.9 不存在的指标"
                if period == "quarter":
                    when = f"{year}年第{quarter_words[i % 4]}季度"
                else:
                    when = f"{year}年".translate(FULL) if i % 2 else f"{year}"
                area = areas[i % len(areas)] if scope == "area" else ""
                note = "已核实，达标" if i % 10 == 0 else ""
                lines.append(f"{units[u]},{label},{area},{when},{values[k]},{note}")
            text = "\n".join(lines) + "\n"
            fg.write(text.replace("\n", "\r\n").encode("gb18030"))
            fu.write(text.encode("utf-8"))
    return gb, utf8


def _timed(run) -> tuple[float, float]:
    """Wall and CPU seconds of one run."""
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - wall, time.process_time() - cpu


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        folder = Path(tmp)
        gb, utf8 = write_files(folder, args.rows)
        data = gb.read_bytes()
        # The office's upload limit (settings.yaml max_upload_mb) is for people; the benchmark lifts it.
        settings()["max_upload_mb"] = max(settings()["max_upload_mb"], len(data) // 1048576 + 1)
        runs = {"n": 0, "last": None}

        def timed_import() -> tuple[float, float]:
            runs["n"] += 1
            # The schema and the catalogue are made before the clock starts (0.22 s on a fresh file): an upload
            # finds them there. The close, which checkpoints, is timed, as R's is.
            con = bootstrap.connect(folder / f"import-{runs['n']}.duckdb")

            def run() -> None:
                try:
                    runs["last"] = import_file(con, gb.name, data, unit="创卫办", user="bench")
                finally:
                    con.close()

            timing = _timed(run)
            gc.collect()
            return timing

        def run_read_csv() -> None:
            runs["n"] += 1
            con = duckdb.connect(str(folder / f"read-{runs['n']}.duckdb"))
            try:
                con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [str(utf8)]).fetchall()
            finally:
                con.close()

        catalogue()
        run_read_csv()  # warm the file cache for both
        started = time.perf_counter()
        reads, imports = [], []
        for _ in range(args.repeat):  # in turns, so that both see the same load on a shared machine
            reads.append(_timed(run_read_csv))
            imports.append(timed_import())
        r, r_cpu = (statistics.median(x) for x in zip(*reads, strict=True))
        i, i_cpu = (statistics.median(x) for x in zip(*imports, strict=True))
        result = runs["last"]
        figures = {
            "rows": args.rows,
            "I_over_R": round(i / r, 2),
            "peak_rss_mb": peak_rss_mb(),
            "import_s": round(i, 3),
            "read_csv_s": round(r, 3),
            # CPU seconds of the whole process (DuckDB's threads included): less moved by other load.
            "import_cpu_s": round(i_cpu, 3),
            "read_csv_cpu_s": round(r_cpu, 3),
            "accepted": result.accepted,
            "refused": result.refused,
            "warned": result.warnings,
            "outcome": result.outcome,
            "file_mb": round(len(data) / 1048576, 1),
            "wall_s": round(time.perf_counter() - started, 1),
        }
    report(figures)
    return figures


if __name__ == "__main__":
    main()
