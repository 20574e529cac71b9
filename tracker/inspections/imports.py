"""The files inspection teams fill — findings (检查类型, 检查日期, 点位, 点位类型, 街道/乡镇, 项目, 问题描述, 严重程度,
责任单位, 整改期限) and site registers (点位, 点位类型, 街道/乡镇, 地址, 责任单位) — read by the uploads' own reader
(tracker.ingest.reader: decoding GBK and Excel, title rows, hostile limits) with their own header words. Each row
is refused with its row number and every reason, or accepted; the accepted rows are written in one transaction,
all or nothing; the raw file is kept (upload_file); the same findings file twice changes nothing and says so.
Results have the measurement upload's shape (tracker.ingest.result.ImportResult)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass

import duckdb

from tracker import text
from tracker.access import audit
from tracker.access.auth import Actor
from tracker.access.service import service
from tracker.catalogue import normalise_name
from tracker.config import settings
from tracker.db import transaction
from tracker.ingest import raw_files, reader
from tracker.ingest.result import ImportResult, RowReport
from tracker.ingest.sheet import Layout, Sheet
from tracker.ingest.text import FileRefused
from tracker.ingest.validate import drop_temp
from tracker.inspections import verdict
from tracker.inspections.findings import DEADLINE_DAYS, insert_finding, resolve_check, severity
from tracker.inspections.rounds import get_round, in_progress, insert_round, round_kind
from tracker.inspections.site_types import site_type, site_types
from tracker.inspections.sites import (
    MANAGE,
    InspectionError,
    find_site,
    get_site,
    insert_site,
    now_,
    resolve_street,
    resolve_units,
)
from tracker.strings.inspections import COLUMN, HEADER_WORDS, IMPORT, MSG, SITE_HEADER_WORDS
from tracker.strings.upload import FILE, REFUSE

EXTRA = "_extra"  # a row's field holding the refusal of its cells right of the header
FINDINGS = Layout(HEADER_WORDS, "description")
SITES = Layout(SITE_HEADER_WORDS, "site_type")
MAX_ROWS = 5000  # a round's file holds tens or hundreds of rows; rows are checked one by one
_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"
)


def parse_date(text: str | None) -> dt.date | None:
    text = (text or "").strip()
    m = _DATE.match(text) or re.match(r"^(\d{4})(\d{2})(\d{2})$", text)
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _rows(con, data: bytes, layout: Layout, required: tuple[str, ...], result: ImportResult) -> list | None:
    """[(row number, field → text, raw cells JSON)] of a file, below its header (recorded in `result`); None when
    the file is refused, its reason then being the result's message."""
    try:
        sheet, rows = _read(con, data, layout, required)
    except FileRefused as exc:
        result.message = str(exc)
        return None
    finally:
        drop_temp(con)
    result.header_row, result.headers = sheet.header_row, sheet.headers
    return rows


def _read(con, data: bytes, layout: Layout, required: tuple[str, ...]) -> tuple[Sheet, list]:
    """(sheet, rows as _rows gives them) of a file; FileRefused naming what is wrong with it."""
    limit = settings().get("max_upload_mb", 25)
    if len(data) > limit * 1024 * 1024:
        raise FileRefused(FILE["too_big"].format(size=len(data) / 1024 / 1024, limit=limit))
    sheet = reader.read(con, data, layout=layout)
    missing = [COLUMN[f] for f in required if f not in sheet.columns]
    if missing:
        raise FileRefused(IMPORT["missing_columns"].format(columns="、".join(missing)))
    count = con.execute("SELECT count(*) FROM _ing_raw WHERE row_no > ?", [sheet.header_row]).fetchone()[0]
    if count > MAX_ROWS:
        raise FileRefused(IMPORT["too_many_rows"].format(n=count, limit=MAX_ROWS))
    cols = ", ".join(f"c{i}" for i in range(sheet.ncols))
    out = []
    for row_no, *cells in con.execute(
        f"SELECT row_no, {cols} FROM _ing_raw WHERE row_no > ? ORDER BY row_no", [sheet.header_row]
    ).fetchall():
        if not any((c or "").strip() for c in cells):
            continue
        fields = {f: (cells[i] or "").strip() for f, i in sheet.columns.items()}
        extra = [f"第{i + 1}列「{c}」" for i, c in enumerate(cells) if i >= sheet.width and (c or "").strip()]
        if extra:  # cells right of the header's last column: refused, never dropped (issue 22)
            fields[EXTRA] = REFUSE["extra_cells"].format(width=sheet.width, cells="、".join(extra))
        raw = {sheet.headers[i]: c for i, c in enumerate(cells) if c not in (None, "")}
        out.append((row_no, fields, json.dumps(raw, ensure_ascii=False)))
    if not out:
        raise FileRefused(IMPORT["no_rows"])
    return sheet, out


@dataclass
class _Row:
    row: int
    kind: str
    found_on: dt.date
    site_id: int | None
    site: dict  # name, street, type, units (a site to register when site_id is None)
    check: object
    description: str
    severity: str
    unit: str
    deadline: dt.date


def _site_for(con, f: dict, reasons: list[str], warnings: list[str], fresh: dict) -> tuple[int | None, dict]:
    name = normalise_name(f.get("site", ""))
    if not name:
        reasons.append(IMPORT["need_site"])
        return None, {}
    try:
        street = resolve_street(f.get("area"))
    except InspectionError as exc:
        reasons.append(str(exc))
        return None, {}
    site_id = find_site(con, name, street)
    if site_id is not None:
        return site_id, get_site(con, site_id)
    if (name, street) in fresh:
        return None, fresh[(name, street)]
    kind = site_type(f.get("site_type", ""))
    if kind is None:
        reasons.append(MSG["unknown_type"].format(type=f.get("site_type", ""), known="、".join(site_types())))
        return None, {}
    site = {"name": name, "street": street, "type": kind.name, "units": list(kind.units_for(street))}
    warnings.append(IMPORT["new_site"].format(name=name, street=street or "—", type=kind.name))
    fresh[(name, street)] = site
    return None, site


def _check_row(
    con, row_no: int, f: dict, fixed_round: dict | None, fresh: dict
) -> tuple[_Row | None, list, list]:
    reasons: list[str] = [f[EXTRA]] if EXTRA in f else []
    warnings: list[str] = []
    for key, field in (("description", "finding_description"), ("site", "site_name"), ("address", "address")):
        try:
            f[key] = text.clean(f.get(key), field, InspectionError, one_line=key != "description")
        except InspectionError as exc:
            reasons.append(str(exc))
    kind = None
    if f.get("kind") or not fixed_round:
        try:
            kind = round_kind(f.get("kind", "")).name
        except InspectionError as exc:
            reasons.append(str(exc))
    if fixed_round and kind and kind != fixed_round["kind"]:
        reasons.append(IMPORT["kind_mismatch"].format(kind=kind, round_kind=fixed_round["kind"]))
    kind = kind or (fixed_round or {}).get("kind")
    found_on = parse_date(f.get("date"))
    if found_on is None:
        reasons.append(IMPORT["bad_date"].format(value=f.get("date", "")))
    elif fixed_round and not fixed_round["starts"] <= found_on <= fixed_round["ends"]:
        warnings.append(IMPORT["outside_round"].format(date=found_on, starts=fixed_round["starts"],
                                                       ends=fixed_round["ends"]))  # fmt: skip
    site_id, site = _site_for(con, f, reasons, warnings, fresh)
    check = level = unit = None
    if site:
        try:
            check = resolve_check(site["type"], f.get("check", ""))
        except InspectionError as exc:
            reasons.append(str(exc))
    description = f.get("description", "")
    if not description:
        reasons.append(MSG["need_description"])
    try:
        level = severity(f.get("severity", ""))
    except InspectionError as exc:
        reasons.append(str(exc))
    if f.get("unit"):
        try:
            unit = resolve_units([f["unit"]])[0]
        except InspectionError as exc:
            reasons.append(str(exc))
    elif site:
        unit = site["units"][0]
    deadline = None
    if f.get("deadline"):
        deadline = parse_date(f["deadline"])
        if deadline is None:
            reasons.append(IMPORT["bad_deadline"].format(value=f["deadline"]))
    elif found_on and level:
        deadline = found_on + dt.timedelta(days=DEADLINE_DAYS[level])
    if deadline and found_on and deadline < found_on:
        reasons.append(MSG["deadline_before"].format(deadline=deadline, date=found_on))
    if reasons:
        return None, reasons, warnings
    return (
        _Row(row_no, kind, found_on, site_id, site, check, description, level, unit, deadline),
        [],
        warnings,
    )


# The file is read outside a transaction (the ingest reader numbers rows by rowid, which a transaction's own
# rows do not share); the import's writes keep their own transaction.
@service("import_findings", MANAGE, transaction=False)
def import_findings(
    con: duckdb.DuckDBPyConnection,
    actor: Actor,
    file_name: str,
    data: bytes,
    round_id: int | None = None,
    dry_run: bool = False,
    now: dt.datetime | None = None,
) -> ImportResult:
    """Import a team's findings file (the office only). With `round_id` every row joins that round; without,
    the rows of each 检查类型 make a new round spanning their dates. A site not yet registered is registered
    from the row's 点位类型 (a warning says so). Each finding opens its ledger task; the rounds' pass rates are
    then written as figures (tracker.inspections.verdict)."""
    sha = hashlib.sha256(data).hexdigest()
    result = ImportResult(None, file_name=file_name, sha256=sha, unit=None)
    fixed = get_round(con, round_id) if round_id is not None else None
    earlier = con.execute(
        "SELECT min(recorded_at) FROM finding WHERE source_sha256 = ? HAVING count(*) > 0", [sha]
    ).fetchall()
    if earlier:
        result.duplicate, result.outcome = True, "duplicate"
        result.message = IMPORT["duplicate"].format(when=f"{earlier[0][0]:%Y-%m-%d %H:%M}")
        return result
    rows = _rows(con, data, FINDINGS, ("site", "check", "description", "severity"), result)
    if rows is None:
        return result
    accepted: list[_Row] = []
    seen: dict[tuple, int] = {}
    fresh: dict = {}
    for row_no, fields, cells in rows:
        row, reasons, warnings = _check_row(con, row_no, fields, fixed, fresh)
        if row is not None:
            key = (row.site["name"], row.site["street"], row.check.code, row.found_on, row.description)
            if key in seen:
                row, reasons = None, [IMPORT["repeat_in_file"].format(row=seen[key])]
            else:
                seen[key] = row_no
        if row is None:
            result.refused_rows.append(RowReport(row_no, reasons, cells))
            continue
        accepted.append(row)
        if warnings:
            result.warned_rows.append(RowReport(row_no, warnings, cells))
    result.accepted, result.refused, result.warnings = (
        len(accepted),
        len(result.refused_rows),
        len(result.warned_rows),
    )
    counts = {"accepted": result.accepted, "refused": result.refused, "warned": result.warnings}
    if dry_run:
        result.outcome, result.message = "dry_run", IMPORT["summary_dry"].format(**counts)
        return result
    if not accepted:
        result.outcome, result.message = "all_refused", IMPORT["all_refused"]
        return result
    when = now or now_()
    with transaction(con):
        raw_files.store(con, sha, data)
        rounds = _rounds_for(con, actor, accepted, fixed, when)
        site_ids: dict[tuple, int] = {}
        for row in accepted:
            key = (row.site["name"], row.site["street"])
            if row.site_id is None and key not in site_ids:
                s = row.site
                site_ids[key] = insert_site(
                    con, actor, s["type"], s["name"], s["street"], None, s["units"], when
                )
            site = get_site(con, row.site_id or site_ids[key])
            insert_finding(con, actor, rounds[row.row], site, row.check, row.description, row.severity, row.unit,
                           row.found_on, row.deadline, when, source=(sha, row.row))  # fmt: skip
        audit.record(con, actor.name, "findings_import", f"file:{sha[:12]}", None,
                     {"file": file_name, **counts, "rounds": sorted({r["id"] for r in rounds.values()})})  # fmt: skip
    for rnd in {r["id"]: r for r in rounds.values()}.values():
        if not in_progress(rnd, when.date()):  # a round under way: its rates wait for its end
            verdict.write_rates(con, actor, rnd["id"], now=when)
    result.outcome, result.message = "committed", IMPORT["summary"].format(**counts)
    return result


def _rounds_for(con, actor: Actor, rows: list[_Row], fixed: dict | None, when) -> dict[int, dict]:
    """The round each row joins (by row number): the given one; else the round of its kind whose dates hold
    the row's date; else a new round per kind spanning the dates of its rows that no round holds."""
    if fixed is not None:
        return {r.row: fixed for r in rows}
    out: dict[int, dict] = {}
    homeless: dict[str, list[_Row]] = {}
    for r in rows:
        found = con.execute(
            """SELECT id FROM inspection_round WHERE kind = ? AND ? BETWEEN starts AND ends
               ORDER BY starts DESC, id DESC LIMIT 1""",
            [r.kind, r.found_on],
        ).fetchall()
        if found:
            out[r.row] = get_round(con, found[0][0])
        else:
            homeless.setdefault(r.kind, []).append(r)
    for kind, members in homeless.items():
        dates = [r.found_on for r in members]
        name = IMPORT["round_name"].format(year=min(dates).year, kind=kind)
        rid = insert_round(con, actor, round_kind(kind), name, min(dates), max(dates), None, {}, None, when)
        for r in members:
            out[r.row] = get_round(con, rid)
    return out


@service("import_sites", MANAGE, transaction=False)  # read as import_findings
def import_sites(
    con: duckdb.DuckDBPyConnection, actor: Actor, file_name: str, data: bytes, now: dt.datetime | None = None
) -> ImportResult:
    """Register the sites of an xlsx/CSV (点位, 点位类型, 街道/乡镇, 地址, 责任单位; the office only). A site already
    registered is refused as such; units default to the type's."""
    result = ImportResult(None, file_name=file_name, sha256=hashlib.sha256(data).hexdigest())
    rows = _rows(con, data, SITES, ("site", "site_type"), result)
    if rows is None:
        return result
    when = now or now_()
    seen: set[tuple] = set()
    with transaction(con):
        for row_no, f, cells in rows:
            try:
                if EXTRA in f:
                    raise InspectionError(f[EXTRA])
                kind = site_type(f.get("site_type", ""))
                if kind is None:
                    raise InspectionError(
                        MSG["unknown_type"].format(type=f.get("site_type"), known="、".join(site_types()))
                    )
                name = normalise_name(text.clean(f.get("site"), "site_name", InspectionError, one_line=True))
                street = resolve_street(f.get("area"))
                address = text.clean(f.get("address"), "address", InspectionError, one_line=True)
                if not name:
                    raise InspectionError(MSG["need_name"])
                existing = find_site(con, name, street)
                if existing is not None or (name, street) in seen:
                    raise InspectionError(
                        MSG["site_exists"].format(name=name, street=street or "—", id=existing or "—")
                    )
                units = (
                    resolve_units([u for u in re.split(r"[、,，;；/]", f["unit"]) if u.strip()])
                    if f.get("unit")
                    else list(kind.units_for(street))
                )
            except InspectionError as exc:
                result.refused_rows.append(RowReport(row_no, [str(exc)], cells))
                continue
            seen.add((name, street))
            insert_site(con, actor, kind.name, name, street, address, units, when)
            result.accepted += 1
    result.refused = len(result.refused_rows)
    result.outcome = "committed" if result.accepted else "all_refused"
    result.message = IMPORT["sites_summary"].format(accepted=result.accepted, refused=result.refused)
    return result
