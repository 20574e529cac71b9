"""The item page's 档案资料 (issue 24, finding 10): the page reads only the item's evidence files, and lists
exactly the rows the archive holds for the item as evidence (not its 督办通知, shown on the unit page)."""

from __future__ import annotations

import datetime as dt
import shutil

import pandas as pd
import pytest

from tests.conftest import TODAY
from tracker import bootstrap
from tracker.access.auth import Actor
from tracker.catalogue import catalogue
from tracker.inspections import findings
from tracker.office import acceptance, evidence
from tracker.office.verification import verify
from tracker.reports import archive, reminders

CAT = catalogue()
OFFICE = Actor("王主任", "admin")
PDF = b"%PDF-1.4\n" + b"stream " * 200 + b"\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4
NOW = dt.datetime(2026, 11, 20, 9, 30)


def attach_every_kind(con) -> None:
    """Evidence on a verified 「是」, a pending one, a 「否」, a figure, a task, an acceptance, an item, a finding,
    one removed again; and a 督办通知 (archived with its items, never on the item page)."""
    yesno = [m.code for m in CAT.metrics if m.vtype.answer]
    answers = con.execute(
        "SELECT id, metric, period_label, unit, value FROM measurement WHERE metric IN (SELECT unnest($m))"
        " ORDER BY metric, period_start DESC, id",
        {"m": yesno},
    ).fetchall()
    yes = [a for a in answers if a[4] >= 0.5 and a[3] != "创卫办"]
    no = [a for a in answers if a[4] < 0.5]
    verify(con, yes[0][1], yes[0][2], OFFICE, "现场检查记录", now=NOW)
    for mid, *_ in (yes[0], yes[-1], no[0]):
        evidence.attach_file(con, PDF, f"答案{mid}.pdf", "measurement", mid, OFFICE, "说明", now=NOW)
    figure = con.execute(
        "SELECT id FROM measurement WHERE metric NOT IN (SELECT unnest($m)) ORDER BY id LIMIT 1", {"m": yesno}
    ).fetchone()[0]
    evidence.attach_file(con, JPEG, "台账.jpg", "measurement", figure, OFFICE, now=NOW)
    task = con.execute("SELECT min(id) FROM task").fetchone()[0]
    evidence.attach_file(con, JPEG, "整改照片.jpg", "task", task, OFFICE, now=NOW)
    accepted = acceptance.accept(con, 12, OFFICE, TODAY, "", files=[(PDF, "验收记录.pdf")])
    assert accepted
    evidence.attach_file(con, PDF, "会议纪要.pdf", "item", 2, OFFICE, now=NOW)
    gone = evidence.attach_file(con, JPEG + b"gone", "传错.jpg", "item", 2, OFFICE, now=NOW)
    evidence.remove(con, gone, OFFICE, "传错了")
    finding = con.execute("SELECT min(id) FROM finding").fetchone()[0]
    assert findings.get(con, finding)
    evidence.attach_file(con, JPEG, "现场.jpg", "finding", finding, OFFICE, now=NOW)
    late = reminders.owed(con, TODAY, CAT)["unit"].iloc[0]  # a unit owing figures on the demo
    reminders.send(con, OFFICE, TODAY, "创卫办督〔2026〕9号", late)


def values(frame: pd.DataFrame) -> list[tuple]:
    """The rows as the page reads them: a missing value is None whatever the column's dtype (the archive's
    columns are nullable where its 督办通知 rows leave a gap; the page tests isinstance and notna)."""
    return [tuple(None if pd.isna(v) else v for v in row) for row in frame.itertuples(index=False)]


@pytest.fixture(params=["demo", "with files"])
def page_db(request, demo_db, tmp_path, monkeypatch):
    from app import webapp

    path = tmp_path / "item.duckdb"
    shutil.copy(demo_db, path)
    if request.param == "with files":
        con = bootstrap.connect(path)
        attach_every_kind(con)
        con.close()
    monkeypatch.setenv("TRACKER_DB", str(path))
    webapp._connection.clear()
    yield request.param
    webapp._connection.clear()


def test_the_item_page_lists_the_items_evidence_as_the_archive_does(page_db):
    from app import evidence_web, webapp

    con = webapp.cursor()
    whole = archive.archive_rows(con, None, CAT)
    seen = 0
    for item in CAT.items:
        got = evidence_web.item_files(item.code)
        rows = archive.archive_rows(con, [item.code], CAT)
        expected = rows[rows["source"] == "evidence"].reset_index(drop=True)
        assert list(got.columns) == list(expected.columns)
        assert values(got) == values(expected)
        assert got["link_id"].tolist() == whole[whole["item"] == item.code]["link_id"].dropna().tolist()
        seen += len(got)
    if page_db == "with files":
        assert seen == 8  # every kind above, the removed one and the 督办通知 not
        assert (whole["source"] == "reminder").any()
    else:
        assert seen == 0
