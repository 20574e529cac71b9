"""data/ as the client's layout (issue 12): the two sample unit files are what Excel and WPS write, and the
README's quick tour imports them as it says."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest

from tracker.cli import main
from tracker.config import ROOT

SAMPLES = ROOT / "data" / "samples"
CSV = SAMPLES / "城管执法局-2025年.csv"
XLSX = SAMPLES / "教育局-2025年.xlsx"


def test_data_folder_is_described():
    readme = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    for name in ("tracker.duckdb", "demo.duckdb", ".wal", "cli-secret", "logs/tracker.log", "samples/"):
        assert name in readme


def test_the_csv_is_gbk_as_excel_writes_it():
    data = CSV.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    text = data.decode("gbk")
    assert "\r\n" in text and "８２．５％" in text and text.startswith("扎兰屯市城管执法局")


def test_the_xlsx_has_a_title_row_and_percent_cells():
    ws = openpyxl.load_workbook(io.BytesIO(XLSX.read_bytes())).active
    assert ws["A1"].value.startswith("扎兰屯市教育局") and ws["A2"].value == "指标"
    assert ws["C3"].number_format == "0%"


def test_the_samples_are_what_the_generator_makes():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_samples", SAMPLES / "make_samples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.gbk_csv() == CSV.read_bytes()


def test_the_quick_tour_runs_as_the_readme_says(tmp_path, capsys):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    tour = readme.split("### Quick tour", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [line.split("-m tracker ", 1)[1].split() for line in tour.strip().splitlines()]
    assert [c[0] for c in commands] == ["import", "import", "submissions", "evaluate"]
    db = str(tmp_path / "tour.duckdb")
    outputs = []
    for argv in commands:
        argv = [
            db if a == "data/tour.duckdb" else str(ROOT / a) if a.startswith("data/samples/") else a
            for a in argv
        ]
        assert main(argv) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0].startswith("已导入 7 行（其中 1 行有提醒），拒绝 1 行。")
    assert "第8行：「城管执法局」不是该指标的报送单位" in outputs[0]  # 水利局 reports it; kept beside
    assert "第10行：数值「105%」超出0–100%的范围" in outputs[0]
    assert outputs[1].startswith("已导入 6 行")
    assert re.search(r"城管执法局-2025年\.csv", outputs[2]) and "教育局-2025年.xlsx" in outputs[2]
    assert outputs[3].startswith("截至 2026-03-31：")
