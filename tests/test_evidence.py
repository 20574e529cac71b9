"""档案资料 (issue 13): evidence files checked by content and size, stored once by sha256, attached by the unit
concerned or the office, every write audited; what each role may attach; reading them back."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile

import pytest

from app.markup import plain  # pages show data escaped (issue 22)
from tests.scenario import add
from tracker import bootstrap
from tracker.access.auth import SYSTEM, Actor, PermissionDenied
from tracker.access.users import create_user, set_disabled
from tracker.config import settings
from tracker.office import evidence
from tracker.office.evidence import EvidenceError
from tracker.office.tasks import open_task

OFFICE = Actor("王主任", "admin")
CITY = Actor("城管李", "reporter", "城管执法局")
OTHER = Actor("住建张", "reporter", "住建局")
LEADER = Actor("李市长", "leader")

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def office_zip(main_part: str, extra: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(main_part, "<x/>")
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buffer.getvalue()


def real_docx() -> bytes:
    from docx import Document

    buffer = io.BytesIO()
    doc = Document()
    doc.add_paragraph("爱卫会会议纪要")
    doc.save(buffer)
    return buffer.getvalue()


def real_xlsx() -> bytes:
    from openpyxl import Workbook

    buffer = io.BytesIO()
    book = Workbook()
    book.active["A1"] = "台账"
    book.save(buffer)
    return buffer.getvalue()


def seed(con) -> None:
    """城管执法局's 10.3 and 市委编办's 2.2 (tests/test_pg_evidence.py seeds PostgreSQL with them too)."""
    con.execute("INSERT INTO measurement (submission_id, metric, unit, period_start, period_end, period_label, "
                "value, recorded_at) VALUES (0, '10.3', '城管执法局', DATE '2025-01-01', DATE '2025-12-31', "
                "'2025年', 85, TIMESTAMP '2026-01-10 09:00:00')")  # fmt: skip
    add(con, "2.2", "2025年", 1)  # 市委编办's answer


@pytest.fixture
def con():
    con = bootstrap.connect(":memory:")
    seed(con)
    yield con
    con.close()


def mid(con, metric: str) -> int:
    return con.execute("SELECT id FROM measurement WHERE metric = ?", [metric]).fetchone()[0]


def audit_actions(con) -> list[tuple[str, str, str]]:
    return con.execute("SELECT actor, action, target FROM audit_log ORDER BY id").fetchall()


# ---------------------------------------------------------------- by content


@pytest.mark.parametrize(
    ("data", "name", "mime"),
    [
        (PDF, "会议纪要.pdf", "application/pdf"),
        (JPEG, "现场照片.JPG", "image/jpeg"),
        (JPEG, "现场照片.jpeg", "image/jpeg"),
        (PNG, "截图.png", "image/png"),
        (real_docx(), "方案.docx", evidence.DOCX.mime),
        (real_xlsx(), "台账.xlsx", evidence.XLSX.mime),
    ],
)
def test_accepted_types_are_told_by_content(con, data, name, mime):
    sha = evidence.store_file(con, data, name, OFFICE)
    assert sha == hashlib.sha256(data).hexdigest()
    assert con.execute("SELECT mime, size, first_name FROM evidence_file").fetchone() == (
        mime,
        len(data),
        name,
    )


@pytest.mark.parametrize(
    ("data", "name", "reason", "words"),
    [
        (b"", "空.pdf", "empty", "文件为空"),
        (
            b"MZ\x90\x00 this is an exe",
            "报告.pdf",
            "bad_type",
            "类型不符：「报告.pdf」的内容不是PDF/JPG/PNG/DOCX/XLSX",
        ),
        (b"<html><script>", "照片.jpg", "bad_type", "类型不符"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "旧表.xls", "bad_type", "另存为 .docx/.xlsx"),
        (PDF, "照片.jpg", "bad_type", "内容是PDF，文件名应以 .pdf 结尾"),
        (JPEG, "无扩展名", "bad_type", ".jpg / .jpeg"),
        (b"PK\x03\x04 broken zip", "坏.docx", "bad_type", "不是完整的 DOCX/XLSX"),
        (
            office_zip("content.xml"),
            "开放文档.docx",
            "bad_type",
            "类型不符",
        ),  # a zip, but no word/ or xl/ part
    ],
)
def test_refused_files_say_why_and_store_nothing(con, data, name, reason, words):
    with pytest.raises(EvidenceError, match=words) as caught:
        evidence.store_file(con, data, name, OFFICE)
    assert caught.value.reason == reason
    assert con.execute("SELECT count(*) FROM evidence_file").fetchone()[0] == 0


def test_a_file_over_the_limit_is_refused_with_its_size(con, monkeypatch):
    monkeypatch.setitem(settings(), "max_evidence_mb", 1)
    data = PDF + b"0" * (1024 * 1024)
    with pytest.raises(
        EvidenceError, match=r"文件过大：「大.pdf」为 1.0 MB，佐证材料每个文件不超过 1 MB"
    ) as caught:
        evidence.store_file(con, data, "大.pdf", OFFICE)
    assert caught.value.reason == "too_large"


def test_the_default_limit_is_the_settings_twenty_megabytes():
    assert settings()["max_evidence_mb"] == 20
    assert evidence.max_bytes() == 20 * 1024 * 1024


def test_a_zip_bomb_dressed_as_docx_is_refused_without_unpacking(con):
    bomb = office_zip("word/document.xml", {"word/media/pad.bin": b"\0" * (50 * 1024 * 1024)})
    assert len(bomb) < 200_000  # 50 MB of zeros compress to almost nothing
    with pytest.raises(EvidenceError, match="解压后过大或压缩比异常") as caught:
        evidence.store_file(con, bomb, "方案.docx", OFFICE)
    assert caught.value.reason == "zip_bomb"


def test_a_zip_of_many_parts_is_refused(con, monkeypatch):
    monkeypatch.setattr(evidence, "MAX_PARTS", 50)
    many = office_zip("xl/workbook.xml", {f"xl/p{i}.xml": b"<x/>" for i in range(60)})
    with pytest.raises(EvidenceError, match="压缩比异常"):
        evidence.store_file(con, many, "台账.xlsx", OFFICE)


def test_a_path_in_the_name_is_dropped(con):
    evidence.store_file(con, PDF, "C:\\Users\\王\\Desktop\\纪要.pdf", OFFICE)
    evidence.store_file(con, PNG, "../../etc/图.png", OFFICE)
    assert sorted(r[0] for r in con.execute("SELECT first_name FROM evidence_file").fetchall()) == [
        "图.png",
        "纪要.pdf",
    ]


# ---------------------------------------------------------------- stored once, attached with who and when


def test_the_same_bytes_are_stored_once_and_attached_twice(con):
    when = dt.datetime(2026, 3, 1, 10, 0)
    a = evidence.attach_file(
        con, PDF, "纪要.pdf", "measurement", mid(con, "10.3"), OFFICE, "会议纪要", now=when
    )
    b = evidence.attach_file(con, PDF, "纪要-副本.pdf", "item", 9, OFFICE, now=when)
    assert a != b
    assert con.execute("SELECT count(*) FROM evidence_file").fetchone()[0] == 1
    files = evidence.files_for(con, "measurement", mid(con, "10.3"))
    assert files[["file_name", "attached_by", "note", "mime"]].values.tolist() == [
        ["纪要.pdf", "王主任", "会议纪要", "application/pdf"]
    ]
    assert files["attached_at"].iloc[0] == when
    assert evidence.files_for(con, "item", "9")["file_name"].tolist() == ["纪要-副本.pdf"]
    data, mime, name = evidence.read_file(con, files["sha256"].iloc[0])
    assert (data, mime, name) == (PDF, "application/pdf", "纪要.pdf")
    # the same file on the same target again: the same link, nothing written
    entries = len(audit_actions(con))
    assert evidence.attach_file(con, PDF, "纪要.pdf", "measurement", mid(con, "10.3"), OFFICE) == a
    assert len(audit_actions(con)) == entries


def test_store_then_attach_and_every_write_is_audited(con):
    sha = evidence.store_file(con, JPEG, "现场.jpg", CITY)
    link = evidence.attach(con, sha, "measurement", str(mid(con, "10.3")), CITY, note="整改后照片")
    assert link > 0
    assert [a[1:] for a in audit_actions(con)] == [
        ("evidence_store", f"file:{sha[:16]}"),
        ("evidence_attach", f"measurement:{mid(con, '10.3')}"),
    ]
    after = json.loads(
        con.execute("SELECT after_json FROM audit_log WHERE action = 'evidence_attach'").fetchone()[0]
    )
    assert after["sha256"] == sha and after["file_name"] == "现场.jpg"


def test_ids_are_stored_as_the_archive_joins_them(con):
    evidence.attach_file(con, PDF, "a.pdf", "item", " 010 ", OFFICE)
    evidence.attach_file(con, PNG, "b.png", "measurement", f"0{mid(con, '10.3')}", OFFICE)
    assert evidence.files_for(con, "item", 10)["file_name"].tolist() == ["a.pdf"]
    assert evidence.files_for(con, "measurement", mid(con, "10.3"))["file_name"].tolist() == ["b.png"]


def test_files_for_several_targets_at_once(con):
    evidence.attach_file(con, PDF, "a.pdf", "measurement", mid(con, "10.3"), OFFICE)
    evidence.attach_file(con, PNG, "b.png", "measurement", mid(con, "2.2"), OFFICE)
    files = evidence.files_for(con, "measurement", [mid(con, "10.3"), mid(con, "2.2")])
    assert sorted(files["file_name"]) == ["a.pdf", "b.png"]


def test_removal_keeps_the_row_and_is_audited(con):
    link = evidence.attach_file(con, PDF, "a.pdf", "measurement", mid(con, "10.3"), CITY)
    with pytest.raises(EvidenceError, match="移除理由"):
        evidence.remove(con, link, CITY, "")
    with pytest.raises(PermissionDenied):
        evidence.remove(con, link, OTHER, "传错了")
    evidence.remove(con, link, CITY, "传错了")
    assert evidence.files_for(con, "measurement", mid(con, "10.3")).empty
    assert con.execute("SELECT removed_by FROM evidence_link").fetchone() == ("城管李",)
    assert audit_actions(con)[-1][1] == "evidence_remove"
    with pytest.raises(EvidenceError, match="已移除"):
        evidence.remove(con, link, OFFICE, "再移除")


# ---------------------------------------------------------------- who may attach what


@pytest.fixture
def placeholder_finding(monkeypatch):
    """'finding' as the office's own target, as before tracker.inspections registers the real one (whichever
    test imported it first in this process); the real target is tested in tests/test_inspections.py."""
    monkeypatch.setitem(evidence.TARGETS, "finding", evidence._office_only)


def test_a_reporter_attaches_to_its_own_units_measurements_and_tasks_only(con, placeholder_finding):
    evidence.attach_file(con, PDF, "a.pdf", "measurement", mid(con, "10.3"), CITY)
    with pytest.raises(PermissionDenied, match="只能为「住建局」操作"):
        evidence.attach_file(con, PDF, "a.pdf", "measurement", mid(con, "10.3"), OTHER)
    task = open_task(con, SYSTEM, "10.3", "提高机械化清扫率", dt.date(2026, 6, 30))
    evidence.attach_file(con, PNG, "整改.png", "task", task, CITY)
    with pytest.raises(PermissionDenied):
        evidence.attach_file(con, PNG, "整改.png", "task", task, OTHER)
    for target, target_id in (("item", 9), ("finding", "F-1")):
        with pytest.raises(PermissionDenied, match="只有创卫办"):
            evidence.attach_file(con, PDF, "a.pdf", target, target_id, CITY)
    refused = [a for a in audit_actions(con) if a[1] == "evidence_attach_refused"]
    assert [(a[0], a[2]) for a in refused] == [
        ("住建张", f"measurement:{mid(con, '10.3')}"),
        ("住建张", f"task:{task}"),
        ("城管李", "item:9"),
        ("城管李", "finding:F-1"),
    ]
    # a refused attachment keeps no file: only the PDF and PNG attached above are stored
    assert con.execute("SELECT count(*) FROM evidence_file").fetchone()[0] == 2


def test_the_office_attaches_to_anything_and_a_leader_to_nothing(con, placeholder_finding):
    task = open_task(con, SYSTEM, "10.3", "提高机械化清扫率", dt.date(2026, 6, 30))
    acceptance = con.execute(
        "INSERT INTO acceptance (item, accepted_on, accepted_by, evidence, recorded_at) "
        "VALUES (2, DATE '2026-03-01', '王主任', '检查记录', TIMESTAMP '2026-03-01 10:00:00') RETURNING id"
    ).fetchone()[0]
    for target, target_id in (
        ("measurement", mid(con, "2.2")),
        ("task", task),
        ("acceptance", acceptance),
        ("item", 2),
        ("finding", "F-7"),
    ):
        assert evidence.attach_file(con, PDF, "a.pdf", target, target_id, OFFICE) > 0
        with pytest.raises(PermissionDenied, match="领导账号只能查看"):
            evidence.attach_file(con, PDF, "a.pdf", target, target_id, LEADER)
    with pytest.raises(PermissionDenied, match="领导账号只能查看"):
        evidence.store_file(con, PDF, "a.pdf", LEADER)


def test_unknown_targets_are_named(con):
    with pytest.raises(EvidenceError, match="不能附加到「photo」"):
        evidence.attach_file(con, PDF, "a.pdf", "photo", 1, OFFICE)
    with pytest.raises(EvidenceError, match="没有报送数据「999」"):
        evidence.attach_file(con, PDF, "a.pdf", "measurement", 999, OFFICE)
    with pytest.raises(EvidenceError, match="没有项目「46」"):
        evidence.attach_file(con, PDF, "a.pdf", "item", 46, OFFICE)
    with pytest.raises(EvidenceError, match="没有整改任务「x」"):
        evidence.attach_file(con, PDF, "a.pdf", "task", "x", OFFICE)
    with pytest.raises(EvidenceError, match="没有报送数据「99999999999999999999」"):
        evidence.attach_file(con, PDF, "a.pdf", "measurement", "9" * 20, OFFICE)  # no BIGINT overflow
    with pytest.raises(EvidenceError, match="没有项目「１０」"):
        evidence.attach_file(con, PDF, "a.pdf", "item", "１０", OFFICE)  # full-width digits name no row
    with pytest.raises(EvidenceError, match="没有 sha256"):
        evidence.attach(con, "0" * 64, "item", 1, OFFICE)


def test_a_disabled_account_attaches_nothing(con):
    create_user(con, SYSTEM, "城管李", "reporter", "a-long-password-1", unit="城管执法局")
    set_disabled(con, SYSTEM, "城管李", True)
    with pytest.raises(PermissionDenied, match="已停用"):
        evidence.attach_file(con, PDF, "a.pdf", "measurement", mid(con, "10.3"), CITY)
    assert con.execute("SELECT count(*) FROM evidence_link").fetchone()[0] == 0


def test_the_inspections_module_may_register_who_attaches_to_a_finding(con, monkeypatch):
    monkeypatch.setitem(evidence.TARGETS, "finding", lambda con, fid: (fid == "F-1", "城管执法局"))
    evidence.register_target("finding", evidence.TARGETS["finding"])
    assert evidence.attach_file(con, JPEG, "问题.jpg", "finding", "F-1", CITY) > 0
    with pytest.raises(PermissionDenied):
        evidence.attach_file(con, JPEG, "问题.jpg", "finding", "F-1", OTHER)
    with pytest.raises(EvidenceError, match="没有检查问题「F-2」"):
        evidence.attach_file(con, JPEG, "问题.jpg", "finding", "F-2", OFFICE)


def test_the_service_calls_are_logged(con, caplog):
    import logging

    with caplog.at_level(logging.INFO, logger="tracker.service"):
        evidence.attach_file(con, PDF, "a.pdf", "item", 1, OFFICE)
        with pytest.raises(EvidenceError):
            evidence.attach_file(con, b"nope", "a.pdf", "item", 1, OFFICE)
    lines = [r.getMessage() for r in caplog.records if r.name == "tracker.service"]
    assert any("actor=王主任 action=evidence_attach_file" in m and "outcome=ok" in m for m in lines)
    assert any("action=evidence_attach_file" in m and "outcome=error EvidenceError" in m for m in lines)


# ---------------------------------------------------------------- the item page (AppTest)


@pytest.fixture
def page_db(tmp_path, monkeypatch):
    """A database holding 城管执法局's 2025 figure of 10.3 (item 10), opened by the pages."""
    from app import webapp
    from tracker.ingest import import_file

    path = tmp_path / "pages.duckdb"
    con = bootstrap.connect(path)
    import_file(con, "seed.csv", "单位,指标,期间,数值\n城管执法局,10.3,2025,82%\n".encode(), user="seed")
    con.close()
    monkeypatch.setenv("TRACKER_DB", str(path))
    webapp._connection.clear()
    yield path
    webapp._connection.clear()


def item_page(actor: Actor, item: int = 10, lang: str = "zh"):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    # Inside the app's frame: the page's links to other pages need the navigation.
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.session_state["actor"] = actor
    at.session_state["as_of"] = dt.date(2026, 11, 28)
    at.session_state["lang"] = lang
    at.session_state["item_pick"] = item
    # straight to the page: the landing page's run is asserted by nothing
    at.switch_page("pages/item.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def attach_on_page(at, target_label: str, name: str, data: bytes, note: str = ""):
    box = next(s for s in at.selectbox if s.label == "附加到")
    box.set_value(next(i for i, label in enumerate(box.options) if target_label in label))
    at.file_uploader(key="evidence_file").upload(name, data, "application/octet-stream")
    next(t for t in at.text_input if t.label == "说明（可选）").input(note)
    next(b for b in at.button if b.label == "上传并附加").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def page_files(path) -> list[tuple]:
    from app import webapp

    return (
        webapp.cursor()
        .execute("SELECT target, file_name, attached_by, note FROM evidence_link ORDER BY id")
        .fetchall()
    )


def test_the_office_attaches_a_pdf_to_a_measurement_on_the_item_page(page_db):
    at = item_page(Actor("admin", "admin"))
    box = next(s for s in at.selectbox if s.label == "附加到")
    assert box.options == ["本项目", "10.3 道路机械化清扫率 · 2025年 城管执法局 报送值 82.0%"]
    attach_on_page(at, "10.3 道路机械化清扫率", "清扫台账.pdf", PDF, "2025年台账")
    assert any(plain("已附加：「清扫台账.pdf」→ 10.3 道路机械化清扫率") in s.value for s in at.success)
    assert page_files(page_db) == [("measurement", "清扫台账.pdf", "admin", "2025年台账")]
    downloads = at.get("download_button")
    assert [d.proto.label for d in downloads] == ["下载", "导出本项目档案（zip）"]
    assert any(plain("清扫台账.pdf") in m.value for m in at.markdown)
    assert any(plain("10.3 · 2025年 · 城管执法局") in c.value and "admin" in c.value for c in at.caption)
    assert "佐证与报送记录（1 个佐证文件）" in [e.label for e in at.expander]
    assert any(c.value.startswith("本项目共 1 个佐证文件，其中各指标报送数据的 1 个") for c in at.caption)
    # the item's own file, listed in the item's section
    attach_on_page(at, "本项目", "会议纪要.docx", real_docx())
    assert [d.proto.label for d in at.get("download_button")] == ["下载", "下载", "导出本项目档案（zip）"]


def test_a_refused_file_is_explained_on_the_page(page_db):
    at = attach_on_page(item_page(Actor("admin", "admin")), "本项目", "照片.jpg", b"GIF89a not a jpeg")
    assert any(plain("类型不符：「照片.jpg」的内容不是PDF/JPG/PNG/DOCX/XLSX") in e.value for e in at.error)
    assert page_files(page_db) == []


def test_a_unit_attaches_to_its_own_measurements_only_and_a_leader_sees_no_upload(page_db):
    at = item_page(CITY)
    box = next(s for s in at.selectbox if s.label == "附加到")
    assert box.options == ["10.3 道路机械化清扫率 · 2025年 城管执法局 报送值 82.0%"]  # not the item itself
    attach_on_page(at, "10.3", "整改照片.png", PNG)
    assert page_files(page_db) == [("measurement", "整改照片.png", "城管李", "")]
    other = item_page(OTHER)
    assert not [s for s in other.selectbox if s.label == "附加到"]
    assert any("没有可附加佐证的报送数据" in c.value for c in other.caption)
    leader = item_page(LEADER)
    assert not [s for s in leader.selectbox if s.label == "附加到"] and not leader.file_uploader
    assert [d.proto.label for d in leader.get("download_button")] == ["下载", "导出本项目档案（zip）"]


def test_a_file_is_removed_from_the_page_with_a_reason(page_db):
    at = attach_on_page(item_page(CITY), "10.3", "传错的.png", PNG)
    assert len(at.get("popover")) == 1  # 「移除」 on its own measurement's file
    remove = next(b for b in at.button if b.label == "确认移除")
    remove.click().run()
    assert any("请填写移除理由" in e.value for e in at.error)
    next(t for t in at.text_input if t.label == "移除理由").input("传错了文件")
    next(b for b in at.button if b.label == "确认移除").click().run()
    assert any(plain("已移除：「传错的.png」") in s.value for s in at.success)
    assert page_files(page_db) == [
        ("measurement", "传错的.png", "城管李", "")
    ]  # the row stays, marked removed
    from app import webapp

    assert webapp.cursor().execute("SELECT removed_by FROM evidence_link").fetchone() == ("城管李",)
    target = webapp.cursor().execute("SELECT target_id FROM evidence_link").fetchone()[0]
    assert evidence.files_for(webapp.cursor(), "measurement", target).empty
    assert not [d for d in at.get("download_button") if d.proto.label == "下载"]
    assert not item_page(LEADER).get("popover") and not item_page(OTHER).get("popover")


def test_the_evidence_section_in_english(page_db):
    attach_on_page(item_page(CITY), "10.3", "照片.png", PNG)
    at = item_page(Actor("admin", "admin"), lang="en")
    assert [b.label for b in at.button if b.label == "Upload and attach"]
    box = next(s for s in at.selectbox if s.label == "Attach to")
    # the year in English (issue 24, finding 9)
    assert box.options[0] == "This item" and "2025 城管执法局, value 82.0%" in box.options[1]
    assert "Evidence and submissions (evidence files: 1)" in [e.label for e in at.expander]
    assert [d.proto.label for d in at.get("download_button")] == [
        "Download",
        "Export this item's archive (zip)",
    ]
    assert any("uploaded by 城管李" in c.value for c in at.caption)
