"""点位: the register of sites that inspection teams walk — type, name, street or township, address and the
units that answer for it (by default the type's units from the plan). Registered one by one or from an xlsx."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from tracker import text
from tracker.access import audit
from tracker.access.auth import Actor
from tracker.access.service import service
from tracker.catalogue import catalogue, normalise_name
from tracker.db import transaction
from tracker.inspections.site_types import site_type, site_types
from tracker.strings.inspections import MSG

MANAGE = "task_manage"  # the office's right: registering sites, rounds and findings go with the ledger's


class InspectionError(ValueError):
    """A change the inspection register refuses; the message says why, in Chinese."""


def now_() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def resolve_street(text: str | None) -> str | None:
    """A street or township's canonical name; None when blank; InspectionError when unknown."""
    if not (text or "").strip():
        return None
    cat = catalogue()
    unit = cat.resolve_unit(text)
    if unit is None or unit not in cat.areas():
        raise InspectionError(MSG["unknown_street"].format(street=text))
    return unit


def resolve_units(names) -> list[str]:
    out: list[str] = []
    for name in names or ():
        unit = catalogue().resolve_unit(name)
        if unit is None:
            raise InspectionError(MSG["unknown_unit"].format(unit=name))
        if unit not in out:
            out.append(unit)
    return out


def find_site(con: duckdb.DuckDBPyConnection, name: str, street: str | None) -> int | None:
    rows = con.execute(
        "SELECT id FROM site WHERE name = ? AND coalesce(street, '') = coalesce(?, '') ORDER BY id LIMIT 1",
        [normalise_name(name), street],
    ).fetchall()
    return rows[0][0] if rows else None


def one_row(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> dict | None:
    """One row as a dict of its columns (None when there is none)."""
    cursor = con.execute(sql, params)
    row = cursor.fetchone()
    return None if row is None else dict(zip([d[0] for d in cursor.description], row, strict=True))


def get_site(con: duckdb.DuckDBPyConnection, site_id: int) -> dict:
    row = one_row(con, "SELECT * FROM site WHERE id = ?", [site_id])
    if row is None:
        raise InspectionError(MSG["no_site"].format(id=site_id))
    return row


def _checked(
    con, type_name: str, name: str, street_text: str | None, units
) -> tuple[str, str, str | None, list]:
    kind = site_type(type_name)
    if kind is None:
        raise InspectionError(MSG["unknown_type"].format(type=type_name, known="、".join(site_types())))
    name = normalise_name(text.clean(name, "site_name", InspectionError, one_line=True))
    if not name:
        raise InspectionError(MSG["need_name"])
    street = resolve_street(street_text)
    chosen = resolve_units(units) or list(kind.units_for(street))
    existing = find_site(con, name, street)
    if existing is not None:
        raise InspectionError(MSG["site_exists"].format(name=name, street=street or "—", id=existing))
    return kind.name, name, street, chosen


def insert_site(
    con, actor: Actor, type_name: str, name: str, street: str | None, address, units, when
) -> int:
    """Write one checked site and its audit entry (inside the caller's transaction)."""
    site_id = con.execute(
        """INSERT INTO site (type, name, street, address, units, created_at, created_by)
           VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id""",
        [
            type_name,
            name,
            street,
            text.clean(address, "address", InspectionError, one_line=True) or None,
            units,
            when,
            actor.name,
        ],  # fmt: skip
    ).fetchone()[0]
    audit.record(con, actor.name, "site_register", f"site:{site_id}", None, get_site(con, site_id))
    return site_id


@service("register_site", MANAGE)
def register_site(
    con: duckdb.DuckDBPyConnection,
    actor: Actor,
    type_name: str,
    name: str,
    street: str | None = None,
    address: str | None = None,
    units: list[str] | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Register a site (the office only). Units default to the type's units, 所在街道 being its street."""
    type_name, name, street, chosen = _checked(con, type_name, name, street, units)
    with transaction(con):
        return insert_site(con, actor, type_name, name, street, address, chosen, now or now_())


@service("edit_site_units", MANAGE)
def edit_site_units(con: duckdb.DuckDBPyConnection, actor: Actor, site_id: int, units: list[str]) -> None:
    """Change the units that answer for a site (the office only)."""
    before = get_site(con, site_id)
    chosen = resolve_units(units)
    if not chosen:
        raise InspectionError(MSG["unknown_unit"].format(unit="（空）"))
    with transaction(con):
        con.execute("UPDATE site SET units = ? WHERE id = ?", [chosen, site_id])
        audit.record(con, actor.name, "site_units", f"site:{site_id}", before, get_site(con, site_id))


def list_sites(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        "SELECT id, type, name, street, address, units FROM site ORDER BY type, street, name, id"
    ).df()
