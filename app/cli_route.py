"""The command line's way into the running app (issue 23): `POST /_tracker/cli`, mounted by server.py.

DuckDB lets one process hold the file, and the app holds it; so a command started beside the app (tracker.cli:
`python -m tracker user add …`) sends its argv, cwd and stdin here, and the app runs the same command code on its
own connection (tracker/cli/remote.py) and answers with stdout, stderr and the exit code as JSON.

Refused unless the peer is a loopback address (403) and the `X-Tracker-Secret` header holds the secret the app
wrote beside its database when it opened it (401) — `tracker.cli-secret`, readable by its owner only."""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging

import duckdb
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tracker.cli import remote

_mounted: list[bool] = []  # set when server.py mounts the route in this process
_served: dict = {}  # the app's database file, connection and secret, once it opened the file


def loopback(host: str | None) -> bool:
    """Whether the peer's address is this machine's own (127.0.0.0/8, ::1, ::ffff:127.0.0.1)."""
    try:
        address = ipaddress.ip_address(host or "")
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


def serve(con: duckdb.DuckDBPyConnection, db_file: str) -> None:
    """Called when the app has opened its database: the secret and port go beside it for the command line.
    Nothing under `streamlit run dashboard.py` (no route) or for a database in memory."""
    if not _mounted or str(db_file) == ":memory:":
        return
    from streamlit import config

    from app.web_routes import base_path

    try:
        secret = remote.publish(db_file, int(config.get_option("server.port")), base_path())
    except OSError as exc:  # a folder the app may not write: the app runs, the command line says to stop it
        logging.getLogger("tracker.app.start").warning("no command route: cannot write %s: %s", db_file, exc)
        return
    _served.update(db=db_file, con=con, secret=secret)


async def command(request: Request) -> Response:
    if not loopback(request.client.host if request.client else None):
        return Response(status_code=403)
    if not _served:  # the app has not opened its database yet: the command line opens it itself
        return Response(status_code=503)
    given = request.headers.get(remote.HEADER, "").encode("utf-8", "replace")
    if not hmac.compare_digest(given, _served["secret"].encode("ascii")):
        return Response(status_code=401)
    if int(request.headers.get("content-length") or 0) > remote.MAX_BODY:
        return Response(status_code=413)
    body = await request.body()
    if len(body) > remote.MAX_BODY:
        return Response(status_code=413)
    try:
        sent = json.loads(body)
        if not (isinstance(sent["argv"], list) and isinstance(sent["cwd"], str)):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        return Response(status_code=400)
    answer = await run_in_threadpool(remote.run_here, sent, _served["db"], _served["con"])
    return JSONResponse(answer, headers={"Cache-Control": "no-store"})


def routes(base: str) -> list[Route]:
    _mounted.append(True)
    return [Route(base + remote.ROUTE, command, methods=["POST"])]
