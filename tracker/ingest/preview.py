"""The preview of a validated file: the columns it must have, cells right of its header refused, and the counts,
refused rows (with their raw cells), warned rows and accepted rows an ImportResult shows before the commit."""

from __future__ import annotations

import duckdb

from indicators.value_types import figure_sql
from tracker.ingest.result import ImportResult, RowReport
from tracker.ingest.sheet import Sheet
from tracker.ingest.text import FileRefused
from tracker.strings.upload import FILE

PREVIEW_ROWS = 1000


def check_columns(found: Sheet, sender: str | None) -> None:
    from tracker.strings.upload import COLUMNS

    cols = found.columns
    if "unit" not in cols and sender is None:
        raise FileRefused(FILE["no_unit"])
    if "period" not in cols:
        raise FileRefused(FILE["missing_column"].format(column=COLUMNS["period"]))
    if "value" not in cols and not ("numerator" in cols and "denominator" in cols):
        raise FileRefused(FILE["no_value_column"])


def refuse_extra_cells(con: duckdb.DuckDBPyConnection, found: Sheet) -> None:
    """Refuse a row with cells right of the header's last column, naming them: `…,16,5,小时` under 数值,备注 was
    stored as 16 with the note 「5」 and 「小时」 dropped."""
    from tracker.strings.upload import REFUSE

    extra = range(found.width, found.ncols)
    if not extra:
        return
    named = ", ".join(
        f"CASE WHEN trim(coalesce(c{i}, '')) <> '' THEN '第{i + 1}列「' || c{i} || '」' END" for i in extra
    )
    before, after = REFUSE["extra_cells"].format(width=found.width, cells="\x00").split("\x00")
    con.execute(
        f"""UPDATE _ing_result SET reasons = list_append(_ing_result.reasons, $before || x.cells || $after)
            FROM (SELECT row_no, concat_ws('、', {named}) AS cells FROM _ing_raw) x
            WHERE _ing_result.row_no = x.row_no AND x.cells <> ''""",
        {"before": before, "after": after},
    )


def _cells_sql(found: Sheet) -> tuple[str, dict]:
    params: dict[str, str] = {}
    parts = []
    for i, name in enumerate(found.headers):
        params[f"h{i}"] = name
        cell = f"translate(w.c{i}, '{found.markers.chars}', ',\";')" if found.placeholders else f"w.c{i}"
        parts.append(f"$h{i}, {cell}")
    return f"CAST(json_object({', '.join(parts)}) AS VARCHAR)", params


def collect(con: duckdb.DuckDBPyConnection, found: Sheet, result: ImportResult) -> None:
    accepted, refused, warned = con.execute(
        """SELECT count(*) FILTER (WHERE len(reasons) = 0), count(*) FILTER (WHERE len(reasons) > 0),
                  count(*) FILTER (WHERE len(reasons) = 0 AND len(warnings) > 0) FROM _ing_result"""
    ).fetchall()[0]
    result.accepted, result.refused, result.warnings = accepted, refused, warned
    # Rows below the header that validate skipped as blank: said in the summary, never silently dropped.
    below = con.execute(f"SELECT count(*) FROM _ing_raw WHERE row_no > {int(found.header_row)}").fetchone()[0]
    result.skipped = below - accepted - refused
    cells, params = _cells_sql(found)
    # The refused rows with their raw cells, made once: the commit stores the same rows.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _ing_refused AS
            SELECT r.row_no, r.reasons, {cells} AS cells FROM _ing_result r JOIN _ing_raw w USING (row_no)
            WHERE len(r.reasons) > 0""",
        params,
    )
    rows = con.execute("SELECT row_no, reasons, cells FROM _ing_refused ORDER BY row_no").fetchall()
    result.refused_rows = [RowReport(n, list(reasons), cells_json) for n, reasons, cells_json in rows]
    # The first rows only: a form of a million rows may warn on each (figures beside the reporters'); every
    # warning is stored with the submission (warned_row), and a million Python objects cost a gigabyte.
    rows = con.execute(
        f"""SELECT row_no, warnings FROM _ing_result WHERE len(reasons) = 0 AND len(warnings) > 0
            ORDER BY row_no LIMIT {PREVIEW_ROWS}"""
    ).fetchall()
    result.warned_rows = [RowReport(n, list(w)) for n, w in rows]
    if found.spans:
        result.line_spans = [
            tuple(r)
            for r in con.execute(
                """SELECT l.row_no, l.first_line, l.last_line FROM _ing_lines l SEMI JOIN _ing_result USING (row_no)
                   ORDER BY l.row_no"""
            ).fetchall()
        ]
    result.accepted_preview = con.execute(
        f"""SELECT r.row_no AS row, i.label AS metric, r.unit, r.area, r.period_label AS period,
                   {figure_sql("r.value", "i.uom", "i.value_type")} AS value,
                   r.numerator, r.denominator, r.note, r.evidence
            FROM _ing_result r JOIN _lk_metric_info i ON i.code = r.metric
            WHERE len(r.reasons) = 0 ORDER BY r.row_no LIMIT {PREVIEW_ROWS}"""
    ).df()
