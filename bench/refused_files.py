"""Database growth from distinct all-refused uploads (issue 22, finding 9): --files distinct CSVs of --mb MB each,
every row refused (metric codes that do not exist), sent by one unit into a fresh database file.

    .venv/bin/python -m bench.refused_files --files 10 --mb 23 [--kept 3]

Prints the database file's size after the schema and after the uploads (checkpointed), the raw files' share
(upload_file: bytes kept, dropped) and the refused rows kept. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from bench.common import report
from tracker import bootstrap
from tracker.config import settings
from tracker.ingest import import_file

HEADER = "指标,期间,数值,备注\n"


def refused_csv(seed: int, mb: float) -> bytes:
    """Random-ish CSV text whose every row names an unknown metric: ~mb MB, distinct per seed."""
    rnd = random.Random(seed)
    target = int(mb * 1024 * 1024)
    parts, size = [HEADER.encode()], len(HEADER.encode())
    while size < target:
        block = rnd.randbytes(1 << 16).hex()  # hex text: about half of it compresses away, as typed text does
        lines = [
            f"9{block[i : i + 3]}.{block[i + 3]},2023年,{block[i + 4 : i + 9]},{block[i + 9 : i + 64]}\n"
            for i in range(0, len(block) - 64, 64)
        ]
        chunk = "".join(lines).encode()
        parts.append(chunk)
        size += len(chunk)
    return b"".join(parts)[:target].rsplit(b"\n", 1)[0] + b"\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=10)
    parser.add_argument("--mb", type=float, default=23)
    parser.add_argument("--kept", type=int, help="refused_files_kept (indicators/settings.yaml) for this run")
    args = parser.parse_args()
    if args.kept is not None:
        settings()["refused_files_kept"] = args.kept
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.duckdb"
        con = bootstrap.connect(path)
        con.execute("CHECKPOINT")
        empty = path.stat().st_size
        start = time.perf_counter()
        sent = 0
        for i in range(args.files):
            data = refused_csv(i, args.mb)
            sent += len(data)
            result = import_file(con, f"garbage-{i}.csv", data, unit="城管执法局")
            assert result.outcome == "all_refused", result.message
        seconds = time.perf_counter() - start
        con.execute("CHECKPOINT")
        raw = con.execute(
            "SELECT count(*), coalesce(sum(octet_length(bytes)), 0), count(*) FILTER (WHERE bytes IS NULL) "
            "FROM upload_file"
        ).fetchone()
        refused_rows = con.execute("SELECT count(*) FROM refused_row").fetchone()[0]
        block, used, free = con.execute(
            "SELECT block_size, used_blocks, free_blocks FROM pragma_database_size()"
        ).fetchone()
        con.close()
        full = path.stat().st_size
    mb = 1024 * 1024
    print(f"sent {args.files} files, {sent / mb:.1f} MB in all, in {seconds:.1f} s")
    print(f"database: {empty / mb:.1f} MB empty, {full / mb:.1f} MB after: +{(full - empty) / mb:.1f} MB")
    print(
        f"blocks: {used * block / mb:.1f} MB used, {free * block / mb:.1f} MB free (reused by later writes)"
    )
    print(
        f"raw files: {raw[0]}, {raw[2]} of them dropped by the cap, {raw[1] / mb:.1f} MB stored; "
        f"refused rows kept: {refused_rows}"
    )
    report(
        {
            "files": args.files,
            "sent_mb": round(sent / mb, 1),
            "growth_mb": round((full - empty) / mb, 1),
            "used_mb": round(used * block / mb, 1),
            "free_mb": round(free * block / mb, 1),
            "raw_stored_mb": round(raw[1] / mb, 1),
            "raw_dropped": raw[2],
            "refused_rows": refused_rows,
            "seconds": round(seconds, 1),
        }
    )


if __name__ == "__main__":
    main()
