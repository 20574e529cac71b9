"""`python -m tracker report | national-form | late | tasks` on the briefing's hand-built scenario."""

from __future__ import annotations

import io
import json

import docx
import openpyxl
import pytest

from tests.test_briefing import scenario
from tracker import bootstrap
from tracker.cli import main


@pytest.fixture
def db_file(tmp_path):
    path = tmp_path / "cli.duckdb"
    con = bootstrap.connect(path)
    scenario(con)
    con.close()
    return path


def test_report_docx_and_xlsx(db_file, tmp_path, capsys):
    out = tmp_path / "通报.docx"
    assert (
        main(["report", "--as-of", "2024-03-15", "--out", str(out), "--no-charts", "--db", str(db_file)]) == 0
    )
    said = capsys.readouterr().out
    assert "达标 2/45 项（4.4%），一票否决风险 第30项" in said and "逾期整改任务 1" in said
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(out.read_bytes())).paragraphs)
    assert "达标率4.4%" in text
    xlsx = tmp_path / "明细.xlsx"
    assert main(["report", "--as-of", "2024-03-15", "--out", str(xlsx), "--db", str(db_file)]) == 0
    assert openpyxl.load_workbook(xlsx).sheetnames[0] == "概况"
    assert (
        main(["report", "--as-of", "2024-03-15", "--out", str(tmp_path / "x.pdf"), "--db", str(db_file)]) == 2
    )


def test_report_as_known_then(db_file, tmp_path):
    out = tmp_path / "通报.docx"
    args = [
        "report",
        "--as-of",
        "2024-03-15",
        "--out",
        str(out),
        "--no-charts",
        "--known-then",
        "--db",
        str(db_file),
    ]
    assert main(args) == 0
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(out.read_bytes())).paragraphs)
    assert "本通报按截至2024年3月15日当日已录入的数据评估（按当时已知）" in text


def test_national_form(db_file, tmp_path, capsys):
    out = tmp_path / "form.json"
    assert (
        main(["national-form", "--year", "2023", "--form", "county", "--out", str(out), "--db", str(db_file)])
        == 0
    )
    payload = json.loads(out.read_text(encoding="utf-8"))
    assert payload["regionname"] == "150783000"
    assert payload["greenlandcoveragerate"] == 38.0 and "streetmechcleanrate" not in payload
    assert "个字段无数值" in capsys.readouterr().out


def test_late_json(db_file, capsys):
    assert main(["late", "--as-of", "2024-03-15", "--json", "--db", str(db_file)]) == 0
    data = json.loads(capsys.readouterr().out)
    edu = next(u for u in data["late_units"] if u["unit"] == "教育局")
    assert (edu["due"], edu["on_time"], edu["late"], edu["missing"]) == (10, 1, 1, 8)
    assert edu["sent_late"] == ["中小学生近视率（30.4） 2023年"]


def test_tasks_open_auto(db_file, capsys):
    assert main(["tasks", "--as-of", "2024-03-15", "--open-auto", "--db", str(db_file)]) == 0
    said = capsys.readouterr().out
    assert "已为 1 个新的未达标指标立项" in said  # 30.6; 10.3 already has task 1
    assert "#1    待整改  【逾期15天】城管执法局  10.3" in said
