"""The deployment's parts that start nothing (deploy/config.py): each worker's database, the one cookie secret,
HAProxy's configuration as HAProxy itself checks it. The running deployment is tests/browser/test_deploy.py."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from deploy import serve
from deploy.config import SAY, DeployError, cookie_secret, haproxy_config, workers


def test_each_worker_its_own_file_or_one_shared_server():
    assert [(w.name, w.port, w.db) for w in workers("data/w{n}.duckdb", 2, 8501)] == [
        ("w1", 8502, "data/w1.duckdb"),
        ("w2", 8503, "data/w2.duckdb"),
    ]
    url = "postgresql://tracker@db.example/tracker"
    assert [w.db for w in workers(url, 3, 9000)] == [url] * 3  # later: one URL is all that changes
    assert [w.db for w in workers("data/tracker.duckdb", 1, 8501)] == ["data/tracker.duckdb"]


def test_one_duckdb_file_is_not_shared_by_several_workers():
    with pytest.raises(DeployError, match="一个 DuckDB 文件只能由一个进程打开：data/tracker.duckdb"):
        workers("data/tracker.duckdb", 2, 8501)
    with pytest.raises(DeployError, match="cannot be shared by 2 processes"):
        workers("data/tracker.duckdb", 2, 8501, lang="en")


def test_the_cookie_secret_is_made_once_for_its_owner_only(tmp_path):
    path = tmp_path / "deploy" / "cookie_secret"
    secret, made = cookie_secret(path)
    assert made and len(secret) >= 40
    assert path.stat().st_mode & 0o777 == 0o600
    assert cookie_secret(path) == (secret, False)  # every later start, every worker: the same secret
    path.chmod(0o644)
    with pytest.raises(DeployError, match="cookie 密钥只能由所有者读写"):
        cookie_secret(path)


def test_an_empty_secret_file_is_made_again(tmp_path):
    path = tmp_path / "cookie_secret"
    path.touch(mode=0o600)
    secret, made = cookie_secret(path)
    assert made and secret and path.read_text().strip() == secret


def test_haproxy_accepts_the_configuration(tmp_path):
    """Affinity by an inserted cookie and round robin for new browsers, websocket-long tunnels, health checks
    of each worker — and HAProxy itself finds the file valid."""
    haproxy = shutil.which("haproxy")
    if haproxy is None:
        pytest.fail("haproxy is missing (apt-get install haproxy; .ci/run installs it)")
    text = haproxy_config(workers("w{n}.duckdb", 2, 8501), 8501, "127.0.0.1")
    for line in (
        "bind 127.0.0.1:8501",
        "balance roundrobin",
        "cookie SRV insert indirect nocache",
        "timeout tunnel 24h",
        "option httpchk GET /_stcore/health",
        "server w1 127.0.0.1:8502 check cookie w1",
        "server w2 127.0.0.1:8503 check cookie w2",
    ):
        assert line in text
    config = tmp_path / "haproxy.cfg"
    config.write_text(text)
    check = subprocess.run([haproxy, "-c", "-f", str(config)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_every_console_message_in_both_languages():
    assert SAY["zh"].keys() == SAY["en"].keys()


def test_refusals_exit_2_with_one_line(capsys, tmp_path):
    code = serve.main(["--workers", "2", "--db", str(tmp_path / "one.duckdb"), "--state", str(tmp_path)])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：一个 DuckDB 文件只能由一个进程打开") and "Traceback" not in err


def test_each_worker_writes_its_own_log_file(tmp_path):
    """Python's rotating log file is one process's: several workers rotating one tracker.log lose lines."""
    from deploy.config import environment

    pool = workers("postgresql://tracker@db.example/tracker", 2, 8501)
    envs = [environment(w, "s3cret", demo=False, base={"PATH": "/usr/bin"}) for w in pool]
    assert [e["TRACKER_LOG_NAME"] for e in envs] == ["tracker-w1.log", "tracker-w2.log"]
    assert all(
        e["TRACKER_DB"] == pool[0].db and e["STREAMLIT_SERVER_COOKIE_SECRET"] == "s3cret" for e in envs
    )
    assert (
        "TRACKER_DEMO" not in envs[0] and environment(pool[0], "s", demo=True, base={})["TRACKER_DEMO"] == "1"
    )
    named = subprocess.run(
        [sys.executable, "-c", "from tracker import logs; print(logs.setup('x.duckdb').name)"],
        env={**os.environ, "TRACKER_LOG_DIR": str(tmp_path), "TRACKER_LOG_NAME": "tracker-w2.log"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert named.stdout.strip() == "tracker-w2.log" and (tmp_path / "tracker-w2.log").exists()
