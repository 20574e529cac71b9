"""The catalogue as lookup tables an upload's cells are joined to: metric, unit and area names (every alias,
folded), each metric's facts (period, scope, value type, unit of measure, reporter), who may send which metric,
the suffixes a figure may carry; and the closest names for a metric nobody recognises."""

from __future__ import annotations

import duckdb
import pandas as pd

from indicators.rules import REGISTRY
from tracker.catalogue import Catalogue, normalise_name
from tracker.strings import PERIOD_WORD

NO_AREA = ("全市", "全市范围", "市本级", "全市合计", "本级", "-", "--", "—", "——", "/", "无", "不适用")
# Multiplier that turns numerator/denominator into the metric's unit of measure.
FRACTION_UNIT = {
    "%": 100.0,
    "‰": 1000.0,
    "1/10万": 100000.0,
    "人/千人": 1000.0,
    "张/千人": 1000.0,
    "人/万人": 10000.0,
}
# Suffixes accepted after a figure, besides the unit of measure itself.
SUFFIX_ALIASES = {
    "平方米": ("m2", "平米", "平方", "平方米/人", "m2/人", "平米/人", "平方/人", "平方米每人"),  # ㎡ reads m2
    "微克/立方米": ("μg/m3", "ug/m3", "微克/m3", "μg/立方米", "微克每立方米"),  # µ and ³ read μ and 3
    "小时": ("h", "时", "小时/天", "小时/日"),
    "天": ("日",),
    "起": ("次", "件"),
    "岁": ("周岁",),
    "分贝": ("db", "dB(A)", "db(a)"),
}


def _lookup_frames(cat: Catalogue) -> dict[str, pd.DataFrame]:
    metric_keys: dict[str, str] = {}
    for m in cat.metrics:
        metric_keys.setdefault(normalise_name(m.code).lower(), m.code)
    for m in cat.metrics:
        metric_keys.setdefault(normalise_name(m.name).lower(), m.code)
    for m in cat.metrics:
        if m.national_field:
            metric_keys.setdefault(normalise_name(m.national_field).lower(), m.code)
        metric_keys.setdefault(normalise_name(m.code + m.name).lower(), m.code)
        for alias in m.aliases:  # the catalogue refuses an alias naming two metrics
            metric_keys.setdefault(normalise_name(alias).lower(), m.code)
            metric_keys.setdefault(normalise_name(m.code + alias).lower(), m.code)
    unit_keys: dict[str, str] = {}
    for u in cat.units.values():
        for alias in (u.short, u.name, *u.aliases):
            unit_keys.setdefault(normalise_name(alias).lower(), u.short)
    areas = set(cat.areas())
    area_keys = {k: v for k, v in unit_keys.items() if v in areas}
    suffixes = []
    for m in cat.metrics:
        uom = normalise_name(m.unit)
        allowed = {*m.vtype.suffixes(uom), *(SUFFIX_ALIASES.get(uom, ()) if m.vtype.numeric else ())}
        suffixes += [(m.code, s.lower()) for s in allowed if s]
    info = pd.DataFrame(
        [
            (
                m.code,
                f"{m.code} {m.name}",
                m.period,
                PERIOD_WORD["zh"][m.period],
                m.scope,
                m.value_type,
                m.unit,
                m.unit == "%",
                m.unit == "‰",
                FRACTION_UNIT.get(m.unit),
                m.reporter,
                REGISTRY[m.kind].events,
                bool(m.small_percent),
                m.vtype.numeric,
                m.vtype.whole,
                m.vtype.answer,
            )
            for m in cat.metrics
        ],
        columns=[
            "code",
            "label",
            "period",
            "period_name",
            "scope",
            "value_type",
            "uom",
            "is_percent",
            "is_permille",
            "fraction_mult",
            "reporter",
            "events",
            "small_ok",
            "numeric",  # what the metric's value type takes (indicators.value_types)
            "whole",
            "answer",
        ],
    )
    return {
        "_lk_metric": pd.DataFrame(list(metric_keys.items()), columns=["key", "code"]),
        "_lk_metric_info": info,
        "_lk_unit": pd.DataFrame(list(unit_keys.items()), columns=["key", "short"]),
        "_lk_area": pd.DataFrame(list(area_keys.items()), columns=["key", "short"]),
        "_lk_no_area": pd.DataFrame({"key": [normalise_name(w).lower() for w in NO_AREA]}),
        "_lk_may": pd.DataFrame(
            [(u, m.code) for m in cat.metrics for u in cat.item(m.item).units], columns=["unit", "metric"]
        ).drop_duplicates(),
        "_lk_metric_area": pd.DataFrame(
            [(m.code, a) for m in cat.metrics for a in m.areas], columns=["metric", "area"]
        ).drop_duplicates(),
        "_lk_suffix": pd.DataFrame(suffixes, columns=["metric", "suffix"]).drop_duplicates(),
    }


def create_lookups(con: duckdb.DuckDBPyConnection, cat: Catalogue) -> None:
    for name, frame in _lookup_frames(cat).items():
        con.register("_ing_frame", frame)
        try:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM _ing_frame")
        finally:
            con.unregister("_ing_frame")


LOOKUP_NAMES = (
    "_lk_metric",
    "_lk_metric_info",
    "_lk_unit",
    "_lk_area",
    "_lk_no_area",
    "_lk_may",
    "_lk_metric_area",
    "_lk_suffix",
)
SUGGEST_TEXTS = 500  # distinct unknown metric texts that get the closest names (difflib, per text)


def _metric_names(cat: Catalogue) -> dict[str, str]:
    """Every name a metric goes by (name, aliases), folded as the lookups fold them → its label."""
    names: dict[str, str] = {}
    for m in cat.metrics:
        for name in (m.name, *m.aliases):
            names.setdefault(normalise_name(name).lower(), f"{m.code} {m.name}")
    return names


def suggest(con: duckdb.DuckDBPyConnection, cat: Catalogue) -> None:
    """Fill _ing_match.hint for unknown metric texts: the closest metric labels, once per distinct text."""
    import difflib

    unknown = [
        t
        for (t,) in con.execute(
            f"""SELECT DISTINCT txt FROM _ing_match WHERE what = 'metric' AND found IS NULL AND txt IS NOT NULL
                ORDER BY txt LIMIT {SUGGEST_TEXTS}"""
        ).fetchall()
    ]
    if not unknown:
        return
    names = _metric_names(cat)
    hints = []
    for text in unknown:
        key = normalise_name(text).lower()
        close = difflib.get_close_matches(key, names, n=3, cutoff=0.5)
        labels = list(dict.fromkeys(names[c] for c in close))
        if labels:
            hints.append((text, "、".join(labels)))
    if not hints:
        return
    con.register("_ing_hints", pd.DataFrame(hints, columns=["txt", "hint"], dtype="object"))
    try:
        con.execute(
            """UPDATE _ing_match SET hint = h.hint FROM _ing_hints h
               WHERE _ing_match.what = 'metric' AND _ing_match.txt = h.txt"""
        )
    finally:
        con.unregister("_ing_hints")
