"""Fuzzing uploads beyond well-formed cells: huge cells, formula-looking cells, odd dates and periods,
random encodings, and xlsx files. Whatever arrives: no unhandled exception, no partial commit (measurements
equal the accepted count, or nothing on failure), every filled row accounted for exactly once.
The long variant runs with `make test-long`."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.examples import examples
from tracker import bootstrap
from tracker.ingest import import_file
from tracker.ingest.submissions import submission_file

HEADER = ["单位", "指标", "期间", "数值", "备注"]

ODD_PERIODS = [
    "2023/02/30",
    "2023-13",
    "0000",
    "99999",
    "2023Q0",
    "二〇二三年",
    "2023年第五季度",
    "45000",
    "2023-06-01 00:00:00",
    "  2023  ",
    "2023年度年度",
    "FY2023",
    "2023H1",
]
FORMULAS = ['=HYPERLINK("http://x","y")', "+1+1", "-2", "@SUM(A1)", "=1/0", "\t=cmd", "＝1+1"]
HUGE = st.integers(min_value=2_000, max_value=40_000).map(lambda n: "长" * n)

cell = st.one_of(
    st.sampled_from(["城管执法局", "10.3", "10.1", "2023年", "2023Q2", "85%", "16小时", "是", ""]),
    st.sampled_from(ODD_PERIODS),
    st.sampled_from(FORMULAS),
    HUGE,
    st.text(max_size=20),
)
rows = st.lists(st.lists(cell, min_size=5, max_size=5), min_size=1, max_size=8)


def to_csv(table: list[list[str]], encoding: str) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows([HEADER, *table])
    return buf.getvalue().encode(encoding, errors="replace")


def to_xlsx(table: list[list[str]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for r in table:
        # openpyxl refuses control characters in cells, as Excel would never write them
        sheet.append([openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE.sub("", v) for v in r])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def check(data: bytes, name: str) -> None:
    con = bootstrap.connect(":memory:")
    try:
        result = import_file(con, name, data, unit="城管执法局")
        measurements = con.execute("SELECT count(*) FROM measurement").fetchone()[0]
        refused = con.execute("SELECT count(*) FROM refused_row").fetchone()[0]
        assert result.message
        if result.outcome == "failed":
            assert measurements == 0 and refused == 0
            return
        assert result.outcome in ("committed", "all_refused")
        assert measurements == result.accepted and refused == result.refused
        rows = {r.row for r in result.refused_rows} | set(result.accepted_preview["row"])
        assert len(rows) == result.accepted + result.refused
        # the raw file is kept once, byte for byte (an all-refused one compressed: read through the one reader)
        assert con.execute("SELECT count(*) FROM upload_file").fetchone()[0] == 1
        assert submission_file(con, result.submission) == (name, data)
    finally:
        con.close()


@settings(
    max_examples=examples(40),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example],
)
@given(table=rows, encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16", "latin-1"]))
def test_csv_of_odd_cells(table, encoding):
    check(to_csv(table, encoding), "fuzz.csv")


@settings(
    max_examples=examples(15),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example],
)
@given(table=rows)
def test_xlsx_of_odd_cells(table):
    check(to_xlsx(table), "fuzz.xlsx")


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(table=rows, encoding=st.sampled_from(["utf-8", "gb18030", "utf-16"]), as_xlsx=st.booleans())
def test_many_more_uploads(table, encoding, as_xlsx):
    check(to_xlsx(table) if as_xlsx else to_csv(table, encoding), "fuzz.xlsx" if as_xlsx else "fuzz.csv")


def test_formula_cells_are_stored_as_typed():
    con = bootstrap.connect(":memory:")
    data = to_csv([["城管执法局", "10.3", "2023年", "85%", f] for f in FORMULAS[:1]], "utf-8")
    result = import_file(con, "f.csv", data, unit="城管执法局")
    assert result.accepted == 1
    assert con.execute("SELECT note FROM measurement").fetchone()[0] == FORMULAS[0]
    con.close()
