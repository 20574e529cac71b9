"""The app's own download routes, for files that must not sit in Streamlit's media store (served at
`/media/<id>` to anyone holding the address, with no sign-in, for as long as the store keeps them):

- `GET /api/archive[?item=N]` — 「导出档案」, the review archive, for any signed-in user (the item page shows the
  same files to everyone signed in); audited (`archive_download`) and limited per session.
- `GET /api/evidence?link=N` — one evidence file, for any signed-in user.
- `GET /api/backup` — the whole database as a zip (password hashes included), for the office's administrator
  only; audited by the backup itself and limited per session.

The zips are written to a temporary file in bounded memory, opened, and their name removed at once; the open
handle is closed when the answer ends, sent or cut off (a cancelled download leaves nothing open).

Who is asking comes from the sign-in cookie (tracker.access.web_sessions.resume, as a reload does): no cookie,
an ended or idle session, or an account that must still change its password gets 403. Mounted by server.py
through app.web_routes; under `streamlit run dashboard.py` (no routes) the pages fall back to the download
button (`mounted()` says which)."""

from __future__ import annotations

import collections
import datetime as dt
import os
import threading
import time
from pathlib import Path
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from tracker import backup, logs
from tracker.access import audit, web_sessions
from tracker.catalogue import catalogue
from tracker.office import evidence
from tracker.reports import archive

PATH = "/api/archive"
EVIDENCE_PATH = "/api/evidence"
BACKUP_PATH = "/api/backup"
# A zip of every evidence file or of the whole database costs the server seconds of CPU and its size in disk:
# a session may ask for a few in a row (a retry, one item then another), not a loop of them.
LIMIT, WINDOW_SECONDS = 6, 600
_mounted: list[bool] = []  # set when server.py mounts the route in this process
_asked: dict[str, collections.deque] = collections.defaultdict(collections.deque)
_asked_lock = threading.Lock()


def mounted() -> bool:
    return bool(_mounted)


def url(base: str, item: int | None = None) -> str:
    return f"{base}{PATH}" + ("" if item is None else f"?item={item}")


def evidence_url(base: str, link_id: int) -> str:
    return f"{base}{EVIDENCE_PATH}?link={int(link_id)}"


def backup_url(base: str) -> str:
    return f"{base}{BACKUP_PATH}"


def _signed_in(con, token: str | None):
    """(session id, account) behind the cookie, or None (no session, or the password must change first)."""
    resumed = web_sessions.resume(con, token)
    if resumed is None or resumed[1].must_change:
        return None
    return resumed


def _allowed(sid: str, now: float | None = None) -> bool:
    """Whether this session may have one more zip now (at most LIMIT in WINDOW_SECONDS); counts it if so."""
    now = time.monotonic() if now is None else now
    with _asked_lock:
        times = _asked[sid]
        while times and times[0] <= now - WINDOW_SECONDS:
            times.popleft()
        if len(times) >= LIMIT:
            return False
        times.append(now)
        return True


class _FileAnswer(StreamingResponse):
    """The open temporary file sent in chunks, closed when the answer ends however it ends: a client that
    goes away mid-download cancels the send, and a generator left unfinished would hold the file until the
    garbage collector found it."""

    def __init__(self, handle, size: int, name: str, ascii_name: str, media_type: str):
        self.handle = handle

        def chunks():
            while block := handle.read(archive.SLICE):
                yield block

        disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
        headers = {
            "Content-Disposition": disposition,
            "Content-Length": str(size),
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        }
        super().__init__(chunks(), media_type=media_type, headers=headers)

    async def __call__(self, scope, receive, send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.handle.close()


def _answer(built, ascii_name: str, media_type: str = "application/zip") -> Response:
    if isinstance(built, int):
        return Response(status_code=built)
    path, name = built
    handle = open(path, "rb")  # noqa: SIM115 — closed by _FileAnswer when the answer ends
    path.unlink()  # the open handle keeps the bytes; nothing is left behind by name
    return _FileAnswer(handle, os.fstat(handle.fileno()).st_size, name, ascii_name, media_type)


def _build_archive(token: str | None, item: int | None) -> tuple[Path, str] | int:
    from app import webapp  # the app's one DuckDB connection (one process holds the file)

    con = webapp.cursor()
    signed = _signed_in(con, token)
    if signed is None:
        return 403
    if not _allowed(signed[0]):
        return 429
    who = signed[1].actor.name
    target = f"item:{item or 'all'}"
    with logs.action(who, "archive_download", target):
        audit.record(con, who, "archive_download", target, detail="导出档案")
        path = archive.archive_file(con, None if item is None else [item], webapp.cat())
    return path, archive.archive_name(dt.date.today(), item)


async def download(request: Request) -> Response:
    raw = request.query_params.get("item")
    item = None
    if raw is not None:
        if not raw.isdigit() or int(raw) not in {i.code for i in catalogue().items}:
            return Response(status_code=404)
        item = int(raw)
    built = await run_in_threadpool(_build_archive, request.cookies.get(web_sessions.COOKIE), item)
    return _answer(built, "archive.zip" if item is None else f"archive-item{item:02d}.zip")


def _build_backup(token: str | None) -> tuple[Path, str] | int:
    from app import webapp

    con = webapp.cursor()
    signed = _signed_in(con, token)
    if signed is None or signed[1].actor.role != "admin":
        return 403
    if not _allowed(signed[0]):
        return 429
    return backup.backup_zip_file(con, signed[1].actor.name), f"tracker-backup-{dt.date.today():%Y%m%d}.zip"


async def backup_download(request: Request) -> Response:
    built = await run_in_threadpool(_build_backup, request.cookies.get(web_sessions.COOKIE))
    return _answer(built, "tracker-backup.zip")


def _read_evidence(token: str | None, raw: str | None) -> tuple[bytes, str, str] | int:
    from app import webapp

    con = webapp.cursor()
    if _signed_in(con, token) is None:
        return 403
    if raw is None or not raw.isdigit() or len(raw) > 18:
        return 404
    return evidence.linked_file(con, int(raw)) or 404


async def evidence_download(request: Request) -> Response:
    read = await run_in_threadpool(
        _read_evidence, request.cookies.get(web_sessions.COOKIE), request.query_params.get("link")
    )
    if isinstance(read, int):
        return Response(status_code=read)
    data, mime, name = read
    suffix = Path(name).suffix if Path(name).suffix.isascii() else ""
    disposition = f"attachment; filename=\"evidence{suffix}\"; filename*=UTF-8''{quote(name)}"
    headers = {
        "Content-Disposition": disposition,
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return Response(data, media_type=mime, headers=headers)


def routes(base: str) -> list[Route]:
    _mounted.append(True)
    return [
        Route(base + PATH, download, methods=["GET"]),
        Route(base + EVIDENCE_PATH, evidence_download, methods=["GET"]),
        Route(base + BACKUP_PATH, backup_download, methods=["GET"]),
    ]
