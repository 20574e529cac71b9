"""An upload's cells, parsed once per distinct text: every distinct raw cell of the looked-up columns (period,
value, numerator, denominator, metric, unit, area) is cleaned and parsed in SQL and kept keyed by its raw text
in `_ing_period`, `_ing_match` and `_ing_number`; the rows then need no cleaning of their own, only a join."""

from __future__ import annotations

import duckdb

from indicators.value_types import REGISTRY as VALUE_TYPES
from indicators.value_types.yesno import YES_NO_WORDS
from tracker.catalogue import Catalogue
from tracker.files import RISKY_START
from tracker.ingest.lookups import suggest
from tracker.ingest.messages import Sql
from tracker.ingest.sheet import Sheet
from tracker.ingest.text import DEFAULT, Markers
from tracker.periods import WS, period_select

NUMBER = r"^([+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?)"
PER_100K = r"[ \t\x{3000}]*(1/|/|每)(10|十)万人?[ \t\x{3000}]*$"
# Words around a figure that qualify it: the figure is read, the words kept in the note (issue 11).
QUAL_BEFORE = "≥|≧|>=|>|≤|≦|<=|<|不低于|不少于|不高于|不超过|大于|小于|高于|低于|超过|达到|约"
QUAL_AFTER = "及以上|以上|及以下|以下|左右"
# The value types read from a word rather than a figure (是/否, C级): each its own parsed column, read_<name>.
WORDED = {name: t for name, t in VALUE_TYPES.items() if not t.numeric}

# A cell our own refused-rows file made inert (tracker.files.csv_cell: 「'=…」「'-1」), sent again: the
# apostrophe is taken off, so the figure is read and judged afresh.
_INERT = "^''([" + "".join(c for c in RISKY_START if c != "-") + "-])"


def clean_sql(
    col: str, restore: bool = True, plain: bool = False, markers: Markers = DEFAULT, unquote: bool = False
) -> str:
    """A cell: placeholders back to , " ; — blank-line markers out — trimmed; '' → NULL.

    `plain`: the text holds no whitespace but spaces and row breaks, and no quoted cells, so a cell can
    only carry spaces at its ends and DuckDB's own trim() will do (the regex costs ~1 s per million rows)."""
    if restore:
        col = f"translate({col}, '{markers.chars}', ',\";')"
    if unquote:
        col = f"regexp_replace({col}, '{_INERT}', '\\1')"
    if plain:
        return f"nullif(trim({col}), '')"
    return f"nullif(regexp_replace({col}, '^{WS}+|{WS}+$', '', 'g'), '')"


def _key(col: str) -> str:
    return f"lower(regexp_replace({col}, '{WS}+', '', 'g'))"


# Columns of the per-text tables (_ing_match, _ing_period, _ing_number) and their types.
LOOKED_UP = {
    "txt": "VARCHAR",
    "found": "VARCHAR",
    "no_area": "BOOLEAN",
    "period_type": "VARCHAR",
    "period_start": "DATE",
    "period_end": "DATE",
    "period_label": "VARCHAR",
    "num": "DOUBLE",
    "suffix": "VARCHAR",
    **{f"read_{name}": "DOUBLE" for name in WORDED},
    "hint": "VARCHAR",
    "qualifier": "VARCHAR",
    "yn_word": "VARCHAR",
}


def raw_cell(sheet: Sheet, name: str) -> str:
    """The SQL of field `name`'s raw cell in a row `w` of `_ing_raw` (a typed NULL when the file has no such column)."""
    i = sheet.columns.get(name)
    return "CAST(NULL AS VARCHAR)" if i is None else f"w.c{i}"


def clean_cell(sheet: Sheet, col: str) -> str:
    """A cell's SQL, cleaned as this file needs (see clean_sql)."""
    return clean_sql(col, sheet.placeholders, sheet.plain, sheet.markers, sheet.apostrophe)


def parse_cells(con: duckdb.DuckDBPyConnection, sheet: Sheet, cat: Catalogue, sql: Sql) -> None:
    """`_ing_period`, `_ing_match` (metric, unit and area names; the closest names for an unknown metric) and
    `_ing_number` (figures, yes/no, grades, qualifiers), each keyed by the raw text of a cell."""
    rows = f"_ing_raw w WHERE w.row_no > {int(sheet.header_row)}"

    def raw(name: str) -> str:
        return raw_cell(sheet, name)

    def clean(col: str) -> str:
        return clean_cell(sheet, col)

    # Distinct raw cells of the looked-up columns, cleaned and parsed once each and keyed by the raw text:
    # the rows then need no cleaning of their own, only a join (cleaning every cell cost ~1.5 s per million).
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _ing_period AS
        WITH texts AS (SELECT raw, {clean("raw")} AS txt FROM (SELECT DISTINCT {raw("period")} AS raw FROM {rows})),
        parsed AS ({period_select("texts", "txt", sql.bind)})
        SELECT t.raw, p.* FROM texts t JOIN parsed p USING (txt)""",
        sql.params,
    )
    sql.params.clear()
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _ing_match AS
        WITH raws AS (
            SELECT DISTINCT 'metric' AS what, {raw("metric")} AS raw FROM {rows}
            UNION ALL SELECT DISTINCT 'unit', {raw("unit")} FROM {rows}
            UNION ALL SELECT DISTINCT 'area', {raw("area")} FROM {rows}),
        texts AS (SELECT what, raw, {clean("raw")} AS txt FROM raws),
        keyed AS (SELECT what, raw, txt, {_key("txt")} AS k FROM texts WHERE txt IS NOT NULL)
        SELECT what, raw, txt,
               CASE what WHEN 'metric' THEN m.code
                         WHEN 'unit' THEN u.short ELSE a.short END AS found,
               what = 'area' AND na.key IS NOT NULL AS no_area, CAST(NULL AS VARCHAR) AS hint
        FROM keyed
        LEFT JOIN _lk_metric m ON what = 'metric' AND m.key = keyed.k
        LEFT JOIN _lk_unit u ON what = 'unit' AND u.key = keyed.k
        LEFT JOIN _lk_area a ON what = 'area' AND a.key = keyed.k
        LEFT JOIN _lk_no_area na ON what = 'area' AND na.key = keyed.k"""
    )
    suggest(con, cat)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _ing_number AS
        WITH raws AS (
            SELECT DISTINCT {raw("value")} AS raw FROM {rows}
            UNION SELECT DISTINCT {raw("numerator")} FROM {rows}
            UNION SELECT DISTINCT {raw("denominator")} FROM {rows}),
        texts AS (SELECT * FROM (SELECT raw, {clean("raw")} AS txt FROM raws) WHERE txt IS NOT NULL),
        -- "per 100 000" written after the figure (18.5/10万, 18.5 1/10万, 18.5每10万): taken off before the
        -- spaces go, so that 「18.5 1/10万」 does not read as 18.51.
        per AS (
            SELECT raw, txt, regexp_matches(txt, '{PER_100K}') AS per_100k,
                   regexp_replace(txt, '{PER_100K}', '') AS t FROM texts),
        squeezed AS (
            SELECT raw, txt, per_100k, replace(regexp_replace(t, '{WS}+', '', 'g'), ',', '') AS s0 FROM per),
        -- A qualifier before or after the figure (≥90%, 不低于90%, 16小时以上): read without it, kept in the
        -- note and warned (_qualified).
        qualified AS (
            SELECT *, regexp_extract(s0, '^({QUAL_BEFORE})', 1) AS q1, regexp_extract(s0, '({QUAL_AFTER})$', 1) AS q2
            FROM squeezed),
        stripped AS (
            SELECT raw, txt, per_100k, nullif(concat(q1, q2), '') AS qualifier,
                   CASE WHEN q1 = '' AND q2 = '' THEN s0
                        ELSE substr(s0, length(q1) + 1, length(s0) - length(q1) - length(q2)) END AS s
            FROM qualified),
        split AS (SELECT raw, txt, s, per_100k, qualifier, regexp_extract(s, '{NUMBER}', 1) AS n FROM stripped)
        SELECT raw, txt,
               TRY_CAST(nullif(n, '') AS DOUBLE) AS num,
               CASE WHEN per_100k AND substr(s, length(n) + 1) = '' THEN '1/10万'
                    ELSE lower(substr(s, length(n) + 1)) END AS suffix,
               CASE WHEN TRY_CAST(nullif(n, '') AS DOUBLE) IS NOT NULL THEN qualifier END AS qualifier,
               {"".join(f"{t.parse_sql('s')} AS read_{n}, " for n, t in WORDED.items())}
               CASE WHEN s IN {YES_NO_WORDS} THEN s END AS yn_word
        FROM split"""
    )
