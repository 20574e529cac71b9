"""检查轮次: a round of inspection — its kind, dates, team and scope (streets, site types) — and the sites drawn
for it. A kind that draws at random (暗访) takes, per site type and street, a sample of the registered sites with
a seed kept on the round, so the same draw can be made again; the other kinds take every site in scope."""

from __future__ import annotations

import datetime as dt
import json
import random
import secrets

import duckdb
import pandas as pd

from indicators.round_kinds import KINDS, RoundKind
from tracker import text
from tracker.access import audit
from tracker.access.auth import Actor
from tracker.access.service import service
from tracker.db import transaction
from tracker.inspections.site_types import site_type
from tracker.inspections.sites import MANAGE, InspectionError, now_, one_row, resolve_street
from tracker.strings.inspections import MSG

PER_GROUP = 2  # sites drawn per type and street when the round does not say


def round_kind(name: str) -> RoundKind:
    kind = KINDS.get((name or "").strip())
    if kind is None:
        raise InspectionError(MSG["unknown_kind"].format(kind=name, known="、".join(KINDS)))
    return kind


def get_round(con: duckdb.DuckDBPyConnection, round_id: int) -> dict:
    row = one_row(con, "SELECT * FROM inspection_round WHERE id = ?", [round_id])
    if row is None:
        raise InspectionError(MSG["no_round"].format(id=round_id))
    row["scope"] = json.loads(row["scope"] or "{}")
    return row


def draw(sites: pd.DataFrame, seed: int, per_group: int) -> list[int]:
    """Per (type, street), `per_group` sites at random; the same seed and register give the same sample."""
    chosen: list[int] = []
    for (type_name, street), group in sites.groupby(["type", sites["street"].fillna("")], sort=True):
        ids = sorted(int(i) for i in group["id"])
        rng = random.Random(f"{seed}:{type_name}:{street}")
        chosen.extend(sorted(rng.sample(ids, min(per_group, len(ids)))))
    return sorted(chosen)


def in_scope(con: duckdb.DuckDBPyConnection, streets: list[str], types: list[str]) -> pd.DataFrame:
    # Narrowed here, not in SQL: it runs in a round's write transaction, on PostgreSQL too, whose lists differ.
    sites = con.execute("SELECT id, type, street FROM site ORDER BY id").df()
    if streets:
        sites = sites[sites["street"].isin(streets)]
    if types:
        sites = sites[sites["type"].isin(types)]
    return sites.reset_index(drop=True)


def insert_round(
    con, actor: Actor, kind: RoundKind, name, starts, ends, team, scope: dict, seed, when
) -> int:
    round_id = con.execute(
        """INSERT INTO inspection_round (kind, name, starts, ends, team, scope, seed, created_at, created_by)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
        [kind.name, name, starts, ends, team, json.dumps(scope, ensure_ascii=False), seed, when, actor.name],
    ).fetchone()[0]
    audit.record(con, actor.name, "round_create", f"round:{round_id}", None, get_round(con, round_id))
    return round_id


@service("create_round", MANAGE)
def create_round(
    con: duckdb.DuckDBPyConnection,
    actor: Actor,
    kind: str,
    name: str,
    starts: dt.date,
    ends: dt.date,
    team: str | None = None,
    streets: list[str] | None = None,
    types: list[str] | None = None,
    per_group: int | None = None,
    seed: int | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Create a round and draw its sample (the office only); returns its id."""
    found = round_kind(kind)
    if ends < starts:
        raise InspectionError(MSG["bad_dates"])
    name = text.clean(name, "round_name", InspectionError, one_line=True)
    team = text.clean(team, "team", InspectionError, one_line=True) or None
    street_names = [resolve_street(s) for s in streets or ()]
    type_names = []
    for t in types or ():
        st = site_type(t)
        if st is None:
            raise InspectionError(MSG["unknown_type"].format(type=t, known=""))
        type_names.append(st.name)
    scope: dict = {"streets": street_names, "types": type_names}
    sites = in_scope(con, street_names, type_names)
    if found.draws_at_random:
        seed = secrets.randbelow(2**31) if seed is None else int(seed)
        scope["per_group"] = per_group or PER_GROUP
        sample = draw(sites, seed, scope["per_group"])
    else:
        seed, sample = None, [int(i) for i in sites["id"]]
    if not sample:
        raise InspectionError(MSG["empty_sample"])
    with transaction(con):
        round_id = insert_round(
            con,
            actor,
            found,
            name or found.name,
            starts,
            ends,
            team,
            scope,
            seed,
            now or now_(),
        )
        con.execute("INSERT INTO round_site (round_id, site_id) SELECT ?, unnest(?)", [round_id, sample])
    return round_id


def add_to_sample(con: duckdb.DuckDBPyConnection, round_id: int, site_id: int) -> None:
    """A site where a finding was recorded belongs to the round's inspected sites (inside a transaction)."""
    con.execute(
        """INSERT INTO round_site (round_id, site_id) SELECT ?, ? WHERE NOT EXISTS
           (SELECT 1 FROM round_site WHERE round_id = ? AND site_id = ?)""",
        [round_id, site_id, round_id, site_id],
    )


@service("record_site_check", MANAGE)
def record_check(
    con: duckdb.DuckDBPyConnection,
    actor: Actor,
    round_id: int,
    site_id: int,
    checked_on: dt.date | None = None,
    now: dt.datetime | None = None,
) -> None:
    """「检查无问题」 (the office only): a site of the round's draw was inspected and nothing was found, so it counts
    as inspected and passed in the round's pass rate (tracker.inspections.verdict). Recording it again keeps the
    first record."""
    rnd = get_round(con, round_id)
    drawn = con.execute(
        "SELECT checked_on FROM round_site WHERE round_id = ? AND site_id = ?", [round_id, site_id]
    ).fetchall()
    if not drawn:
        raise InspectionError(MSG["not_in_round"].format(site=site_id, id=round_id))
    if drawn[0][0] is not None:
        return
    when = now or now_()
    with transaction(con):
        con.execute(
            "UPDATE round_site SET checked_on = ?, checked_by = ? WHERE round_id = ? AND site_id = ?",
            [checked_on or min(rnd["ends"], when.date()), actor.name, round_id, site_id],
        )
        audit.record(con, actor.name, "site_checked", f"round:{round_id}", None,
                     {"site": site_id, "checked_on": str(checked_on or min(rnd["ends"], when.date()))})  # fmt: skip


def in_progress(rnd: dict, today: dt.date) -> bool:
    """A round whose last day has not passed: its pass rates are not yet a figure (tracker.inspections.verdict)."""
    return rnd["ends"] >= today


def round_sites(con: duckdb.DuckDBPyConnection, round_id: int) -> pd.DataFrame:
    return con.execute(
        """SELECT s.id, s.type, s.name, s.street, s.address, s.units, r.checked_on FROM round_site r
           JOIN site s ON s.id = r.site_id WHERE r.round_id = ? ORDER BY s.type, s.street, s.name""",
        [round_id],
    ).df()


def list_rounds(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    out = con.execute(
        """SELECT r.id, r.kind, r.name, r.starts, r.ends, r.team, r.seed,
                  (SELECT count(*) FROM round_site x WHERE x.round_id = r.id) AS sites,
                  (SELECT count(*) FROM finding f WHERE f.round_id = r.id) AS findings
           FROM inspection_round r ORDER BY r.starts DESC, r.id DESC"""
    ).df()
    for col in ("starts", "ends"):
        out[col] = pd.to_datetime(out[col]).dt.date
    return out
