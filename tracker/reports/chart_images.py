"""PNG images of plotly figures through one long-lived headless Chromium (kaleido).

Why: plotly's `to_image` starts a browser for every image and closes it again — 2.5–4 s each on the demo machine,
most of the 7–11 s the briefing took (measured with cProfile, issue 13). Here one browser is opened once, on the first
request or ahead of it (`warm()`, called when a page that offers the briefing is shown and at the start of the
briefing's own data gathering, so the browser starts while DuckDB works), renders the charts (~0.3 s each), and is
closed after ten idle minutes and at exit.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import threading
from concurrent.futures import Future

IDLE_SECONDS = 600
# One tab: a second one drew both charts ≈ 0.2 s sooner but took 1–2 s longer to open (each tab loads plotly.js;
# measured on the two shared cores), and the first briefing after a start waits for the opening.
TABS = 1
START_TIMEOUT = 60
RENDER_TIMEOUT = 60


async def _open():
    import kaleido

    # mathjax=False: no formula is drawn, and kaleido would otherwise point the page at a CDN this machine cannot reach
    browser = kaleido.Kaleido(n=TABS, mathjax=False)
    await browser.open()
    return browser


async def _render(browser, figures: list, opts: dict) -> list[bytes]:
    return list(await asyncio.gather(*(browser.calc_fig(f, opts=opts) for f in figures)))


class ChartRenderer:
    """One browser per process, shared by every thread (Streamlit runs each session in its own)."""

    def __init__(self, idle_seconds: float = IDLE_SECONDS):
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._session: Future | None = None  # resolves to an open kaleido.Kaleido
        self._busy = 0
        self._idle_handle: asyncio.TimerHandle | None = None
        self._idle_seconds = idle_seconds

    def _ensure(self) -> tuple[asyncio.AbstractEventLoop, Future]:
        """The loop thread and the browser being opened or open (caller holds the lock)."""
        if self._loop is None:
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="chart-renderer", daemon=True).start()
            self._loop = loop
            atexit.register(self.close)
        if self._session is None:
            self._session = asyncio.run_coroutine_threadsafe(_open(), self._loop)
            self._loop.call_soon_threadsafe(self._arm_idle)
        return self._loop, self._session

    def warm(self) -> None:
        """Start the browser now without waiting for it."""
        with self._lock:
            self._ensure()

    def running(self) -> bool:
        with self._lock:
            return self._session is not None

    def render(self, figures: list, width: int, height: int, scale: float) -> list[bytes]:
        """PNG bytes of each figure. A browser that died since the last call is replaced once."""
        opts = {"format": "png", "width": width, "height": height, "scale": scale}
        for attempt in (1, 2):
            with self._lock:
                loop, session = self._ensure()
                self._busy += 1
            try:
                browser = session.result(timeout=START_TIMEOUT)
                return asyncio.run_coroutine_threadsafe(_render(browser, figures, opts), loop).result(
                    timeout=RENDER_TIMEOUT
                )
            except Exception:
                if attempt == 2:
                    raise
                self._discard(session)
            finally:
                with self._lock:
                    self._busy -= 1
                loop.call_soon_threadsafe(self._arm_idle)
        raise AssertionError("unreachable")

    # ------------------------------------------------------------ closing

    def _arm_idle(self) -> None:
        """(loop thread) Close the browser once nothing has used it for idle_seconds."""
        if self._idle_handle is not None:
            self._idle_handle.cancel()
        self._idle_handle = self._loop.call_later(self._idle_seconds, self._close_if_idle)

    def _close_if_idle(self) -> None:
        with self._lock:
            if self._busy or self._session is None:
                return
            session, self._session = self._session, None
        asyncio.ensure_future(self._close_session(session))

    @staticmethod
    async def _close_session(session: Future) -> None:
        """Close the session's browser, once it has opened if it is still opening (never leave one behind)."""
        try:
            browser = await asyncio.wrap_future(session)
        except Exception:  # noqa: BLE001 — it never opened: nothing to close
            return
        await browser.close()

    def _discard(self, session: Future) -> None:
        with self._lock:
            if self._session is session:
                self._session = None
            loop = self._loop
        if loop is not None:
            # a browser that failed to render may still be running: close it, never leave it behind
            asyncio.run_coroutine_threadsafe(self._close_session(session), loop)

    def close(self) -> None:
        """Close the browser and wait for it (at exit, and in tests)."""
        with self._lock:
            session, self._session = self._session, None
            loop = self._loop
        if session is None or loop is None:
            return
        with contextlib.suppress(
            Exception
        ):  # a browser that already died, or one that would not close in time
            asyncio.run_coroutine_threadsafe(self._close_session(session), loop).result(timeout=START_TIMEOUT)


RENDERER = ChartRenderer()
