"""Normalise and validate the rows of `_ing_raw` as set-based SQL, joined to lookup tables from the catalogue.

Every distinct raw cell of the looked-up columns (period, value, numerator, denominator, metric, unit,
area) is cleaned and parsed once, in SQL, and joined back to the rows by its raw text; then one statement
computes every check and writes the one result table `_ing_result`:

    row_no, unit, metric, area, period_type, period_start, period_end, period_label,
    value, numerator, denominator, grade, note, evidence, reasons VARCHAR[], warnings VARCHAR[],
    dup_hash (used to find repeated rows, which an UPDATE then refuses)

A row with reasons is refused; a row without reasons goes in, with its warnings shown. The words come
from tracker.strings.upload, bound as parameters of SQL `concat()` calls; user input reaches SQL only
through the registered tables and bound parameters.

Refusal or warning (issue 10): the test is "would a wrong figure be judged if the clerk ignores it?".
- A fraction typed for a percentage (0.176 for 17.6%) is refused with the fix in the reason, for every percent
  metric: stored as 0.176% it would be judged (吸烟率 <20% would be 达标) and sent to the national form, and
  a metric without a threshold or history is no safer (issue 21). A cell that carries % itself (0.5%) is a
  real figure; a metric whose catalogue entry says why small percentages are plausible (`small_percent`)
  takes the bare figure with the `fraction` warning.
- A period that has not begun is refused (「2099」 is a slip, not a plan); one that has not ended is warned:
  its figure is kept, and counts once the period ends (the evaluation reads periods ended by its date).
  Incident counts are not warned: they count from the day their period starts.
- Numerator/denominator disagreeing with the typed rate is refused: one of the two figures is wrong and
  the tracker cannot know which; taking either would judge a figure nobody confirmed.
- A value that replaces an earlier one stays a warning: corrections are what re-sending is for, the old
  value is kept and audited.
- A value far from the metric's history stays a warning: a real change (after rectification, a new
  survey method) is exactly what the tracker must let in, and the figure as typed is the unit's own;
  refusing it would keep the old, now wrong, figure counting. The office sees the warning.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import duckdb

from indicators.figures import number_sql
from indicators.value_types import figure_sql
from tracker.catalogue import OFFICE, Catalogue
from tracker.engine import counting
from tracker.engine.answers import answers_sql
from tracker.engine.catalogue_tables import use_catalogue
from tracker.ingest.cells import LOOKED_UP, WORDED, clean_cell, parse_cells, raw_cell
from tracker.ingest.lookups import LOOKUP_NAMES, create_lookups
from tracker.ingest.messages import Sql, hits
from tracker.ingest.row_checks import (
    FRACTION_OK,
    NUMBER_VALUE,
    RATE,
    SHARED,
    VAL_NUM,
    VT,
    Refs,
    refusals,
    warnings,
)
from tracker.ingest.sheet import CELL_LIMITS, Sheet
from tracker.strings.upload import REFUSE, WARN


def today() -> dt.date:
    """The day an upload is checked against (which periods have begun, which have ended); tests fix it."""
    return dt.date.today()


# The file's metrics and periods: what the value that counts is looked up for (see `prev`).
PREV_SCOPE = (
    "m.metric IN (SELECT found FROM _ing_match WHERE what = 'metric' AND found IS NOT NULL) "
    "AND m.period_start IN (SELECT period_start FROM _ing_period)"
)


def validate(con: duckdb.DuckDBPyConnection, sheet: Sheet, cat: Catalogue, sender: str | None) -> None:
    """Build `_ing_result` from `_ing_raw` (see the module's notes). `sender`: the canonical unit the file
    was sent for, or None when each row's 单位 column names its unit."""
    create_lookups(con, cat)
    sql = Sql()

    def raw(name: str) -> str:
        return raw_cell(sheet, name)

    def clean(col: str) -> str:
        return clean_cell(sheet, col)

    parse_cells(con, sheet, cat, sql)

    # One row per input row that is not blank: canonical fields and every blocking reason.
    joins: list[str] = []

    def look(alias: str, table: str, name: str, what: str = "") -> Callable[[str], str]:
        """The dictionary row of field `name`'s raw cell, as alias.column. When the file has no such column,
        typed NULLs instead of a join: the optimiser then drops every check that needs it (a file without
        分子/分母 skips the fraction checks)."""
        i = sheet.columns.get(name)
        if i is None:
            return lambda col: f"CAST(NULL AS {LOOKED_UP[col]})"
        on = f"{alias}.what = '{what}' AND " if what else ""
        joins.append(f"LEFT JOIN {table} {alias} ON {on}{alias}.raw = w.c{i}")
        return lambda col: f"{alias}.{col}"

    if sheet.spans:  # records whose quoted cells span lines (tracker.ingest.csv_file._line_spans)
        joins.append("LEFT JOIN _ing_lines ln ON ln.row_no = w.row_no")
    rowlike = "ln.rowlike" if sheet.spans else "CAST(NULL AS VARCHAR)"
    first_line = "ln.first_line" if sheet.spans else "CAST(NULL AS INTEGER)"
    last_line = "ln.last_line" if sheet.spans else "CAST(NULL AS INTEGER)"
    # A delimiter inside a name or period cell can only come from quoting: a stray `"` opened a cell that
    # took in the fields after it. Such a row is refused naming the cell, never skipped as blank.
    stray_checks = []
    if sheet.quoted:
        delim_ref = sql.bind("delim", sheet.delim)
        for name in ("unit", "metric", "area", "period"):
            i = sheet.columns.get(name)
            if i is not None:
                col = sql.bind(f"stray_col_{name}", sheet.headers[i])
                stray_checks.append(f"CASE WHEN contains(w.c{i}, {delim_ref}) THEN {col} END")
    stray = f"coalesce({', '.join(stray_checks)})" if stray_checks else "CAST(NULL AS VARCHAR)"
    # Cells over their length limit (sheet.CELL_LIMITS), checked on the raw cell: strlen (bytes, O(1)) first,
    # the character count only for the few that may be over.
    long_cols, long_checks = [], []
    for name, limit in CELL_LIMITS.items():
        i = sheet.columns.get(name)
        if i is None:
            continue
        long_cols.append(f"w.c{i} AS raw_{name}")
        cond = f"strlen(r.raw_{name}) > {int(limit)} AND length(r.raw_{name}) > {int(limit)}"
        text = sql.msg(
            REFUSE,
            "too_long",
            column=sql.bind(f"long_col_{name}", sheet.headers[i]),
            n=f"length(r.raw_{name})",
            limit=str(int(limit)),
        )
        long_checks.append((cond, text))
    mu = look("mu", "_ing_match", "unit", "unit")
    mm = look("mm", "_ing_match", "metric", "metric")
    ma = look("ma", "_ing_match", "area", "area")
    p = look("p", "_ing_period", "period")
    vn = look("vn", "_ing_number", "value")
    nn = look("nn", "_ing_number", "numerator")
    dn = look("dn", "_ing_number", "denominator")
    sender_ref = sql.bind("sender", sender)
    office_ref = sql.bind("office", OFFICE)
    today_ref = f"CAST({sql.bind('today', today())} AS DATE)"
    refs = Refs(sql, sender_ref, office_ref, today_ref)
    reasons = refusals(refs, long_checks)
    # A worded type's value and the word stored beside it (a grade's letter), from its own parsed column.
    read_cells = "".join(f"{vn('read_' + n)} AS read_{n}, " for n in WORDED)
    read_value = " ".join(f"WHEN '{n}' THEN r.read_{n}" for n in WORDED)
    read_word = " ".join(f"WHEN '{n}' THEN {t.word_sql('r.read_' + n)}" for n, t in WORDED.items())
    warned = warnings(refs)
    # The office's check holding for each earlier checklist answer, for the file's yes/no metrics only (a file
    # without any skips the lookup: it reads the whole measurement table for the answers that count).
    file_checklist = (
        "(SELECT code AS metric FROM _lk_metric_info WHERE answer "
        "AND code IN (SELECT found FROM _ing_match WHERE what = 'metric'))"
    )
    checks = (
        "SELECT NULL::BIGINT AS id, NULL::VARCHAR AS verified_by, NULL::TIMESTAMP AS verified_at WHERE false"
    )
    use_catalogue(con, cat)  # the value that counts (prev) reads the catalogue's reporters
    sql.bind("known", counting.FAR_FUTURE)
    if con.execute(f"SELECT count(*) FROM {file_checklist}").fetchone()[0]:
        sql.bind("v_known", counting.FAR_FUTURE)
        checks = answers_sql(file_checklist)
    # The history's spread per metric of the file, for the fraction check and the outlier warning.
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _ing_stats AS
        SELECT metric, median(value) AS med,
               quantile_cont(value, 0.75) - quantile_cont(value, 0.25) AS iqr, count(*) AS n
        FROM measurement SEMI JOIN (SELECT DISTINCT found AS metric FROM _ing_match WHERE what = 'metric')
             USING (metric)
        WHERE value IS NOT NULL GROUP BY metric"""
    )
    # One statement, one table of a million rows: the history the warnings compare with is narrowed by
    # the file's metrics and periods from the small tables above, not by the rows.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _ing_result AS
        WITH cells AS (
            SELECT w.row_no,
                {mu("txt")} AS unit_t, {mu("found")} AS unit_found,
                CASE WHEN {mu("txt")} IS NULL THEN CAST({sender_ref} AS VARCHAR) ELSE {mu("found")} END AS unit,
                {mm("txt")} AS metric_t, {mm("found")} AS metric_found, {mm("hint")} AS metric_hint,
                {ma("txt")} AS area_t, {ma("found")} AS area_found, {ma("no_area")} AS no_area,
                {p("txt")} AS period_t, {p("period_type")} AS period_type, {p("period_start")} AS period_start,
                {p("period_end")} AS period_end, {p("period_label")} AS period_label,
                {vn("txt")} AS value_t, {vn("num")} AS value_num, {vn("suffix")} AS suffix,
                {vn("qualifier")} AS qualifier,
                {read_cells}{vn("yn_word")} AS yn_word,
                {nn("txt")} AS numerator_t, {nn("num")} AS numerator_num,
                {dn("txt")} AS denominator_t, {dn("num")} AS denominator_num,
                {clean(raw("note"))} AS note_t, {clean(raw("evidence"))} AS evidence_t,
                {rowlike} AS rowlike, {first_line} AS first_line, {last_line} AS last_line, {stray} AS stray
                {"".join(", " + c for c in long_cols)}
            FROM _ing_raw w
            {" ".join(joins)}
            WHERE w.row_no > {int(sheet.header_row)}),
        parsed AS (   -- the expressions the checks share, once per row (tracker.ingest.row_checks.SHARED)
            SELECT r.*, {", ".join(f"{expr} AS {name}" for name, expr in SHARED.items())}
            FROM cells r LEFT JOIN _lk_metric_info i ON i.code = r.metric_found),
        checked AS (
            SELECT r.row_no,
                r.unit,
                i.code AS metric, i.value_type, i.is_percent, i.reporter, i.uom, i.events, r.yn_word,
                i.numeric, i.whole, i.answer,
                r.area_found AS area, (r.area_t IS NULL OR r.no_area OR r.area_found IS NOT NULL) AS area_ok,
                r.period_type, r.period_start, r.period_end, r.period_label,
                CASE {VT} {read_value} ELSE {NUMBER_VALUE} END AS value,
                r.numerator_num AS numerator, r.denominator_num AS denominator,
                CASE {VT} {read_word} END AS grade,
                r.note_t AS note, r.evidence_t AS evidence,
                CASE WHEN i.numeric AND NOT {FRACTION_OK} THEN r.qualifier END AS qualifier,
                r.value_t, {FRACTION_OK} AS from_fraction, {VAL_NUM} AS typed_number, r.suffix, {RATE} AS rate,
                {hits(reasons)} AS reasons
            FROM parsed r
            LEFT JOIN _lk_metric_info i ON i.code = r.metric_found
            -- The office may send any unit's rows: for its files the optimiser drops this lookup.
            LEFT JOIN _lk_may may ON may.unit = r.unit AND may.metric = i.code
                                 AND {sender_ref} IS DISTINCT FROM {office_ref}
            LEFT JOIN _lk_metric_area listed ON listed.metric = i.code AND listed.area = r.area_found
            LEFT JOIN _lk_suffix sx ON sx.metric = i.code AND sx.suffix = r.suffix
            -- A row with no figure, note or evidence is blank (or a template row left unfilled): skipped.
            WHERE r.value_t IS NOT NULL OR r.numerator_t IS NOT NULL OR r.denominator_t IS NOT NULL
               OR r.note_t IS NOT NULL OR r.evidence_t IS NOT NULL OR r.rowlike IS NOT NULL
               OR r.stray IS NOT NULL),
        file_metrics AS (SELECT DISTINCT found AS metric FROM _ing_match WHERE what = 'metric'),
        stats AS (SELECT * FROM _ing_stats),
        prev AS (   -- the value that counts now for each metric/area/period of the file (tracker.engine.counting)
            SELECT e.metric, coalesce(e.area, '') AS area_k, e.period_start, e.value, e.unit, e.recorded_at,
                   {figure_sql("e.value", "i.uom", "i.value_type")} AS shown,
                   i.reporter, chk.verified_by, chk.verified_at
            FROM ({counting.values_sql(PREV_SCOPE)}) e
            JOIN _lk_metric_info i ON i.code = e.metric
            LEFT JOIN ({checks}) chk ON chk.id = e.id)
        SELECT c.row_no, c.unit, c.metric, c.area, c.period_type, c.period_start, c.period_end, c.period_label,
               c.value, c.numerator, c.denominator, c.grade, c.note, c.evidence, c.reasons, c.qualifier,
               CASE WHEN c.qualifier IS NOT NULL THEN c.value_t END AS qualified_t,
               CASE WHEN len(c.reasons) > 0 THEN []::VARCHAR[] ELSE {hits(warned)} END AS warnings,
               CASE WHEN c.metric IS NOT NULL AND c.unit IS NOT NULL AND c.period_start IS NOT NULL AND c.area_ok
                    THEN hash(c.metric, c.unit, coalesce(c.area, ''), c.period_start) END AS dup_hash
        FROM checked c
        LEFT JOIN stats st ON st.metric = c.metric
        LEFT JOIN prev ON prev.metric = c.metric AND prev.area_k = coalesce(c.area, '')
                      AND prev.period_start = c.period_start""",
        sql.params,
    )
    sql.params.clear()
    _qualified(con, sql)
    _refuse_duplicates(con, sql)


def _qualified(con: duckdb.DuckDBPyConnection, sql: Sql) -> None:
    """A figure typed with a qualifier (≥90%, 16小时以上) goes in as the figure, warned, the text as typed
    added to the note. An UPDATE of the few such rows, not a warning for every row to test."""
    con.execute(
        f"""UPDATE _ing_result
        SET warnings = list_append(warnings, {sql.msg(WARN, "qualifier", value="qualified_t", word="qualifier", num=number_sql("value"))}),
            note = concat_ws('；', note, {sql.msg(WARN, "qualifier_note", value="qualified_t")})
        WHERE qualifier IS NOT NULL AND len(reasons) = 0""",
        sql.params,
    )
    sql.params.clear()


def _refuse_duplicates(con: duckdb.DuckDBPyConnection, sql: Sql) -> None:
    """The same metric/unit/area/period twice in the file: each such row is refused, naming the others.
    Repeated keys are found by their hash first (a collision only adds a candidate, grouped exactly after),
    so only the few candidate rows are listed and updated."""
    key = "metric, unit, area_k, period_start"
    con.execute(
        f"""UPDATE _ing_result
        SET reasons = list_append(_ing_result.reasons, {sql.msg(REFUSE, "duplicate", rows="d.others")}),
            warnings = []::VARCHAR[]
        FROM (
            WITH candidates AS (
                SELECT row_no, metric, unit, coalesce(area, '') AS area_k, period_start FROM _ing_result
                WHERE dup_hash IN (
                    SELECT dup_hash FROM _ing_result WHERE dup_hash IS NOT NULL GROUP BY dup_hash HAVING count(*) > 1
                )),
            dups AS (
                SELECT {key}, list(row_no ORDER BY row_no) AS rows
                FROM candidates GROUP BY ALL HAVING count(*) > 1)
            -- The first five others by number, then how many in all: every repeat of a key listing every other
            -- one is quadratic (370,000 rows with 1,850 repeats each grew past 22 GB).
            SELECT k.row_no,
                   array_to_string(list_slice(list_filter(list_slice(d.rows, 1, 6), lambda x: x <> k.row_no), 1, 5), '、')
                   || CASE WHEN len(d.rows) - 1 > 5 THEN concat('等', len(d.rows) - 1) ELSE '' END AS others
            FROM candidates k JOIN dups d USING ({key})) d
        WHERE _ing_result.row_no = d.row_no""",
        sql.params,
    )


def release_cells(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the file's raw cells once the result and the refused rows' cells are made: a million rows of text
    cells hold ~300 MB that the commit's inserts would otherwise sit on top of (the 1 GiB peak target)."""
    con.execute("DROP VIEW IF EXISTS _ing_raw")
    con.execute("DROP TABLE IF EXISTS _ing_cells")


def drop_temp(con: duckdb.DuckDBPyConnection) -> None:
    release_cells(con)
    for name in (
        "_ing_period",
        "_ing_match",
        "_ing_number",
        "_ing_result",
        "_ing_refused",
        "_ing_stats",
        "_ing_lines",
        *LOOKUP_NAMES,
    ):
        con.execute(f"DROP TABLE IF EXISTS {name}")
