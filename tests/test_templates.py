"""Templates per unit: exactly the unit's metrics and the periods due; they come back through the reader."""

from __future__ import annotations

import datetime as dt
import io
import json

import openpyxl
import pytest

from tests.ingest_fixtures import open_db
from tracker import cli
from tracker.catalogue import catalogue
from tracker.config import settings
from tracker.ingest import import_file
from tracker.ingest.templates import due_period, requirement, template_csv, template_metrics, template_xlsx
from tracker.strings.upload import TEMPLATE_HEADERS, TEMPLATE_HELP_SHEET, TEMPLATE_SHEET

TODAY = dt.date(2024, 2, 10)


@pytest.fixture
def ingest_con(tmp_path):
    yield from open_db(tmp_path)


def test_due_periods():
    assert due_period("year", TODAY).label == "2023年"
    assert due_period("quarter", TODAY).label == "2023年第四季度"
    assert due_period("quarter", dt.date(2024, 8, 1)).label == "2024年第二季度"
    assert due_period("month", TODAY).label == "2024年1月"
    assert due_period("month", dt.date(2024, 1, 5)).label == "2023年12月"


# A quarterly deadline longer than a quarter (100 days): 2023年第四季度 ends 2023-12-31, its deadline is
# 2023-12-31 + 100 days = 2024-04-09 (31 + 29 + 31 + 9); 2024年第一季度 has ended too (2024-03-31, due 2024-07-09).
# The template asks for the figure whose deadline comes first and has not passed: the same day as the engine's
# evaluation and the unit page call a figure due (tracker.engine.due), not merely the latest quarter ended.
@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (dt.date(2024, 4, 8), "2023年第四季度"),  # its deadline one day after today: still owed, first
        (dt.date(2024, 4, 9), "2023年第四季度"),  # its deadline exactly today: not yet passed
        (
            dt.date(2024, 4, 10),
            "2024年第一季度",
        ),  # its deadline one day before today: passed, the next is owed
    ],
)
def test_the_template_asks_for_the_period_whose_deadline_comes_next(monkeypatch, today, expected):
    monkeypatch.setitem(settings()["deadline_days"], "quarter", 100)
    assert due_period("quarter", today).label == expected
    lines = template_csv("城管执法局", today).decode("utf-8-sig").splitlines()
    assert f"城管执法局,10.1 主次干道每日保洁时间,,{expected},,,,," in lines


def test_requirements_read_like_the_plan():
    cat = catalogue()
    assert requirement(cat.metric("10.3")).startswith(("≥", ">"))
    assert requirement(cat.metric("45.1")).endswith("级及以上")
    assert requirement(cat.metric("21.1")).startswith("0起")


def test_csv_template_holds_exactly_the_units_metrics():
    data = template_csv("城管执法局", TODAY)
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == ",".join(TEMPLATE_HEADERS)
    codes = {line.split(",")[1].split(" ")[0] for line in lines[1:]}
    assert codes == {m.code for m in catalogue().metrics_reported_by("城管执法局")}
    assert "城管执法局,10.1 主次干道每日保洁时间,,2023年第四季度,,,,," in lines
    assert "城管执法局,10.3 道路机械化清扫率,,2023年,,,,," in lines


def test_per_area_metrics_get_one_row_per_area():
    lines = template_csv("卫健委", TODAY).decode("utf-8-sig").splitlines()
    rows = [line for line in lines if ",40.5 " in line]
    assert len(rows) == len(catalogue().metric("40.5").areas) and ",铁东街道,2023年," in "".join(rows)


def test_a_street_gets_the_metrics_it_may_report():
    metrics = template_metrics("铁东街道")
    assert metrics and all(catalogue().may_report("铁东街道", m) for m in metrics)


def test_xlsx_template_has_title_frozen_header_lists_and_instructions():
    book = openpyxl.load_workbook(io.BytesIO(template_xlsx("城管执法局", TODAY)))
    ws = book[TEMPLATE_SHEET]
    assert book.sheetnames[0] == TEMPLATE_SHEET
    assert "城管执法局" in ws["A1"].value and "A1:I1" in {str(r) for r in ws.merged_cells.ranges}
    assert [c.value for c in ws[2]] == list(TEMPLATE_HEADERS)
    assert ws.freeze_panes == "A3"
    ranges = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}
    assert any(sq.startswith("B3") for sq in ranges) and any(sq.startswith("C3") for sq in ranges)
    help_rows = list(book[TEMPLATE_HELP_SHEET].iter_rows(values_only=True))
    assert help_rows[0][:5] == ("指标", "计量单位", "报送周期", "范围", "达标要求")
    row = next(r for r in help_rows if r[0] == "10.3 道路机械化清扫率")
    assert row[1:4] == ("%", "年度", "全市")
    assert ws["B3"].number_format == "@"


def test_a_filled_template_imports_cleanly(ingest_con):
    book = openpyxl.load_workbook(io.BytesIO(template_xlsx("城管执法局", TODAY)))
    ws = book[TEMPLATE_SHEET]
    examples = {"是/否": "是", "%": "90%", "小时": "16"}
    for r in range(3, ws.max_row + 1):
        label = ws.cell(r, 2).value
        if label:
            metric = catalogue().metric(label.split(" ")[0])
            ws.cell(r, 5).value = examples.get(metric.unit, "5")
    out = io.BytesIO()
    book.save(out)
    result = import_file(ingest_con, "t.xlsx", out.getvalue(), unit="城管局")
    assert result.refused == 0 and result.accepted == len(template_metrics("城管执法局"))


def test_an_unfilled_template_has_no_rows(ingest_con):
    result = import_file(ingest_con, "t.csv", template_csv("城管执法局", TODAY), unit="城管执法局")
    assert result.outcome == "failed" and "没有数据行" in result.message


def test_cli_template(tmp_path, capsys):
    out = tmp_path / "城管.xlsx"
    assert cli.main(["template", "--unit", "市城管局", "--out", str(out)]) == 0
    assert out.read_bytes()[:2] == b"PK"
    assert cli.main(["template", "--unit", "城管局", "--out", str(tmp_path / "t.csv")]) == 0
    assert (tmp_path / "t.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert cli.main(["template", "--unit", "城管局", "--out", str(tmp_path / "t.txt")]) == 2
    assert cli.main(["template", "--unit", "不存在局", "--out", str(out)]) == 2
    json.dumps(capsys.readouterr().out)
