"""Several app processes behind HAProxy with cookie affinity (`make serve WORKERS=2`).

Starts N `streamlit run server.py` workers on 127.0.0.1, ports P+1 … P+N, all signing with one
server.cookieSecret (data/deploy/cookie_secret, made once, owner-only), and HAProxy from Debian in front on
port P. Ctrl+C (or SIGTERM) stops them all; when one of them dies the others are stopped too (a service
manager restarts the whole: docs/DEPLOY.md).

The database: TRACKER_DB (or --db). A postgresql:// URL is shared by every worker; a DuckDB file can be held by
one process only, so with several workers its name says {n} — each worker its own file (data/w{n}.duckdb).
Without either, the demo as `make run` starts it, each worker on its own file data/demo-{n}.duckdb.

Run: .venv/bin/python -m deploy.serve --workers 2 --port 8501 [--db URL|PATH] [--bind 127.0.0.1]
"""

from __future__ import annotations

import argparse
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from deploy.config import (
    DeployError,
    Worker,
    cookie_secret,
    environment,
    haproxy_config,
    say,
    workers,
)

ROOT = Path(__file__).resolve().parent.parent
STATE = ROOT / "data" / "deploy"  # the proxy's configuration, the cookie secret beside it, the logs
DEMO_DB = "data/demo-{n}.duckdb"
START_SECONDS = 120  # a worker's start on a busy two-core machine


def _die_with_parent() -> None:
    """In each child before it runs: when this script dies, even by SIGKILL, the kernel stops the child too
    (PR_SET_PDEATHSIG), so no worker or proxy is left holding a port or a database."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(
            socket.SOL_SOCKET, socket.SO_REUSEADDR, 1
        )  # as the servers bind: TIME_WAIT is no obstacle
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.read() == b"ok"
    except OSError:
        return False


def _tail(path: Path, lines: int = 20) -> str:
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


class Deployment:
    """The running processes: workers first, then the proxy; stopped in the reverse order."""

    def __init__(self, state: Path, lang: str):
        self.state = state
        self.lang = lang
        self.running: list[tuple[str, subprocess.Popen, Path]] = []

    def _start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = self.state / f"{name}.log"
        with open(log, "wb") as out:  # the child keeps its own copy of the descriptor
            process = subprocess.Popen(
                argv,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )
        self.running.append((name, process, log))
        return process

    def start_worker(self, worker: Worker, secret: str, demo: bool) -> None:
        print(say(self.lang, "starting", name=worker.name, port=worker.port, db=worker.db), flush=True)
        env = environment(worker, secret, demo, os.environ)
        argv = [sys.executable, "-m", "streamlit", "run", "server.py"]
        argv += ["--server.address", "127.0.0.1", "--server.port", str(worker.port)]
        argv += ["--server.headless", "true", "--server.fileWatcherType", "none"]
        self._start(worker.name, argv, env)

    def wait_healthy(self, name: str, url: str) -> None:
        _, process, log = next(entry for entry in self.running if entry[0] == name)
        deadline = time.monotonic() + START_SECONDS
        while not _healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise DeployError(
                    say(self.lang, "not_started", name=name, seconds=START_SECONDS, log=log, tail=_tail(log))
                )
            time.sleep(0.2)

    def start_proxy(self, config: Path) -> None:
        haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
        check = subprocess.run([haproxy, "-c", "-q", "-f", str(config)], capture_output=True, text=True)
        if check.returncode != 0:
            raise DeployError(say(self.lang, "bad_config", path=config, why=check.stdout + check.stderr))
        self._start("haproxy", [haproxy, "-db", "-f", str(config)], dict(os.environ))

    def watch(self) -> None:
        """Until Ctrl+C: when any process exits, say which and return (the caller stops the others)."""
        while True:
            for name, process, log in self.running:
                if process.poll() is not None:
                    print(
                        say(self.lang, "died", name=name, code=process.returncode, log=log), file=sys.stderr
                    )
                    raise SystemExit(1)
            time.sleep(0.5)

    def stop(self) -> None:
        stop([process for _, process, _ in reversed(self.running)])
        self.running.clear()


def stop(processes: list[subprocess.Popen], seconds: float = 15) -> None:
    """Ask every process to end (SIGTERM), give them `seconds` in all, then kill the ones still there."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + seconds
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _stop(signum, frame):
    raise KeyboardInterrupt  # SIGTERM takes the same path as Ctrl+C


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8501, help="the proxy's port; workers take the next N")
    parser.add_argument("--db", default=os.environ.get("TRACKER_DB"), help="default: TRACKER_DB, or the demo")
    parser.add_argument("--bind", default="", help="the proxy's address (default: every interface)")
    parser.add_argument("--state", type=Path, default=STATE, help="configuration, cookie secret, logs")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh")
    args = parser.parse_args(argv)
    lang = args.lang
    demo = not args.db
    deployment = Deployment(args.state, lang)
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in handlers:  # also SIGINT: a shell starting this in the background hands it down ignored
        signal.signal(sig, _stop)
    try:
        if args.workers < 1:
            parser.error("--workers ≥ 1")
        if not (shutil.which("haproxy") or Path("/usr/sbin/haproxy").exists()):
            raise DeployError(say(lang, "no_haproxy"))
        chosen = workers(args.db or DEMO_DB, args.workers, args.port, lang)
        for port in [args.port] + [w.port for w in chosen]:
            if not _port_free(port):
                raise DeployError(say(lang, "port_busy", port=port))
        args.state.mkdir(parents=True, exist_ok=True)
        secret_file = args.state / "cookie_secret"
        secret, made = cookie_secret(secret_file, lang)
        if made:
            print(say(lang, "new_secret", path=secret_file), flush=True)
        for worker in chosen:
            deployment.start_worker(worker, secret, demo)
        for worker in chosen:
            deployment.wait_healthy(worker.name, f"http://127.0.0.1:{worker.port}")
        config = args.state / "haproxy.cfg"
        config.write_text(haproxy_config(chosen, args.port, args.bind), encoding="utf-8")
        deployment.start_proxy(config)
        deployment.wait_healthy("haproxy", f"http://127.0.0.1:{args.port}")
        host = args.bind or socket.gethostname()
        print(
            say(
                lang,
                "ready",
                url=f"http://{host}:{args.port}/",
                workers=len(chosen),
                logs=args.state / "w*.log",
            ),
            flush=True,
        )
        deployment.watch()
    except DeployError as exc:
        print(say(lang, "error", message=exc), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    finally:
        for sig in handlers:  # a second Ctrl+C must not cut the stopping short
            signal.signal(sig, signal.SIG_IGN)
        deployment.stop()
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    print(say(lang, "stopped"), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
