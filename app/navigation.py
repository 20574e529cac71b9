"""Every page of the app, as data: where it lives, its menu title, and which roles may open it.
dashboard.py builds the menu from this list per role; each page checks the same list again (`session.guard`),
so a deep link cannot open a page the menu would not offer."""

from __future__ import annotations

from tracker.strings.ui import t

ALL = ("admin", "reporter", "leader")
OFFICE_AND_LEADERS = ("admin", "leader")

PAGES: list[dict] = [
    {"url": "login", "path": "pages/login.py", "section": "nav_account", "title": "page_login", "icon": ":material/login:", "roles": ()},
    {"url": "overview", "path": "pages/overview.py", "section": "nav_monitor", "title": "page_overview", "icon": ":material/dashboard:", "roles": ALL},
    {"url": "item", "path": "pages/item.py", "section": "nav_monitor", "title": "page_item", "icon": ":material/fact_check:", "roles": ALL},
    {"url": "unit", "path": "pages/unit.py", "section": "nav_monitor", "title": "page_unit", "icon": ":material/apartment:", "roles": ALL},
    {"url": "phases", "path": "pages/phases.py", "section": "nav_monitor", "title": "page_phases", "icon": ":material/timeline:", "roles": ALL},
    {"url": "upload", "path": "pages/upload.py", "section": "nav_report", "title": "page_upload", "icon": ":material/upload_file:", "roles": ("admin", "reporter")},
    {"url": "submissions", "path": "pages/submissions.py", "section": "nav_report", "title": "page_submissions", "icon": ":material/history:", "roles": ALL},
    {"url": "late", "path": "pages/late.py", "section": "nav_office", "title": "page_late", "icon": ":material/schedule:", "roles": OFFICE_AND_LEADERS},
    {"url": "tasks", "path": "pages/tasks.py", "section": "nav_office", "title": "page_tasks", "icon": ":material/assignment:", "roles": ALL},
    {"url": "inspections", "path": "pages/inspections.py", "section": "nav_office", "title": "page_inspections", "icon": ":material/travel_explore:", "roles": ALL},
    {"url": "acceptance", "path": "pages/acceptance.py", "section": "nav_office", "title": "page_acceptance", "icon": ":material/verified:", "roles": OFFICE_AND_LEADERS},
    {"url": "reports", "path": "pages/reports.py", "section": "nav_office", "title": "page_reports", "icon": ":material/summarize:", "roles": OFFICE_AND_LEADERS},
    {"url": "users", "path": "pages/users.py", "section": "nav_admin", "title": "page_users", "icon": ":material/group:", "roles": ("admin",)},
    {"url": "audit", "path": "pages/audit.py", "section": "nav_admin", "title": "page_audit", "icon": ":material/policy:", "roles": ("admin",)},
    {"url": "password", "path": "pages/password.py", "section": "nav_account", "title": "page_password", "icon": ":material/key:", "roles": ALL},
]  # fmt: skip


HOME = {"reporter": "unit"}  # a reporter lands on its own unit's page; everyone else on the overview


def home(role: str | None) -> str:
    """The url of the page a signed-in user of this role lands on."""
    return HOME.get(role or "", "overview")


def label(key: str) -> str:
    """A menu word in the chosen language."""
    return t(key)


def page(url: str) -> dict:
    return next(p for p in PAGES if p["url"] == url)


def allowed(entry: dict, role: str | None) -> bool:
    return role in entry["roles"] if role else entry["roles"] == ()
