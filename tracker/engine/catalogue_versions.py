"""The catalogue's versions: an edited rule judges from the moment it was loaded, never the past (issue 21).

Each time a writing connection finds the catalogue changed (tracker.engine.catalogue_tables) it stores a version
in cat_version: when it was loaded, its fingerprint, and every metric's rule (with its areas). Judging as known at
a moment T uses the rules of the version in force at T — the latest loaded at or before T; before the first
stored version, the first one. From the latest version on, and for everything known now, the catalogue given is
used as it is (it is the one in force; a test's own catalogue stays its own).
"""

from __future__ import annotations

import datetime as dt
import json
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import replace

import duckdb

from indicators.rules import REGISTRY
from tracker.catalogue import Catalogue
from tracker.db import lock, transaction


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def _rules(cat: Catalogue) -> dict[str, dict]:
    """Each metric's rule and areas, as stored (JSON: what a comparison with a stored version sees)."""
    rules = {m.code: {"rule": m.rule, "areas": list(m.areas)} for m in cat.metrics}
    return json.loads(json.dumps(rules, default=str))


def record(con: duckdb.DuckDBPyConnection, cat: Catalogue, fingerprint: str) -> None:
    """Store `cat` as the newest version unless it is the newest already (in the caller's transaction)."""
    with transaction(con):
        lock(con, "cat_version")  # PostgreSQL: two writers reading "not stored yet" would both store it
        latest = con.execute("SELECT fingerprint FROM cat_version ORDER BY id DESC LIMIT 1").fetchone()
        if latest is None or latest[0] != fingerprint:
            con.execute(
                "INSERT INTO cat_version (fingerprint, loaded_at, rules) VALUES (?, ?, ?)",
                [fingerprint, _now(), json.dumps(_rules(cat), ensure_ascii=False, sort_keys=True)],
            )


def seed(con: duckdb.DuckDBPyConnection) -> None:
    """A database from before versions were kept: the catalogue its stored tables describe is the first version
    (a new database has none; its first connection stores the first version)."""
    stored = {
        r[0]
        for r in con.execute(
            """SELECT table_name FROM duckdb_columns()
               WHERE database_name = current_database() AND schema_name = 'main'
                 AND table_name || '.' || column_name IN ('cat_info.fingerprint', 'cat_metric.rule', 'cat_metric_area.area')"""
        ).fetchall()
    }
    if stored != {"cat_info", "cat_metric", "cat_metric_area"}:
        return
    fingerprint = con.execute("SELECT fingerprint FROM cat_info").fetchone()
    areas: dict[str, list[str]] = {}
    for metric, area in con.execute("SELECT metric, area FROM main.cat_metric_area").fetchall():
        areas.setdefault(metric, []).append(area)
    rules = {
        metric: {"rule": json.loads(rule), "areas": areas.get(metric, [])}
        for metric, rule in con.execute("SELECT metric, rule FROM main.cat_metric").fetchall()
    }
    if fingerprint and rules:
        con.execute(
            "INSERT INTO cat_version (fingerprint, loaded_at, rules) VALUES (?, ?, ?)",
            [fingerprint[0], _now(), json.dumps(rules, ensure_ascii=False, sort_keys=True)],
        )


def _versions(con: duckdb.DuckDBPyConnection) -> list[tuple[int, dt.datetime]]:
    try:
        return con.execute("SELECT id, loaded_at FROM cat_version ORDER BY loaded_at, id").fetchall()
    except duckdb.CatalogException:  # a read-only file from before versions were kept
        return []


def _with_rules(cat: Catalogue, rules: dict[str, dict]) -> Catalogue:
    """`cat` with each metric's rule and areas as a version stored them (metrics it did not have keep theirs)."""
    now = _rules(cat)
    changed = {
        code: replace(cat.metric(code), rule=then["rule"], areas=tuple(then["areas"]))
        for code, then in rules.items()
        if code in now and then != now[code] and then["rule"].get("kind") in REGISTRY  # a kind since removed
    }
    if not changed:
        return cat
    metrics = {code: changed.get(code, m) for code, m in cat._metrics.items()}
    for code, m in changed.items():
        against = m.rule.get("against")
        metrics[code] = replace(m, against_name=metrics[against].name if against in metrics else "")
    items = tuple(replace(i, metrics=tuple(metrics[m.code] for m in i.metrics)) for i in cat.items)
    return replace(cat, items=items, _metrics=metrics)


def in_force_each(
    con: duckdb.DuckDBPyConnection, cat: Catalogue, moments: Sequence[dt.datetime | None]
) -> list[Catalogue]:
    """The catalogue in force at each moment (None: now): `cat` itself from the latest version on, else `cat`
    with the rules of the version loaded last by then (before the first version, the first one's)."""
    versions = _versions(con) if any(m is not None for m in moments) else []
    if len(versions) <= 1:
        return [cat] * len(moments)
    loaded = [v[1] for v in versions]
    picked = [None if m is None else max(bisect_right(loaded, m) - 1, 0) for m in moments]
    older = {i for i in picked if i is not None and i < len(versions) - 1}
    then = {
        i: _with_rules(
            cat,
            json.loads(
                con.execute("SELECT rules FROM cat_version WHERE id = ?", [versions[i][0]]).fetchone()[0]
            ),
        )
        for i in older
    }
    return [then.get(i, cat) for i in picked]


def in_force(con: duckdb.DuckDBPyConnection, cat: Catalogue, moment: dt.datetime | None) -> Catalogue:
    """The catalogue in force at one moment (None: now, `cat` itself)."""
    return in_force_each(con, cat, [moment])[0]


def last_changed(con: duckdb.DuckDBPyConnection) -> dict[str, dt.date]:
    """Metric → the day its rule last changed, for the metrics whose rule changed since the first version."""
    out: dict[str, dt.date] = {}
    before: dict[str, dict] | None = None
    for loaded_at, text in con.execute(
        "SELECT loaded_at, rules FROM cat_version ORDER BY loaded_at, id"
    ).fetchall():
        rules = json.loads(text)
        if before is not None:
            for code, rule in rules.items():
                if code in before and before[code] != rule:
                    out[code] = loaded_at.date()
        before = rules
    return out
