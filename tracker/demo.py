"""Demo data: a seeded, believable campaign for the city from 2020 (baseline) to 2026.

It improves over the campaign's phases and keeps a few stories for the screens to tell:
道路机械化清扫率 stuck below 80%, 城市生活垃圾回收利用率 just short of 35%, one township below 90% in
child immunisation, too few general practitioners against the regional plan, obesity rising again,
a school food-poisoning incident in 2024 (the veto risk), and 教育局 as the late unit (its 2025 figures
are missing and its earlier ones came after the deadline). Everything it writes is flagged is_demo.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import io
import random
from typing import NamedTuple

import duckdb
import pandas as pd

from indicators.rules import REGISTRY
from tracker import periods
from tracker.catalogue import OFFICE, Catalogue, Metric, catalogue
from tracker.config import settings
from tracker.db import transaction
from tracker.engine import counting
from tracker.engine.catalogue_tables import ensure_catalogue

FIRST_YEAR, LAST_YEAR = 2020, 2026
LATE_UNIT = "教育局"
SEED = 20230526  # the date of the city's decision

# Stories: metric code -> value per year (the rest follow the generic curves below).
STORIES = {
    "10.3": {2020: 61.0, 2021: 66.5, 2022: 71.0, 2023: 74.2, 2024: 75.1, 2025: 76.0, 2026: 77.0},
    "14.1": {2020: 22.0, 2021: 26.4, 2022: 30.1, 2023: 33.0, 2024: 34.0, 2025: 34.2, 2026: 34.6},
    "15.1": {2020: 66.0, 2021: 68.0, 2022: 70.0, 2023: 71.5, 2024: 72.6, 2025: 73.5, 2026: 74.1},
    "6.1": {2020: 17.2, 2021: 19.0, 2022: 20.6, 2023: 22.1, 2024: 23.4, 2025: 24.8, 2026: 25.5},
    "30.5": {2020: 14.8, 2021: 14.1, 2022: 13.6, 2023: 13.2, 2024: 13.5, 2025: 13.4, 2026: 13.1},
    "30.6": {2024: 1.0},
    "42.6": {2020: 1.9, 2021: 2.1, 2022: 2.3, 2023: 2.4, 2024: 2.5, 2025: 2.6, 2026: 2.7},
}
REQUIREMENTS = {"42.1b": 6.0, "42.2b": 2.5, "42.3b": 3.0, "42.4b": 0.8, "42.5b": 0.5, "42.6b": 3.0}
ACTUALS = {"42.1": 6.4, "42.2": 2.7, "42.3": 3.3, "42.4": 0.86, "42.5": 0.54}
REPORTED_BASE = {
    "22.1": (318, 342),
    "22.2": (14, 9),
    "22.3": (24, 19),
    "22.4": (58, 47),
    "22.5": (33, 26),
    "23.1": (55.2, 52.8),
    "39.1": (212, 168),
    "8.4": (1.6, 2.4),
}
GRADES = {"45.1": "CCBBBBB", "45.2": "DDCCCCC", "45.3": "DCCCCCC", "45.4": "CBBBBBB"}
TREND_START = {"38.1": 31.0, "30.4": 55.0, "40.1": 22.0, "40.2": 5.6, "40.3": 7.4, "40.4": 77.2, "41.1": 17.8}
AREA_STORY = {"柴河镇": 88.5}  # 40.5 in the latest years
UNVERIFIED = {"2.2", "16.1", "27.1"}  # checklist metrics whose 2025 「是」 awaits the office
SAYS_NO = {"20.1": 2025}  # a checklist reported 「否」 in that year


class DemoAccount(NamedTuple):
    name: str
    role: str
    unit: str | None
    password: str


# One account per role, so that a newcomer sees each role in a minute. Their passwords are public (the demo's
# sign-in page, docs/使用说明.md): they are made only in a file holding the demo opened in demo mode
# (app.webapp) and deleted with the demo. The reporter is the late unit's: its page has figures to send.
ACCOUNTS = (
    DemoAccount("演示创卫办", "admin", None, "demo-office-2026"),
    DemoAccount("演示上报员", "reporter", LATE_UNIT, "demo-report-2026"),
    DemoAccount("演示领导", "leader", None, "demo-leader-2026"),
)


def _progress(year: int, rng: random.Random) -> float:
    """0 at the 2020 baseline, 1 by the 2023 simulated inspection, a little noise."""
    return min(1.0, max(0.0, (year - 2020) / 3 + rng.uniform(-0.05, 0.05)))


def _value(metric: Metric, year: int, rng: random.Random, area: str | None = None) -> float | None:
    """The demo's story for a metric and year, from the demo's own tables (what each metric reads is data:
    the events it counts, its grades, its areas, its trend's start); every other metric's value is its rule
    kind's example at the campaign's progress that year."""
    story = STORIES.get(metric.code)
    events = REGISTRY[metric.kind].events
    if story is not None and not events:
        return story.get(year)
    if events:
        return (story or {}).get(year, 0.0)
    if metric.code in GRADES:
        return metric.vtype.parse(GRADES[metric.code][year - FIRST_YEAR])
    if metric.vtype.answer:
        # Half the clauses were in place by the end of the 2022 special rectification, the rest a year later.
        start = 2022 + int(hashlib.sha256(metric.code.encode()).hexdigest(), 16) % 2
        return 0.0 if year < start or SAYS_NO.get(metric.code) == year else 1.0
    if metric.scope == "area":
        if area in AREA_STORY and year >= 2024:
            return AREA_STORY[area]
        return round(min(99.5, 86 + 10 * _progress(year, rng) + rng.uniform(-1, 2)), 1)
    if metric.code in TREND_START:
        start = TREND_START[metric.code]
        step = 0.35 if metric.target.direction == "up" else -0.025 * start
        return round(start + step * (year - FIRST_YEAR) + rng.uniform(-0.05, 0.05) * abs(step), 2)
    if metric.code in REQUIREMENTS:
        return REQUIREMENTS[metric.code]
    if metric.code in ACTUALS:
        return round(ACTUALS[metric.code] * (0.85 + 0.15 * _progress(year, rng)), 2)
    if metric.code in REPORTED_BASE:
        start, end = REPORTED_BASE[metric.code]
        return round(start + (end - start) * _progress(year, rng) + rng.uniform(-0.5, 0.5), 1)
    return REGISTRY[metric.kind].example(metric, _progress(year, rng), rng)


def _periods(metric: Metric, today: dt.date) -> list[periods.Period]:
    numbers = {"year": [1], "quarter": [1, 2, 3, 4], "month": list(range(1, 13))}[metric.period]
    out = []
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        for n in numbers:
            period = periods.make(metric.period, year, n)
            if period.end + dt.timedelta(days=5) <= today:
                out.append(period)
    return out


def demo_rows(cat: Catalogue, today: dt.date) -> pd.DataFrame:
    """Every demo measurement, with the unit that sent it and when."""
    rng = random.Random(SEED)
    deadlines = settings()["deadline_days"]
    rows = []
    for metric in cat.metrics:
        for period in _periods(metric, today):
            year = period.start.year
            if metric.reporter == LATE_UNIT and year == 2025:
                continue  # the late unit has not sent its 2025 figures
            delay = rng.randint(3, max(4, deadlines[metric.period] - 2))
            if metric.reporter == LATE_UNIT and year >= 2023:
                delay = deadlines[metric.period] + rng.randint(10, 40)
            sent = dt.datetime.combine(period.end + dt.timedelta(days=delay), dt.time(9 + rng.randint(0, 8)))
            if sent.date() > today:
                continue
            for area in metric.areas or (None,):
                value = _value(metric, year, rng, area)
                if value is None:
                    continue
                grade = metric.vtype.word(value)
                rows.append(
                    (
                        metric.code,
                        metric.reporter,
                        area,
                        period.start,
                        period.end,
                        period.label,
                        value,
                        grade,
                        sent,
                    )
                )
    return pd.DataFrame(
        rows,
        columns=[
            "metric",
            "unit",
            "area",
            "period_start",
            "period_end",
            "period_label",
            "value",
            "grade",
            "recorded_at",
        ],
    )


class DemoRefused(Exception):
    """The demo would mix with real data: the message says why, in Chinese."""


# What the demo writes, child tables first: clearing the demo deletes these rows and nothing else.
_DEMO_MEASUREMENTS = (
    "SELECT m.id FROM measurement m JOIN submission s ON s.id = m.submission_id WHERE s.is_demo"
)
_DEMO_DELETES = (
    ("verification", f"DELETE FROM verification WHERE measurement_id IN ({_DEMO_MEASUREMENTS})"),
    ("warned_row", "DELETE FROM warned_row WHERE submission_id IN (SELECT id FROM submission WHERE is_demo)"),
    (
        "refused_row",
        "DELETE FROM refused_row WHERE submission_id IN (SELECT id FROM submission WHERE is_demo)",
    ),
    (
        "figure_choice",  # the office's choices that touch no real figure
        """DELETE FROM figure_choice f WHERE NOT EXISTS (
               SELECT 1 FROM measurement m JOIN submission s ON s.id = m.submission_id
               WHERE NOT s.is_demo AND m.metric = f.metric AND m.period_start = f.period_start)""",
    ),
    ("measurement", f"DELETE FROM measurement WHERE id IN ({_DEMO_MEASUREMENTS})"),
    ("submission", "DELETE FROM submission WHERE is_demo"),
    # the demo's accounts go with it: their passwords are published (their sign-ins end with them)
    ("web_session", f"DELETE FROM web_session WHERE user_name IN {tuple(a.name for a in ACCOUNTS)}"),
    ("app_user", f"DELETE FROM app_user WHERE name IN {tuple(a.name for a in ACCOUNTS)}"),
)


def real_submissions(con: duckdb.DuckDBPyConnection) -> int:
    """How many submissions in the database are not the demo's (uploads, imports, refused files alike)."""
    return con.execute("SELECT count(*) FROM submission WHERE NOT is_demo").fetchone()[0]


def _refuse_if_real(con: duckdb.DuckDBPyConnection) -> None:
    real = real_submissions(con)
    if real:
        raise DemoRefused(
            f"数据库中已有 {real} 份真实报送，演示数据不能与真实数据混在一起；"
            "请用单独的演示数据库（make run 使用 data/demo.duckdb）"
        )


# Real rows that hang on a demo row: deleting the demo would leave them pointing at nothing.
_DEPENDANTS_SQL = f"""
SELECT
    (SELECT count(*) FROM finding
     WHERE recorded_by <> 'demo'
       AND (round_id IN (SELECT id FROM inspection_round WHERE created_by = 'demo')
            OR site_id IN (SELECT id FROM site WHERE created_by = 'demo'))),
    (SELECT count(*) FROM evidence_link
     WHERE removed_at IS NULL AND (
           (target = 'measurement' AND target_id IN (SELECT CAST(id AS VARCHAR) FROM ({_DEMO_MEASUREMENTS})))
        OR (target = 'task' AND target_id IN (SELECT CAST(id AS VARCHAR) FROM task WHERE opened_by = 'demo'))
        OR (target = 'finding'
            AND target_id IN (SELECT CAST(id AS VARCHAR) FROM finding WHERE recorded_by = 'demo'))))
"""


def _refuse_if_dependants(con: duckdb.DuckDBPyConnection) -> None:
    findings, evidence = con.execute(_DEPENDANTS_SQL).fetchone()
    if findings or evidence:
        parts = [f"检查问题 {findings} 条" if findings else "", f"佐证材料 {evidence} 份" if evidence else ""]
        raise DemoRefused(
            f"有真实记录依附于演示数据（{'、'.join(p for p in parts if p)}：记在演示的检查轮次或点位上，或附在"
            "演示的数据、任务、问题上）；删除或重载演示数据会让它们失去所依附的记录。请先移除这些记录，"
            "或另用一个新的演示数据库"
        )


def _delete_demo(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    from tracker.inspections import demo as inspections  # the demo's sites, rounds, findings and their tasks

    _refuse_if_dependants(con)  # inside the caller's transaction: nothing is deleted then
    counts = {}
    for table, sql in (*inspections.DELETES, *_DEMO_DELETES):
        counts[table] = con.execute(sql).fetchone()[0]
    counting.refresh_summary(con)
    return counts


def ensure_accounts(con: duckdb.DuckDBPyConnection) -> None:
    """The demo's accounts (ACCOUNTS), in a file holding the demo; nothing in any other."""
    from tracker import stored
    from tracker.access.auth import SYSTEM
    from tracker.access.users import create_user

    if not stored.is_demo(con):
        return
    have = {name for (name,) in con.execute("SELECT name FROM app_user").fetchall()}
    for account in ACCOUNTS:
        if account.name not in have:
            create_user(con, SYSTEM, account.name, account.role, account.password, unit=account.unit)


def shown_accounts(con: duckdb.DuckDBPyConnection) -> list[DemoAccount]:
    """The demo's accounts a sign-in page may name: only in a file holding the demo, those present and usable."""
    from tracker import stored

    if not stored.is_demo(con):
        return []
    usable = {n for (n,) in con.execute("SELECT name FROM app_user WHERE NOT disabled").fetchall()}
    return [a for a in ACCOUNTS if a.name in usable]


def clear_demo(con: duckdb.DuckDBPyConnection, actor: str = "cli") -> dict[str, int]:
    """Delete the demo's rows (and only those) in one transaction, with an audit entry of what went."""
    from tracker.access import audit

    with transaction(con):
        counts = _delete_demo(con)
        audit.record(con, actor, "demo_clear", "demo", before=counts, detail="删除演示数据")
    return counts


DEMO_HEADER = ("单位", "指标", "区域", "期间", "数值")


def _demo_csv(rows: list[tuple]) -> bytes:
    """A unit's demo file as it would have sent it (unit, metric, area, period, value), UTF-8 with a BOM, as
    pandas' to_csv wrote it (a thousand files: the csv module, not a frame per file)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(DEMO_HEADER)
    writer.writerows((unit, metric, "" if pd.isna(area) else area, label, repr(float(value)))
                     for unit, metric, area, label, value in rows)  # fmt: skip
    return buffer.getvalue().encode("utf-8-sig")


def load_demo(
    con: duckdb.DuckDBPyConnection,
    today: dt.date | None = None,
    replace: bool = False,
    cat: Catalogue | None = None,
    actor: str = "system",
) -> int:
    """Load the demo campaign into an empty database, or replace the demo's own rows when asked. Refused
    (DemoRefused) when the database holds any real submission: demo and real data never mix."""
    cat = cat or catalogue()
    today = today or dt.date.today()
    ensure_catalogue(con, cat)
    _refuse_if_real(con)
    if not replace and con.execute("SELECT count(*) FROM measurement").fetchone()[0]:
        return 0
    rows = demo_rows(cat, today)
    # One submission per unit and reporting day, each keeping its rows as the CSV the unit would have sent.
    rows["batch"] = rows["unit"] + "|" + rows["recorded_at"].astype(str)
    batches: dict[str, list[tuple]] = {}
    for row in zip(rows["batch"], rows["unit"], rows["metric"], rows["area"], rows["period_label"], rows["value"],
                   strict=True):  # fmt: skip
        batches.setdefault(row[0], []).append(row[1:])
    submissions = []
    for batch in sorted(batches):
        unit, sent = batch.split("|")
        data = _demo_csv(batches[batch])
        submissions.append(
            (
                batch,
                pd.Timestamp(sent),
                unit,
                f"演示数据-{unit}-{sent[:10]}.csv",
                data,
                hashlib.sha256(data).hexdigest(),
                len(batches[batch]),
            )
        )
    subs = pd.DataFrame(
        submissions,
        columns=["batch", "submitted_at", "unit", "file_name", "file_bytes", "sha256", "accepted"],
    )
    try:
        with transaction(con):
            if replace:
                from tracker.access import audit

                _refuse_if_real(con)  # again inside the transaction: nothing real arrived meanwhile
                removed = _delete_demo(con)
                audit.record(con, actor, "demo_replace", "demo", before=removed, detail="重新载入演示数据")
            # The ids drawn first, in batch order (PostgreSQL's COPY of a registered frame returns none).
            drawn = con.execute(
                "SELECT nextval('submission_id') AS id FROM generate_series(1, ?) AS n", [len(subs)]
            ).fetchall()
            subs = subs.sort_values("batch", ignore_index=True)
            subs["id"] = sorted(int(i) for (i,) in drawn)
            con.register("demo_subs", subs)
            con.execute(
                """INSERT INTO submission (id, submitted_at, submitted_by, unit, file_name, file_bytes, sha256,
                                          accepted, outcome, message, is_demo)
                   SELECT id, submitted_at, 'demo', unit, file_name, file_bytes, sha256, accepted, 'committed',
                          '演示数据', true FROM demo_subs ORDER BY batch"""
            )
            rows = rows.merge(subs[["batch", "id"]].rename(columns={"id": "submission_id"}), on="batch")
            # Ids drawn first here too: rows that carry their id are in PostgreSQL's replica at once, so the
            # summary refreshed below sees them (tracker.pg.connection).
            drawn = con.execute(
                "SELECT nextval('measurement_id') AS id FROM generate_series(1, ?) AS n", [len(rows)]
            ).fetchall()
            rows["id"] = sorted(int(i) for (i,) in drawn)
            con.register("demo_rows", rows)
            con.execute(
                """INSERT INTO measurement (id, submission_id, metric, unit, area, period_start, period_end,
                                           period_label, value, grade, note, recorded_at)
                   SELECT id, submission_id, metric, unit, area, period_start, period_end, period_label, value,
                          grade, '演示数据', recorded_at FROM demo_rows"""
            )
            # The office checked every checklist 「是」 a month after it came in, except a few of 2025's.
            con.execute(
                """INSERT INTO verification (measurement_id, verified_by, verified_at, note, metric, unit, area,
                                            period_start, value)
                   SELECT m.id, '创卫办', m.recorded_at + INTERVAL '30 days', '演示数据：已现场核实', m.metric,
                          m.unit, m.area, m.period_start, m.value
                   FROM measurement m
                   WHERE m.metric IN (SELECT unnest(CAST(? AS VARCHAR[]))) AND m.value = 1 AND m.unit <> ?
                     AND NOT (m.metric IN (SELECT unnest(CAST(? AS VARCHAR[])))
                              AND extract(year FROM m.period_start) = 2025)""",
                [[m.code for m in cat.metrics if m.vtype.answer], OFFICE, sorted(UNVERIFIED)],
            )
            counting.refresh_summary(con)
    finally:
        for name in ("demo_subs", "demo_rows"):
            with contextlib.suppress(duckdb.Error):
                con.unregister(name)
    from tracker.inspections import demo as inspections

    inspections.load(con, today)  # a 2023 模拟检查 and a 2024 暗访 beside the figures (issue 14)
    return len(rows)
