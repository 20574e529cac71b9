"""「导出档案」 streamed: `GET /api/archive[?item=N]` answers the review archive as a file streamed from disk, for
any signed-in user (the item page shows the same files to everyone signed in). st.download_button would hold
the whole zip in the server's memory; this route writes it to a temporary file in bounded memory
(tracker.office.archive), opens it and removes its name at once (the open handle keeps the bytes until the
last chunk is sent, so an interrupted download leaves nothing behind), and sends it in chunks.

Who is asking comes from the sign-in cookie (tracker.access.web_sessions.resume, as a reload does): no cookie,
an ended or idle session, or an account that must still change its password gets 403. Mounted by server.py
through app.web_routes; under `streamlit run dashboard.py` (no routes) the pages fall back to the download
button (`mounted()` says which)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from tracker import logs
from tracker.access import web_sessions
from tracker.engine.catalogue import catalogue
from tracker.office import archive

PATH = "/api/archive"
_mounted: list[bool] = []  # set when server.py mounts the route in this process


def mounted() -> bool:
    return bool(_mounted)


def url(base: str, item: int | None = None) -> str:
    return f"{base}{PATH}" + ("" if item is None else f"?item={item}")


def _build(token: str | None, item: int | None) -> tuple[Path, str] | None:
    from app import webapp  # the app's one DuckDB connection (one process holds the file)

    con = webapp.cursor()
    resumed = web_sessions.resume(con, token)
    if resumed is None or resumed[1].must_change:
        return None
    with logs.action(resumed[1].actor.name, "archive_download", f"item:{item or 'all'}"):
        path = archive.archive_file(con, None if item is None else [item], webapp.cat())
    return path, archive.archive_name(dt.date.today(), item)


async def download(request: Request) -> Response:
    raw = request.query_params.get("item")
    item = None
    if raw is not None:
        if not raw.isdigit() or int(raw) not in {i.code for i in catalogue().items}:
            return Response(status_code=404)
        item = int(raw)
    built = await run_in_threadpool(_build, request.cookies.get(web_sessions.COOKIE), item)
    if built is None:
        return Response(status_code=403)
    path, name = built
    size = path.stat().st_size
    handle = open(path, "rb")  # noqa: SIM115 — closed by the generator below, after the last chunk
    path.unlink()

    def chunks():
        with handle:
            while block := handle.read(archive.SLICE):
                yield block

    ascii_name = "archive.zip" if item is None else f"archive-item{item:02d}.zip"
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    headers = {"Content-Disposition": disposition, "Content-Length": str(size), "Cache-Control": "no-store"}
    return StreamingResponse(chunks(), media_type="application/zip", headers=headers)


def route(base: str) -> Route:
    _mounted.append(True)
    return Route(base + PATH, download, methods=["GET"])
