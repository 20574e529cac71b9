"""The house's layers: tracker/ is the engine and never imports Streamlit; the glue lives in app/."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from tests.conftest import ROOT

PROBE = """
import importlib, pkgutil, sys
import tracker
names = [m.name for m in pkgutil.walk_packages(tracker.__path__, "tracker.") if not m.name.endswith("__main__")]
for name in names:
    importlib.import_module(name)
print(len(names), "streamlit" in sys.modules, sorted(n for n in sys.modules if n.split(".")[0] == "app"))
"""


def test_no_tracker_module_imports_streamlit_or_the_glue():
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split(maxsplit=2)
    count, streamlit_loaded, glue = int(out[0]), out[1], out[2].strip()
    assert count > 40  # every module was imported
    assert streamlit_loaded == "False"
    assert glue == "[]"


def test_service_calls_are_logged_with_actor_action_outcome_and_duration(caplog):
    import logging

    import pytest

    from tracker import bootstrap
    from tracker.access import users
    from tracker.access.auth import SYSTEM, Actor, PermissionDenied

    con = bootstrap.connect(":memory:")
    with caplog.at_level(logging.INFO, logger="tracker.service"):
        users.create_user(con, SYSTEM, "城管张", "reporter", "a-long-secret-7", unit="城管执法局")
        with pytest.raises(PermissionDenied):
            users.create_user(con, Actor("李市长", "leader"), "x1", "leader", "a-long-secret-8")
    lines = [r.getMessage() for r in caplog.records if r.name == "tracker.service"]
    assert any(
        "actor=system action=create_user" in m and "outcome=ok" in m and "duration=" in m for m in lines
    ), lines
    assert any(
        "actor=李市长 action=create_user" in m and "outcome=error PermissionDenied" in m for m in lines
    )
    assert not any("a-long-secret" in m for m in lines)  # never a password


# ---------------------------------------------------------------- import-linter (issue 25)

LINT = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True, no_logo=True))"


def _lint(root) -> subprocess.CompletedProcess:
    """lint-imports over the tree at `root`, with the contracts of its pyproject.toml (tracker/ found there)."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([sys.executable, "-c", LINT], cwd=root, env=env, capture_output=True, text=True)


def test_the_layers_contract_is_kept():
    run = _lint(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Contracts: 3 kept, 0 broken." in run.stdout


def _copy_tree(tmp_path):
    for name in ("tracker", "indicators", "app"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _append(path, line: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "\n" + line + "\n", encoding="utf-8")


def test_one_upward_import_breaks_the_contract(tmp_path):
    root = _copy_tree(tmp_path)
    assert _lint(root).returncode == 0  # the copy as it is: kept
    # The engine reading an office module: the kind of link issue 25 removed (engine.views -> office.verification).
    _append(root / "tracker" / "engine" / "views.py", "from tracker.office import verification  # noqa")
    run = _lint(root)
    assert run.returncode != 0
    assert "tracker.engine is not allowed to import tracker.office" in run.stdout
    assert "tracker.engine.views -> tracker.office.verification" in run.stdout


def test_the_bottom_layer_may_not_import_the_database(tmp_path):
    root = _copy_tree(tmp_path)
    _append(root / "tracker" / "config.py", "from tracker import db  # noqa")
    run = _lint(root)
    assert run.returncode != 0
    assert "tracker.config is not allowed to import tracker.db" in run.stdout


def test_tracker_importing_streamlit_or_the_glue_breaks_the_contract(tmp_path):
    root = _copy_tree(tmp_path)
    _append(root / "tracker" / "text.py", "import streamlit  # noqa")
    _append(root / "tracker" / "office" / "tasks.py", "from app import webapp  # noqa")
    run = _lint(root)
    assert run.returncode != 0
    assert "tracker.text -> streamlit" in run.stdout
    assert "tracker.office.tasks -> app.webapp" in run.stdout


def test_every_tracker_module_sits_in_a_layer():
    """A new top-level module or package of tracker/ must be given its layer, or the contract would not see it."""
    import pkgutil
    import tomllib

    import tracker

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (layers,) = [c["layers"] for c in config["tool"]["importlinter"]["contracts"] if c["id"] == "layers"]
    named = {name.strip("() ") for layer in layers for name in layer.split("|" if "|" in layer else ":")}
    modules = {f"tracker.{m.name}" for m in pkgutil.iter_modules(tracker.__path__)}
    assert modules - named == set()
