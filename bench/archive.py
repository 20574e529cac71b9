"""导出档案 in bounded memory: N evidence files of S MB each (random bytes behind a JPEG header, so nothing
compresses) attached to items, then the whole archive written (tracker.reports.archive.write_archive).

    .venv/bin/python -m bench.archive --files 50 --mb 2

Python's peak allocation while writing (tracemalloc; openpyxl imported first, once per process) over one
file's size: about 1 means one file in memory at a time, whatever the archive's size. DuckDB's own buffers are
outside tracemalloc: peak_rss_mb includes them (the files were just written through the same process).
The last line is one JSON object: {"files", "archive_mb", "export_s", "python_peak_mb", "peak_over_one_file", …}.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import tracemalloc
from pathlib import Path

import openpyxl.styles  # noqa: F401 — imported before measuring: a module's import is not the archive's memory

from bench.common import peak_rss_mb, report
from tracker import bootstrap
from tracker.access.auth import Actor
from tracker.office import evidence
from tracker.reports import archive


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=50)
    parser.add_argument("--mb", type=float, default=2.0)
    args = parser.parse_args()
    size = int(args.mb * 1024 * 1024)
    office = Actor("bench", "admin")
    with tempfile.TemporaryDirectory(prefix="bench-archive-") as tmp:
        con = bootstrap.connect(Path(tmp) / "bench.duckdb")
        started = time.perf_counter()
        for n in range(args.files):
            data = b"\xff\xd8\xff\xe0" + os.urandom(size - 4)
            evidence.attach_file(con, data, f"照片{n:03d}.jpg", "item", 1 + n % 45, office)
        attached = time.perf_counter() - started
        out = Path(tmp) / "archive.zip"
        tracemalloc.start()
        started = time.perf_counter()
        done = archive.write_archive(con, out)
        exported = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        con.close()
        report(
            {
                "files": done.files,
                "file_mb": args.mb,
                "archive_mb": round(out.stat().st_size / 1048576, 1),
                "attach_s": round(attached, 2),
                "export_s": round(exported, 2),
                "python_peak_mb": round(peak / 1048576, 2),
                "peak_over_one_file": round(peak / size, 2),
                "peak_rss_mb": peak_rss_mb(),
            }
        )


if __name__ == "__main__":
    main()
