"""导出档案 as the 资料审核 binder (issue 24, findings 3 and 4): every stored file — evidence, a finding's photos,
the 督办通知 and 通报 issued, the files of a task's update and of an acceptance — in its item's folder; 目录.xlsx
with one row per item (all 45: 材料数, 最近更新, 缺材料) and a sheet per item listing its files; the ledger's own
printable export (.xlsx, .docx)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import docx
import pytest
from openpyxl import load_workbook

from tests.scenario import add
from tracker import bootstrap
from tracker.access.auth import SYSTEM, Actor
from tracker.catalogue import catalogue
from tracker.cli import main
from tracker.inspections import findings, rounds, sites
from tracker.office import acceptance, evidence, tasks
from tracker.reports import archive, briefing_issue, ledger_export, reminders

CAT = catalogue()
OFFICE = Actor("王主任", "admin")
CITY = Actor("城管李", "reporter", "城管执法局")
PDF = b"%PDF-1.4\n" + b"stream " * 200 + b"\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4
AFTER = JPEG + b"after"
REVIEW = JPEG + b"review"
T0 = dt.datetime(2024, 6, 6, 9, 0)


def folder(code: int) -> str:
    return f"第{code:02d}项 {CAT.item(code).title}"


def members(path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return z.namelist()


def book(path):
    with zipfile.ZipFile(path) as z:
        return load_workbook(io.BytesIO(z.read("目录.xlsx")))


@pytest.fixture
def con():
    con = bootstrap.connect(":memory:")
    yield con
    con.close()


def closed_finding(con) -> int:
    """A finding at a public toilet (item 15), answered by 城管 with one photo and closed at 复查 with another."""
    site = sites.register_site(con, OFFICE, "公共厕所", "向阳公厕", "向阳街道", now=T0)
    rid = rounds.create_round(
        con, OFFICE, "模拟检查", "六月检查", dt.date(2024, 6, 1), dt.date(2024, 6, 10), now=T0
    )
    fid = findings.record_finding(
        con, OFFICE, rid, site, "干净整洁", "便池污垢", "严重", found_on=dt.date(2024, 6, 3), now=T0
    )
    findings.answer_finding(con, CITY, fid, "已清洗", photo=(AFTER, "整改后照片.jpg"), now=T0)
    findings.reinspect(con, OFFICE, fid, True, "复查合格", photo=(REVIEW, "复查照片.jpg"), now=T0)
    return fid


def test_a_closed_findings_photos_are_in_its_items_folder(con, tmp_path):
    fid = closed_finding(con)
    assert findings.get(con, fid)["item"] == 15
    out = tmp_path / "档案.zip"
    archive.write_archive(con, out)
    with zipfile.ZipFile(out) as z:
        mine = [n for n in z.namelist() if n.startswith(folder(15) + "/")]
        photos = {n.rsplit(" - ", 1)[-1]: z.read(n) for n in mine}
    assert photos["整改后照片.jpg"] == AFTER and photos["复查照片.jpg"] == REVIEW
    assert all(f"检查问题#{fid}" in n for n in mine)


def test_the_index_has_a_row_per_item_and_flags_those_without_material(con, tmp_path):
    closed_finding(con)
    evidence.attach_file(con, PDF, "会议纪要.pdf", "item", 2, OFFICE, now=dt.datetime(2024, 5, 1, 8, 0))
    out = tmp_path / "档案.zip"
    archive.write_archive(con, out)
    wb = book(out)
    assert wb.sheetnames[:2] == ["目录", "文件清单"] and wb.active.title == "目录"
    rows = [list(r) for r in wb["目录"].iter_rows(values_only=True)]
    header, body = rows[0], rows[1:]
    assert header[:2] == ["项目", "牵头单位"] and header[2:] == ["材料数", "最近更新", "缺材料"]
    assert [r[0] for r in body] == [folder(i.code) for i in CAT.items] and len(body) == 45
    by_item = {r[0]: r for r in body}
    assert by_item[folder(15)][2:] == [2, "2024-06-06 09:00", None]
    assert by_item[folder(2)][2:] == [1, "2024-05-01 08:00", None]
    assert by_item[folder(1)][2:] == [0, None, "缺材料"]
    assert sum(r[4] == "缺材料" for r in body) == 43
    # a sheet per item with material, listing its files; the 目录's row links to it
    assert {"第02项", "第15项"} <= set(wb.sheetnames) and "第01项" not in wb.sheetnames
    listed = [r[3] for r in wb["第15项"].iter_rows(min_row=3, values_only=True)]
    assert sorted(n.rsplit(" - ", 1)[-1] for n in listed) == ["复查照片.jpg", "整改后照片.jpg"]
    assert wb["目录"].cell(16, 1).hyperlink.location == "'第15项'!A1"


def test_a_task_update_with_a_pdf_is_kept_and_archived(con, tmp_path):
    task = tasks.open_task(con, SYSTEM, "10.3", "提高机械化清扫率", dt.date(2026, 6, 30))
    tasks.update_task(con, CITY, task, "in_progress", "已购置清扫车", files=[(PDF, "整改报告.pdf")])
    kept = evidence.files_for(con, "task", task)
    assert kept[["file_name", "attached_by"]].values.tolist() == [["整改报告.pdf", "城管李"]]
    assert "整改报告.pdf" in tasks.events(con, task)["note"].iloc[-1]
    # a file alone is an update too; a file that is not one refuses the whole update
    tasks.update_task(con, CITY, task, "in_progress", files=[(JPEG, "现场.jpg")])
    with pytest.raises(evidence.EvidenceError):
        tasks.update_task(con, CITY, task, "awaiting_check", "见附件", files=[(b"MZ\x90", "病毒.pdf")])
    assert tasks.get(con, task)["status"] == "in_progress"
    out = tmp_path / "档案.zip"
    archive.write_archive(con, out)
    assert f"{folder(10)}/整改任务#{task} - 整改报告.pdf" in members(out)
    assert f"{folder(10)}/整改任务#{task} - 现场.jpg" in members(out)


def test_an_acceptance_with_a_file_is_kept_and_archived(con, tmp_path):
    add(con, "12.1", "2023年", 38.5, recorded_at="2024-01-10 09:00:00")
    add(con, "12.2", "2023年", 9.2, recorded_at="2024-01-10 09:00:00")
    add(con, "12.3", "2023年", 1, unit="创卫办", recorded_at="2024-01-10 09:00:00")
    on = dt.date(2024, 3, 15)
    accepted = acceptance.accept(con, 12, OFFICE, on, "", files=[(PDF, "验收记录.pdf")])
    assert evidence.files_for(con, "acceptance", accepted)["file_name"].tolist() == ["验收记录.pdf"]
    assert "验收记录.pdf" in acceptance.acceptance_table(con, on).set_index("item").loc[12, "evidence"]
    out = tmp_path / "档案.zip"
    archive.write_archive(con, out)
    assert f"{folder(12)}/验收（2024-03-15） - 验收记录.pdf" in members(out)


def test_issued_notices_and_briefings_are_in_the_binder(con, tmp_path):
    notice = reminders.send(con, OFFICE, dt.date(2024, 3, 31), "创卫办督〔2024〕1号", "城管执法局")
    issued = briefing_issue.issue(con, OFFICE, dt.date(2024, 3, 31), "扎创卫办〔2024〕1号", 1)
    out = tmp_path / "档案.zip"
    archive.write_archive(con, out)
    names = members(out)
    items = {
        CAT.metric(m).item
        for m in reminders.owed(con, dt.date(2024, 3, 31), CAT, unit="城管执法局")["metric"]
    }
    for item in items:
        assert f"{folder(item)}/{notice.file_name}" in names
    assert f"综合材料/{issued.file_name}" in names
    listed = [list(r) for r in book(out)["文件清单"].iter_rows(values_only=True)]
    assert any(r[0] == "综合材料" and r[4] == f"综合材料/{issued.file_name}" for r in listed)


def test_the_ledger_exports_as_a_workbook_and_a_document(con, tmp_path, capsys):
    ids = [
        tasks.open_task(con, SYSTEM, "10.3", "提高机械化清扫率", dt.date(2026, 6, 30), now=T0),
        tasks.open_task(con, SYSTEM, "15.2", "公厕保洁", dt.date(2024, 1, 31), now=T0),
    ]
    tasks.update_task(con, CITY, ids[0], "in_progress", "已购置清扫车", files=[(PDF, "整改报告.pdf")], now=T0)
    today = dt.date(2026, 3, 1)
    sheet = load_workbook(io.BytesIO(ledger_export.to_xlsx(con, today))).active
    cells = [[c for c in r] for r in sheet.iter_rows(values_only=True)]
    assert cells[0][0].startswith("整改台账")
    header = cells[1]
    assert header[:3] == ["序号", "任务编号", "项目"]
    body = cells[2:]
    assert sorted(r[1] for r in body) == sorted(ids)
    by_id = {r[1]: dict(zip(header, r, strict=True)) for r in body}
    assert by_id[ids[0]]["附件"] == "整改报告.pdf" and by_id[ids[1]]["逾期"] == "逾期 760 天"
    assert sheet.freeze_panes == "A3"  # (its print set-up: the shared helper, applied by the lead)
    document = docx.Document(io.BytesIO(ledger_export.to_docx(con, today)))
    table = document.tables[0]
    texts = [[c.text for c in r.cells] for r in table.rows]
    assert texts[0][:2] == ["序号", "责任单位"] and len(texts) == 1 + len(ids)
    assert {"提高机械化清扫率", "公厕保洁"} <= {c for r in texts for c in r}
    assert document.sections[0].page_width > document.sections[0].page_height  # landscape


def test_the_command_line_writes_the_ledger(tmp_path, capsys):
    db = tmp_path / "t.duckdb"
    con = bootstrap.connect(db)
    tasks.open_task(con, SYSTEM, "10.3", "提高机械化清扫率", dt.date(2026, 6, 30))
    con.close()
    for suffix in (".xlsx", ".docx"):
        out = tmp_path / f"台账{suffix}"
        assert main(["tasks", "--out", str(out), "--db", str(db)]) == 0
        assert out.stat().st_size > 0 and f"已写出 {out}" in capsys.readouterr().out
    assert main(["tasks", "--out", str(tmp_path / "台账.pdf"), "--db", str(db)]) == 2


def test_the_command_line_says_how_many_items_lack_material(tmp_path, capsys):
    db = tmp_path / "t.duckdb"
    con = bootstrap.connect(db)
    evidence.attach_file(con, PDF, "纪要.pdf", "item", 1, OFFICE)
    con.close()
    assert main(["archive", "export", str(tmp_path / "a.zip"), "--db", str(db)]) == 0
    assert "1 个项目，1 个文件" in (said := capsys.readouterr().out) and "44 个项目缺材料" in said
    assert main(["archive", "export", str(tmp_path / "b.zip"), "--item", "1", "--db", str(db)]) == 0
    assert "缺材料" not in capsys.readouterr().out
