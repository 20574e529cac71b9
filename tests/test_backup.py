"""Backup and restore (issue 12): everything — measurements, raw files, accounts, tasks, the audit — comes
back the same, including an import still only in the write-ahead log; the app's 「备份」 zip restores too."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import shutil
import zipfile

import pytest

from tracker import backup, bootstrap
from tracker.access import audit
from tracker.access.auth import SYSTEM
from tracker.access.users import create_user
from tracker.cli import main
from tracker.engine.evaluate import evaluate
from tracker.office.tasks import open_auto_tasks

TODAY = dt.date(2026, 11, 28)


def _state(con) -> dict:
    """What must survive a backup: the evaluation, every raw file's hash, the audit, accounts and tasks."""
    return {
        "summary": evaluate(con, TODAY).summary,
        "files": sorted(
            (r[0], hashlib.sha256(bytes(r[1])).hexdigest(), r[2])
            for r in con.execute(
                """SELECT s.id, coalesce(s.file_bytes, f.bytes), s.sha256
                   FROM submission s LEFT JOIN upload_file f USING (sha256)"""
            ).fetchall()
        ),
        "audit": con.execute("SELECT * FROM audit_log ORDER BY id").fetchall(),
        "users": con.execute("SELECT * FROM app_user ORDER BY id").fetchall(),
        "tasks": con.execute("SELECT * FROM task ORDER BY id").fetchall(),
        "measurements": con.execute("SELECT count(*), sum(value) FROM measurement").fetchone(),
    }


@pytest.fixture
def live(tmp_path, demo_db):
    """A copy of the demo with an account, auto-opened tasks, and a fresh import held open (still in the WAL)."""
    path = tmp_path / "live.duckdb"
    shutil.copyfile(demo_db, path)
    con = bootstrap.connect(path)
    create_user(con, SYSTEM, "城管", "reporter", "a-long-password", unit="城管执法局")
    open_auto_tasks(con, TODAY, SYSTEM)
    src = tmp_path / "城管.csv"
    src.write_text("单位,指标,期间,数值\n城管执法局,10.3,2026年,82%\n", encoding="utf-8")
    yield path, con, src
    con.close()


def test_backup_and_restore_give_the_same_tracker(live, tmp_path, capsys):
    path, con, src = live
    from tracker.cli.ingest import CLI_ACTOR
    from tracker.ingest.uploads import upload

    upload(con, CLI_ACTOR, src.name, src.read_bytes(), unit="城管执法局")  # committed, not checkpointed
    assert (path.parent / f"{path.name}.wal").exists()
    out = tmp_path / "备份"
    assert main(["backup", "--out", str(out), "--db", str(path)]) == 0
    assert "已备份" in capsys.readouterr().out
    before = _state(con)  # the backup's own audit entry is part of what it holds
    assert before["audit"][-1][3] == "backup" and before["audit"][-2][3] == "upload"
    new = tmp_path / "restored.duckdb"
    assert main(["restore", str(out), "--db", str(new)]) == 0
    said = capsys.readouterr().out
    assert "已恢复" in said and "审计日志完整" in said
    restored = bootstrap.connect(new)
    assert _state(restored) == before
    assert audit.verify(restored).ok
    restored.close()


def test_restore_never_overwrites(live, tmp_path, capsys):
    path, con, _ = live
    out = tmp_path / "b"
    backup.backup(con, out)
    assert main(["restore", str(out), "--db", str(path)]) == 6
    assert "已存在" in capsys.readouterr().err
    assert main(["restore", str(tmp_path / "nowhere"), "--db", str(tmp_path / "n.duckdb")]) == 2
    assert main(["backup", "--out", str(out), "--db", str(path)]) == 2  # not into an existing backup


def test_a_tampered_backup_is_refused(live, tmp_path, capsys):
    _, con, _ = live
    out = tmp_path / "b"
    backup.backup(con, out)
    parquet = out / "submission.parquet"
    parquet.write_bytes(parquet.read_bytes()[:-10] + b"0123456789")
    assert main(["restore", str(out), "--db", str(tmp_path / "n.duckdb")]) == 6
    assert "submission.parquet" in capsys.readouterr().err
    assert not (tmp_path / "n.duckdb").exists()


def test_the_apps_zip_restores(live, tmp_path):
    _, con, _ = live
    data = backup.backup_zip(con, actor="admin")
    before = _state(con)
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        z.extractall(folder)
    new = tmp_path / "from-zip.duckdb"
    backup.restore(folder, new)
    restored = bootstrap.connect(new)
    assert _state(restored) == before
    restored.close()
