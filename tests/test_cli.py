"""The command line as other tools and the office use it: `python -m tracker …`."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys

import pytest

from tracker.catalogue import catalogue
from tracker.cli import main
from tracker.config import ROOT


def run(capsys, *argv) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


@pytest.fixture(scope="module")
def demo_db(demo_pristine, tmp_path_factory):
    """A copy of the session's demo (tests/conftest.py, loaded as of 2026-11-28) for the commands to open."""
    path = tmp_path_factory.mktemp("cli") / "demo.duckdb"
    shutil.copyfile(demo_pristine, path)
    return str(path)


def test_catalogue_json(capsys):
    code, out = run(capsys, "catalogue", "--json")
    data = json.loads(out)
    assert code == 0 and len(data["items"]) == 45 and len(data["categories"]) == 7
    item10 = data["items"][9]
    assert item10["units_text"] == ["住建局", "水利局", "自然资源局", "城管执法局", "各街道办事处"]
    assert len(item10["units"]) == 4 + 7  # four departments and the seven street offices
    m = next(m for m in item10["metrics"] if m["code"] == "10.3")
    assert (m["name"], m["unit"], m["period"], m["scope"], m["reporter"]) == (
        "道路机械化清扫率",
        "%",
        "year",
        "city",
        "城管执法局",
    )
    assert m["rule"] == {"kind": "threshold", "op": ">=", "value": 80}
    assert m["national_field"] == "streetmechcleanrate"


def test_evaluate_before_the_campaign_meets_nothing(capsys, demo_db):
    code, out = run(capsys, "evaluate", "--as-of", "2019-12-31", "--json", "--db", demo_db)
    data = json.loads(out)
    assert code == 0 and data["summary"]["met"] == 0 and data["summary"]["no_data"] == 45


def test_evaluate_today_shows_a_mix_with_reasons(capsys, demo_db):
    code, out = run(capsys, "evaluate", "--as-of", "2026-11-28", "--json", "--db", demo_db)
    data = json.loads(out)
    s = data["summary"]
    assert code == 0 and 0 < s["met"] < 45 and s["not_met"] > 0 and s["veto_risks"] == [30]
    for item in data["items"]:
        for m in item["metrics"]:
            assert m["reason"], m["code"]
    m103 = next(m for m in data["items"][9]["metrics"] if m["code"] == "10.3")
    assert m103["reason"] == "2025年 道路机械化清扫率 76.0% < 80%（城管执法局）"


def test_evaluate_readable_table_lists_veto_risks_first(capsys, demo_db):
    code, out = run(capsys, "evaluate", "--as-of", "2026-11-28", "--db", demo_db)
    lines = out.splitlines()
    assert lines[0].startswith("截至 2026-11-28：达标 ")
    assert "一票否决风险" in lines[1] and lines[1].lstrip().startswith("30.")


def test_db_from_environment(capsys, demo_db, monkeypatch):
    monkeypatch.setenv("TRACKER_DB", demo_db)
    code, out = run(capsys, "evaluate", "--as-of", "2019-12-31", "--json")
    assert json.loads(out)["summary"]["items"] == 45


def test_user_add_reads_the_password_from_stdin(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("a-long-password\n"))
    db_path = str(tmp_path / "u.duckdb")
    code, out = run(
        capsys,
        "user",
        "add",
        "--name",
        "城管",
        "--role",
        "reporter",
        "--unit",
        "城管执法局",
        "--password-stdin",
        "--db",
        db_path,
    )
    assert code == 0 and "已创建账号「城管」" in out
    code, out = run(capsys, "user", "list", "--json", "--db", db_path)
    assert json.loads(out)[0]["unit"] == "城管执法局"


def test_module_entry_point_runs():
    result = subprocess.run(
        [sys.executable, "-m", "tracker", "catalogue"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0
    assert f"{catalogue().item(45).title}" in result.stdout
