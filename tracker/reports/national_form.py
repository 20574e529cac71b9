"""The national annual assessment form (卫生城市 / 卫生县评估填报), filled from the measurements for a statistical year.

The form's fields, in the national system's order and with the JSON keys it expects, are data
(indicators/national_form.yaml). One set-based query fetches the value that counts (the latest recorded) for
every metric on the form over the five years the form reaches back; the form is then assembled field by field:

- a yearly metric gives its value for the year; a quarterly one its latest quarter within the year;
- a per-area metric (疫苗接种率, 以街道乡镇为单位) its lowest area, once every area has reported;
- a three-year series fills yearN / key, key1, key2 with the year − 2 … year, ascending;
- the five-year series fills key … key4 with the year, year − 1 … year − 4, and keyAvg with their mean;
- grades are coded 01 A … 04 D, 全面控烟法律法规 1 有 / 2 无, whole numbers where the system takes integers.

Every field without a value is listed with the reason; in the JSON it is null.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache

import duckdb
import pandas as pd

from tracker.access import audit
from tracker.access.service import service
from tracker.catalogue import Catalogue, catalogue
from tracker.config import INDICATORS, load_yaml
from tracker.engine import counting
from tracker.engine.catalogue_tables import use_catalogue
from tracker.engine.evaluate import Evaluation, evaluate
from tracker.files import SafeWorkbook
from tracker.periods import label as period_label
from tracker.stored import is_demo
from tracker.strings import STATUS_LABEL
from tracker.strings.office import NATIONAL, NATIONAL_EN, NATIONAL_SHEET, NO, YES
from tracker.strings.ui import t

FORMS = ("city", "county")


@dataclass(frozen=True)
class Field:
    key: str
    metric: str | None = None
    years: tuple[str, ...] = ()
    five: bool = False
    integer: bool = False
    setting: bool = False


@dataclass(frozen=True)
class FormSpec:
    code: str
    name: str
    api: str
    fields: tuple[Field, ...]


@dataclass
class FilledForm:
    form: FormSpec
    year: int
    payload: dict  # key -> value (None where missing), in the system's order
    rows: list[dict] = field(default_factory=list)  # key, label, value, source — for review
    missing: list[dict] = field(default_factory=list)  # key, label, why
    demo: bool = False
    # The verdict beside the figures, as of `as_of`: the one evaluation (tracker.engine.evaluate), veto risks
    # included — one row per item: item, status, veto_risk, inspection_veto.
    as_of: dt.date | None = None
    items: pd.DataFrame = field(default_factory=pd.DataFrame)
    veto_risks: list[int] = field(default_factory=list)

    def to_json(self) -> str:
        # A form filled from demo data says so in the file itself ("_demo": true first), so it cannot be sent on
        # by mistake; a real form holds the national system's fields only.
        payload = {"_demo": True, "_note": NATIONAL["demo"], **self.payload} if self.demo else self.payload
        return json.dumps(payload, ensure_ascii=False, indent=1)


@lru_cache(maxsize=1)
def _spec() -> dict:
    with open(INDICATORS / "national_form.yaml", encoding="utf-8") as f:
        return load_yaml(f)


class SettingError(ValueError):
    """A setting the office typed that the form cannot take; the message says why, in the page's language."""


def setting_labels() -> dict[str, str]:
    """The office's settings of the form (not measured): JSON key → what it means."""
    return dict(_spec().get("labels") or {})


def settings(con: duckdb.DuckDBPyConnection) -> dict[str, str | None]:
    """Each setting's value: the latest the office filled in on the page, else the catalogue's default."""
    values = dict(_spec().get("settings") or {})
    # A key's latest by row_number, not arg_max: the office's change reads this inside its transaction, and on
    # PostgreSQL that runs there.
    rows = con.execute(
        """SELECT key, value FROM (
               SELECT key, value, row_number() OVER (PARTITION BY key ORDER BY set_at DESC) AS latest
               FROM national_setting) s
           WHERE latest = 1"""
    ).fetchall()
    return {**values, **dict(rows)}


# What each setting takes: the region code is the national system's 9 digits; a count a whole number.
_PATTERNS = {"regionname": (r"\d{9}", "natset_bad_code"), "countycount": (r"\d{1,4}", "natset_bad_count")}


@service("national_setting", "national_form")
def set_setting(con: duckdb.DuckDBPyConnection, actor, key: str, value: str) -> None:
    """The office fills in one setting of the form; the change is audited (before → after)."""
    labels = setting_labels()
    if key not in labels:
        raise SettingError(t("natset_unknown"))
    value = (value or "").strip()
    pattern, word = _PATTERNS.get(key, (r".{1,200}", "natset_bad_text"))
    if not re.fullmatch(pattern, value):
        raise SettingError(t(word, label=labels[key]))
    before = settings(con).get(key)
    if before is not None and str(before) == value:
        return
    con.execute(
        "INSERT INTO national_setting VALUES (?, ?, ?, ?)", [key, value, dt.datetime.now(), actor.name]
    )
    audit.record(
        con, actor.name, "national_setting", f"national:{labels[key]}", {"value": before}, {"value": value}
    )


def form_spec(code: str) -> FormSpec:
    if code not in FORMS:
        raise ValueError(f"表式应为 {'/'.join(FORMS)}")
    raw = _spec()["forms"][code]
    fields = tuple(
        Field(
            key=f["key"],
            metric=f.get("metric"),
            years=tuple(f.get("years") or ()),
            five=bool(f.get("five")),
            integer=bool(f.get("integer")),
            setting=bool(f.get("setting")),
        )
        for f in raw["fields"]
    )
    return FormSpec(code, raw["name"], raw["api"], fields)


def keys(code: str) -> list[str]:
    """Every JSON key of a form, in order (series expanded)."""
    out: list[str] = []
    for f in form_spec(code).fields:
        if f.years:
            for year_key, value_key in zip(f.years, _series_keys(f.key, 3), strict=True):
                out += [year_key, value_key]
        elif f.five:
            out += [f"{f.key}Avg", *_series_keys(f.key, 5)]
        else:
            out.append(f.key)
    return out


def _series_keys(key: str, n: int) -> list[str]:
    return [key] + [f"{key}{i}" for i in range(1, n)]


VALUES_SQL = counting.values_sql(
    "m.metric IN (SELECT unnest($metrics)) AND year(m.period_start) BETWEEN $first AND $last",
    "SELECT metric, area, period_start, value FROM eff WHERE value IS NOT NULL",
)


def _values(con: duckdb.DuckDBPyConnection, metrics: list[str], first: int, last: int) -> pd.DataFrame:
    use_catalogue(con, catalogue())
    out = con.execute(
        VALUES_SQL, {"metrics": metrics, "first": first, "last": last, "known": counting.known()}
    ).df()
    out["period_start"] = pd.to_datetime(out["period_start"]).dt.date
    out["year"] = [d.year for d in out["period_start"]]
    return out


def _label(cat: Catalogue, f: Field) -> str:
    if f.setting:
        return _spec()["labels"][f.key]
    return cat.metric(f.metric).name


class _Lookup:
    """The value of one metric for one year, with where it came from (or why it is missing)."""

    def __init__(self, values: pd.DataFrame, cat: Catalogue, words: dict[str, str]) -> None:
        self.cat = cat
        self.words = words
        self.by_metric = {m: part for m, part in values.groupby("metric")}

    def _none(self, year: int) -> tuple[None, str]:
        return None, self.words["why_no_value"].format(period=self.words["year_of"].format(year=year))

    def get(self, metric: str, year: int) -> tuple[float | None, str]:
        m = self.cat.metric(metric)
        part = self.by_metric.get(metric)
        if part is None:
            return self._none(year)
        part = part[part["year"] == year]
        if m.scope == "area":
            have = part[part["area"].isin(m.areas)]
            if have.empty:
                return self._none(year)
            if have["area"].nunique() < len(m.areas):
                return None, self.words["why_area"]
            lowest = have.loc[have["value"].idxmin()]
            return float(lowest["value"]), self.words["area_min"].format(
                period=self.words["year_of"].format(year=year), area=lowest["area"]
            )
        part = part[part["area"].isna()].sort_values("period_start")
        if part.empty:
            return self._none(year)
        last = part.iloc[-1]
        if m.period == "year":
            return float(last["value"]), f"{metric} {period_label('year', last['period_start'])}"
        return float(last["value"]), f"{metric} " + self.words["latest_quarter"].format(
            label=period_label(m.period, last["period_start"])
        )


def _encode(cat: Catalogue, f: Field, value: float | None):
    """A value as the national system takes it."""
    if value is None:
        return None
    m = cat.metric(f.metric)
    if m.vtype.levels:  # grades go as their ordinal, 01 (A) … 04 (D)
        return f"{int(value):02d}"
    if f.key == "tobaccoadsituation":
        return "1" if value >= 0.5 else "2"
    if f.integer:
        return int(round(value))
    return round(float(value), 4)


def fill(
    con: duckdb.DuckDBPyConnection,
    year: int,
    form: str = "city",
    cat: Catalogue | None = None,
    lang: str = "zh",
    *,
    as_of: dt.date | None = None,
    verdict: Evaluation | None = None,
) -> FilledForm:
    """The form for a statistical year, from the measurements; missing fields listed with the reason (the
    labels, sources and reasons in `lang`: English for the page's switch, the files stay Chinese). Beside it the
    verdict as of `as_of` (default today): `verdict`, when the caller has that evaluation already."""
    cat = cat or catalogue()
    verdict = verdict or evaluate(con, as_of or dt.date.today(), cat)
    words = NATIONAL if lang == "zh" else {**NATIONAL, **NATIONAL_EN}
    spec = form_spec(form)
    metrics = sorted({f.metric for f in spec.fields if f.metric})
    lookup = _Lookup(_values(con, metrics, year - 4, year), cat, words)
    stored = settings(con)
    payload: dict = {}
    rows: list[dict] = []
    missing: list[dict] = []

    def put(key: str, label: str, value, source: str, why: str | None = None) -> None:
        payload[key] = value
        rows.append({"key": key, "label": label, "value": value, "source": source})
        if value is None:
            missing.append({"key": key, "label": label, "why": why or source})

    for f in spec.fields:
        label = _label(cat, f)
        if f.setting:
            value = stored.get(f.key)
            put(
                f.key,
                label,
                None if value is None else str(value),
                words["why_setting"],
                words["why_setting"],
            )
        elif f.years:
            for offset, (year_key, value_key) in enumerate(zip(f.years, _series_keys(f.key, 3), strict=True)):
                y = year - 2 + offset
                value, source = lookup.get(f.metric, y)
                put(
                    year_key,
                    words["label_year_n"].format(label=label, n=offset + 1),
                    str(y),
                    words["year_of"].format(year=y),
                )
                put(
                    value_key, words["label_year"].format(label=label, year=y), _encode(cat, f, value), source
                )
        elif f.five:
            found = [lookup.get(f.metric, year - offset) for offset in range(5)]
            have = [v for v, _ in found if v is not None]
            avg = round(sum(have) / len(have), 4) if len(have) == 5 else None
            put(
                f"{f.key}Avg",
                words["label_avg"].format(label=label),
                avg,
                words["avg_of"].format(first=year - 4, last=year),
                words["why_incomplete"].format(n=5, have=len(have)),
            )
            for offset, (value_key, (value, source)) in enumerate(
                zip(_series_keys(f.key, 5), found, strict=True)
            ):
                put(
                    value_key,
                    words["label_year"].format(label=label, year=year - offset),
                    _encode(cat, f, value),
                    source,
                )
        else:
            value, source = lookup.get(f.metric, year)
            put(f.key, label, _encode(cat, f, value), source)
    return FilledForm(spec, year, payload, rows, missing, is_demo(con), verdict.as_of,
                      verdict.items.copy(), list(verdict.summary["veto_risks"]))  # fmt: skip


# A form read closely on paper: type printed at no less than 9 points (10-point text at 90 %).
MIN_SCALE = 0.9
# 填报表's columns as the city form's longest texts want them (key 36, label 48, source 35 units, a unit of
# padding; the office's settings' long source and one 42-letter key wrap): with each column's own margin (0.71)
# the page's 141 units at that scale
FORM_WIDTHS = (37, 49, 11, 37, 10, 6)


def _series_rows(filled: FilledForm) -> pd.DataFrame:
    """The 填报表's rows: a row per value, a three-year series' year key and year beside each of its values (the
    form pairs them: year1 = 2023 with healthqualityrate) rather than on a row of their own."""
    year_keys = {y for f in filled.form.fields for y in f.years}
    out: list[dict] = []
    year: dict | None = None
    for row in filled.rows:
        if row["key"] in year_keys:
            year = row  # the next row is its value
            continue
        paired = {"year_key": year["key"], "year": year["value"]} if year else {}
        out.append({**row, "source": row["source"], "year_key": None, "year": None, **paired})
        year = None
    return pd.DataFrame(out, columns=["key", "label", "value", "source", "year_key", "year"])


def to_xlsx(filled: FilledForm) -> bytes:
    """The filled form for review, on as few pages as 9-point type allows (issue 24): 填报表 — every field with
    its value and source, the missing fields under it with the reason, the notes last; 达标判定 — the verdict
    beside the figures, its 45 items in two columns of rows to fill one page."""
    wb = SafeWorkbook()
    ws = wb.sheet(NATIONAL["sheet_form"])
    note = NATIONAL["note"].format(
        form=filled.form.name, api=filled.form.api, year=filled.year, first=filled.year - 2
    )
    title, *notes = (part + "。" for part in note.rstrip("。").split("；"))
    # the form's name and year (and the demo's warning) above the header on every page
    wb.note(ws, 0, title + (NATIONAL["demo"] if filled.demo else ""), across=6)
    headers = [NATIONAL[f"col_{c}"] for c in ("key", "label", "value", "source", "year_key", "year")]
    row = wb.table(ws, _series_rows(filled), headers, start_row=1, widths=FORM_WIDTHS)
    if filled.missing:
        wb.note(ws, row + 1, NATIONAL["missing_head"].format(n=len(filled.missing)), across=6)
        wb.row(ws, row + 2, [*headers[:3], NATIONAL["col_why"]], wb.header)
        for n, gap in enumerate(filled.missing, start=row + 3):
            wb.row(ws, n, [gap["key"], gap["label"], None, gap["why"]])
        row += 3 + len(filled.missing)
    else:
        wb.note(ws, row + 1, NATIONAL["missing_none"], across=6)
        row += 2
    wb.note(ws, row + 1, "".join([*notes, NATIONAL_SHEET["json_file"], NATIONAL["json_years"]]), across=6)
    wb.printable(ws, min_scale=MIN_SCALE)
    if filled.as_of is not None:
        _verdict_sheet(wb, filled)
    return wb.close()


def _verdict_sheet(wb: SafeWorkbook, filled: FilledForm) -> None:
    """The verdict as of the form's date: a sentence, then a row per item — items 1–23 on the left, 24–45 on
    the right, so that the 45 rows fill one page at 9-point type."""
    ws = wb.sheet(NATIONAL["sheet_verdict"])
    met = int(filled.items["status"].eq("met").sum())
    vetoes = "、".join(f"第{i}项" for i in filled.veto_risks) or NATIONAL["verdict_none"]
    wb.note(ws, 0, NATIONAL["verdict_note"].format(date=filled.as_of.isoformat(), met=met,
                                                   total=len(filled.items), vetoes=vetoes), across=9)  # fmt: skip
    cat = catalogue()
    shown = pd.DataFrame(
        {
            "item": filled.items["item"].astype(int),
            "title": [cat.item(int(i)).title for i in filled.items["item"]],
            "status": filled.items["status"].map(STATUS_LABEL["zh"]),
            "veto": filled.items["veto_risk"].map({True: YES, False: NO}),
        }
    )
    half = -(-len(shown) // 2)
    left, right = shown.iloc[:half].reset_index(drop=True), shown.iloc[half:].reset_index(drop=True)
    right.columns = [f"{c}_2" for c in right.columns]
    gap = pd.DataFrame({"gap": [None] * half})  # a narrow empty column between the halves
    headers = [NATIONAL[f"col_{c}"] for c in ("item", "title", "status", "veto")]
    # rows, not a table: a filter on the left half's status would hide the right half's items with it
    wb.row(ws, 2, [*headers, None, *headers], wb.header)
    for n, values in enumerate(pd.concat([left, gap, right], axis=1).itertuples(index=False), start=3):
        wb.row(ws, n, values)
    wb.printable(ws, header_rows=3, min_scale=MIN_SCALE)
