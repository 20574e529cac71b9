"""The tests' template database (tests/conftest.py, tracker.db.TEMPLATE) is a faithful stand-in: a new database
copied from it — a file or `:memory:` — holds exactly what connect() builds from nothing: the same tables,
constraints, indexes, views, sequences (with their positions) and rows."""

from __future__ import annotations

import pytest

from tracker import bootstrap, db

# Columns that record when the database was made: a copy holds the template's moment, not its own.
MOMENTS = {"cat_version": "EXCLUDE (loaded_at)"}


def shape(con) -> dict:
    here = "database_name = current_database()"
    out = {
        "tables": con.execute(
            f"SELECT table_name, sql FROM duckdb_tables() WHERE {here} ORDER BY 1"
        ).fetchall(),
        "views": con.execute(
            f"SELECT view_name, sql FROM duckdb_views() WHERE NOT internal AND {here} ORDER BY 1"
        ).fetchall(),
        "indexes": con.execute(
            f"SELECT index_name, sql FROM duckdb_indexes() WHERE {here} ORDER BY 1"
        ).fetchall(),
        "sequences": con.execute(
            f"SELECT sequence_name, start_value, last_value FROM duckdb_sequences() WHERE {here} ORDER BY 1"
        ).fetchall(),
        "constraints": con.execute(
            f"SELECT table_name, constraint_type, constraint_text FROM duckdb_constraints() WHERE {here} ORDER BY ALL"
        ).fetchall(),
        "macros": con.execute(
            f"SELECT function_name FROM duckdb_functions() WHERE NOT internal AND {here} ORDER BY 1"
        ).fetchall(),
    }
    out["rows"] = {
        name: sorted(map(repr, con.execute(f'SELECT * {MOMENTS.get(name, "")} FROM "{name}"').fetchall()))
        for name, _ in out["tables"]
    }
    return out


@pytest.fixture
def from_nothing(monkeypatch, tmp_path):
    monkeypatch.setattr(db, "TEMPLATE", None)
    con = bootstrap.connect(tmp_path / "from_nothing.duckdb")
    yield shape(con)
    con.close()


def test_the_session_uses_a_template():
    assert db.TEMPLATE is not None and db.TEMPLATE.exists()


def test_a_new_file_copied_from_the_template_equals_one_built_from_nothing(from_nothing, tmp_path):
    path = tmp_path / "copied.duckdb"
    assert not path.exists()
    con = bootstrap.connect(path)
    copied = shape(con)
    con.close()
    assert copied == from_nothing
    assert (
        len(copied["tables"]) > 20 and copied["rows"]["schema_version"]
    )  # a migrated database, not an empty one


def test_memory_copied_from_the_template_equals_one_built_from_nothing(from_nothing):
    con = bootstrap.connect(":memory:")
    assert shape(con) == from_nothing
    con.close()


def test_an_existing_file_is_opened_not_replaced(tmp_path):
    path = tmp_path / "kept.duckdb"
    con = bootstrap.connect(path)
    con.execute("INSERT INTO schema_version VALUES (999999)")
    con.close()
    con = bootstrap.connect(path)
    assert con.execute("SELECT max(version) FROM schema_version").fetchone()[0] == 999999
    con.close()
