"""The command line's route into the app (issue 23), without a browser: only loopback peers, only with the
secret, and the secret file its owner's alone."""

from __future__ import annotations

import asyncio
import json
import stat

import pytest
from starlette.requests import Request

from app import cli_route
from tracker.cli import remote


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("10.0.0.5", False),
        ("192.168.1.20", False),
        ("::ffff:192.168.1.20", False),
        ("0.0.0.0", False),
        ("testclient", False),
        ("", False),
        (None, False),
    ],
)
def test_only_loopback_peers(host, allowed):
    assert cli_route.loopback(host) is allowed


def _post(peer: str, headers: dict, body: bytes) -> int:
    """The route's answer to one request from `peer`, as Starlette hands it over (an ASGI scope)."""
    scope = {
        "type": "http",
        "method": "POST",
        "path": remote.ROUTE,
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": (peer, 40000),
        "query_string": b"",
    }

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    return asyncio.run(cli_route.command(Request(scope, receive))).status_code


def test_a_peer_elsewhere_is_refused_even_with_the_secret(tmp_path, monkeypatch):
    secret = remote.publish(tmp_path / "tracker.duckdb", 8501, "")
    monkeypatch.setattr(
        cli_route, "_served", {"db": str(tmp_path / "tracker.duckdb"), "con": None, "secret": secret}
    )
    body = json.dumps({"argv": ["user", "list"], "cwd": str(tmp_path)}).encode()
    assert _post("192.168.1.20", {remote.HEADER: secret}, body) == 403
    assert _post("127.0.0.1", {remote.HEADER: "0" * 64}, body) == 401
    assert _post("127.0.0.1", {}, body) == 401
    assert _post("127.0.0.1", {remote.HEADER: secret}, b"not json") == 400


def test_the_secret_file_is_made_for_its_owner_only(tmp_path):
    db_file = tmp_path / "tracker.duckdb"
    secret = remote.publish(db_file, 8501, "/tracker")
    path = tmp_path / "tracker.cli-secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["port"] == 8501 and data["base"] == "/tracker" and data["secret"] == secret
    assert len(bytes.fromhex(secret)) == 32
    assert remote.endpoint(db_file)["secret"] == secret
    assert [p.name for p in tmp_path.iterdir()] == ["tracker.cli-secret"]  # no temporary file left
    assert remote.publish(db_file, 8502, "") != secret  # a new start, a new secret


def test_relative_paths_are_resolved_against_the_callers_directory(tmp_path):
    from tracker.cli import build_parser

    args = build_parser().parse_args(["import", "a.csv", "--unit", "城管执法局"])
    remote.resolve(args, tmp_path, str(tmp_path / "tracker.duckdb"))
    assert args.file == str(tmp_path / "a.csv") and args.unit == "城管执法局"
    assert args.db == str(tmp_path / "tracker.duckdb")
    args = build_parser().parse_args(["backup", "--out", "b", "--db", "x.duckdb"])
    remote.resolve(args, tmp_path, "/elsewhere/tracker.duckdb")
    assert args.out == str(tmp_path / "b") and args.db == str(tmp_path / "x.duckdb")


def test_every_argument_naming_a_file_is_resolved():
    """A new option naming a file must join remote.PATH_DESTS, or a relative path would be the app's."""
    import argparse
    import re

    from tracker.cli import build_parser

    def actions(parser):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    yield from actions(sub)
            else:
                yield action

    for action in actions(build_parser()):
        if re.search(r"(文件|目录)(?!中)", action.help or ""):  # not 「文件中每行的“单位”列」
            assert action.dest in remote.PATH_DESTS, action.option_strings or action.dest


def test_an_app_older_than_the_command_line_takes_no_command(tmp_path):
    """A command line knowing a migration the app does not: the app declines, and the command line says
    what it said before the route existed (exit 4, tests/test_cli_errors.py)."""
    asked = {"protocol": remote.PROTOCOL, "schema": remote.SCHEMA + 1, "argv": ["init"], "cwd": str(tmp_path)}
    assert remote.run_here(asked, tmp_path / "x.duckdb", None) == {"too_old": True}
    import socket

    with socket.socket() as s:  # a port nobody listens on: an app gone, or one without the route
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(remote.Unreachable):
        remote.forward(["init"], tmp_path / "x.duckdb", {"port": port, "base": "", "secret": "0" * 64}, None)
