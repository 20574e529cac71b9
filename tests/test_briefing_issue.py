"""印发并存档 (issue 13): the office issues the briefing under a 文号 and 期数; the archive keeps the exact bytes.

On the scenario of tests/test_briefing.py, as of 2024-03-15.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging

import docx
import pytest

from tests.scenario import add
from tests.test_briefing import AS_OF, OFFICE, scenario
from tracker import bootstrap
from tracker.access import audit
from tracker.access.auth import Actor, PermissionDenied
from tracker.reports import briefing_issue
from tracker.reports.briefing_issue import IssueError

WHEN = dt.datetime(2024, 3, 16, 10, 30)


@pytest.fixture()
def con():
    con = bootstrap.connect(":memory:")
    scenario(con)
    yield con
    con.close()


def paragraphs(data: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(data)).paragraphs if p.text]


def test_issue_archives_the_exact_document(con, caplog):
    with caplog.at_level(logging.INFO, logger="tracker.service"):
        issued = briefing_issue.issue(con, OFFICE, AS_OF, "扎创卫办〔2024〕7号", "2", now=WHEN)
    assert issued.sha256 == hashlib.sha256(issued.data).hexdigest()
    assert issued.file_name == "创卫工作进展通报-2024-03-15-扎创卫办〔2024〕7号.docx"
    assert paragraphs(issued.data)[1:3] == ["第2期", "扎创卫办〔2024〕7号"]
    archive = briefing_issue.archive(con)
    row = archive.iloc[0]
    assert len(archive) == 1
    assert (row["number"], row["issue_no"], row["as_of"], bool(row["known_then"])) == (
        "扎创卫办〔2024〕7号",
        "第2期",
        AS_OF,
        False,
    )
    assert (row["issued_by"], row["issued_at"].to_pydatetime(), row["size"]) == (
        "王主任",
        WHEN,
        len(issued.data),
    )
    # downloaded again later — after new data changed what a fresh briefing would say — the same bytes
    add(con, "10.3", "2023年", 85, recorded_at="2024-04-01 09:00:00")
    for _ in range(2):
        name, data = briefing_issue.stored(con, issued.id)
        assert name == issued.file_name
        assert hashlib.sha256(data).hexdigest() == issued.sha256 == row["sha256"]
    # audited in the chain, logged with actor and action
    entry = con.execute(
        "SELECT actor, target, after_json FROM audit_log WHERE action = 'briefing_issue'"
    ).fetchone()
    assert entry[:2] == ("王主任", f"briefing:{issued.id}") and issued.sha256 in entry[2]
    assert audit.verify(con).ok
    lines = [r.getMessage() for r in caplog.records if r.name == "tracker.service"]
    assert any("actor=王主任 action=issue_briefing" in m and "outcome=ok" in m for m in lines), lines


def test_a_number_is_used_once(con):
    briefing_issue.issue(con, OFFICE, AS_OF, "扎创卫办〔2024〕7号", "2", now=WHEN)
    with pytest.raises(IssueError) as refused:
        briefing_issue.issue(con, OFFICE, dt.date(2024, 3, 31), " 扎创卫办〔2024〕7号", "3")
    assert str(refused.value) == (
        "文号“扎创卫办〔2024〕7号”已于2024-03-16 10:30由王主任印发（截至2024年3月15日的通报），不能重复使用。"
        "请换用新的文号"
    )
    assert len(briefing_issue.archive(con)) == 1


def test_a_number_is_required(con):
    for number in ("", "   ", None):
        with pytest.raises(IssueError, match="请填写文号"):
            briefing_issue.issue(con, OFFICE, AS_OF, number)
    with pytest.raises(IssueError, match="文号过长"):
        briefing_issue.issue(con, OFFICE, AS_OF, "号" * 61)
    assert briefing_issue.archive(con).empty


@pytest.mark.parametrize(
    ("actor", "why"),
    [
        (Actor("李市长", "leader"), "领导账号只能查看"),
        (Actor("城管上报员", "reporter", "城管执法局"), "只有创卫办管理员"),
    ],
    ids=["leader", "reporter"],
)
def test_only_the_office_issues(con, actor, why):
    with pytest.raises(PermissionDenied, match=why):
        briefing_issue.issue(con, actor, AS_OF, "扎创卫办〔2024〕8号")
    assert briefing_issue.archive(con).empty
    assert con.execute("SELECT count(*) FROM audit_log WHERE action = 'briefing_issue'").fetchone()[0] == 0


def test_issued_as_known_then(con):
    add(con, "10.3", "2023年", 85, recorded_at="2024-04-01 09:00:00")
    issued = briefing_issue.issue(con, OFFICE, AS_OF, "扎创卫办〔2024〕9号", known_then=True, now=WHEN)
    text = "\n".join(paragraphs(issued.data))
    assert "（按当时已知）" in text
    assert bool(briefing_issue.archive(con).iloc[0]["known_then"])


def test_an_unknown_archive_entry(con):
    with pytest.raises(IssueError, match="没有编号为 99 的已印发通报"):
        briefing_issue.stored(con, 99)
