"""Streamlit glue, between pages/ and tracker/: the connection and caches (webapp, cached), sign-in state
(session, web_routes), the menu (navigation) and the office pages' helpers (office_web). The one place below
pages/ that imports streamlit; tracker/ never imports this package."""

from app.state import register_language

register_language()
