"""Shared fixtures of the upload tests (tests/conftest.py belongs to the core; import these from there)."""

from __future__ import annotations

from pathlib import Path

from tracker import bootstrap

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def open_db(tmp_path: Path):
    """A fresh tracker database in a temporary file (each test module wraps it in its own fixture)."""
    con = bootstrap.connect(tmp_path / "ingest.duckdb")
    yield con
    con.close()


def count(con, table: str) -> int:
    return con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
