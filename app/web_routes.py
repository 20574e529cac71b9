"""The app's own HTTP route, mounted by server.py through st.App: the page exchanges a sign-in's one-time handoff
code for the session cookie (tracker.access.web_sessions). A WebSocket cannot set a cookie, and an HttpOnly one
must come from an HTTP answer: this is that answer.

`POST /api/session` with the code as the body → 204 and `Set-Cookie: tracker_session=…; HttpOnly;
SameSite=Strict; Path=/`, or 403. Cross-site posts are refused by their Origin header.

Also mounted here: the downloads that must not sit in Streamlit's media store (app/archive_route.py): the
review archive, evidence files and the backup."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tracker.access import web_sessions

PATH = "/api/session"


def base_path() -> str:
    """Streamlit's server.baseUrlPath as a URL prefix ("" or "/tracker")."""
    from streamlit import config

    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None:  # same-origin fetches without an Origin header (older browsers): SameSite guards
        return True
    host = request.headers.get("x-forwarded-host") or request.headers.get("host") or ""
    return origin.split("://", 1)[-1].rstrip("/") == host


def _exchange(code: str):
    from app import webapp  # the app's one DuckDB connection (one process holds the file)

    return web_sessions.exchange(webapp.cursor(), code)


async def exchange(request: Request) -> Response:
    if not _same_origin(request):
        return Response(status_code=403)
    body = await request.body()
    if len(body) > web_sessions.MAX_CODE:
        return Response(status_code=403)
    result = await run_in_threadpool(_exchange, body.decode("ascii", "replace").strip())
    if result is None:
        return Response(status_code=403)
    token, max_age = result
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    https = request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"
    response.set_cookie(
        web_sessions.COOKIE,
        token,
        max_age=max_age,
        path=base_path() or "/",
        httponly=True,
        samesite="strict",
        secure=https,
    )
    return response


def routes() -> list[Route]:
    from app import archive_route  # downloads behind the sign-in (issues 13, 22)

    return [Route(base_path() + PATH, exchange, methods=["POST"]), *archive_route.routes(base_path())]
