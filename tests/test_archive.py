"""导出档案 (issue 13): the review archive — one folder per item with its files and a 目录.xlsx that lists item,
metric, period, unit, file, date, uploader and verification — written file by file in bounded memory, from
the command line too; and the evidence files survive a backup and restore."""

from __future__ import annotations

import datetime as dt
import io
import os
import tracemalloc
import zipfile

import pytest
from openpyxl import load_workbook

from tests.scenario import add
from tracker import backup, bootstrap
from tracker.access.auth import SYSTEM, Actor
from tracker.catalogue import catalogue
from tracker.cli import main
from tracker.office import evidence
from tracker.office.tasks import open_task
from tracker.office.verification import verify
from tracker.reports import archive

CAT = catalogue()
OFFICE = Actor("王主任", "admin")
CITY = Actor("城管李", "reporter", "城管执法局")
EDITOR = Actor("编办李", "reporter", "市委编办")
PDF = b"%PDF-1.4\n" + b"stream " * 200 + b"\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4
NOW = dt.datetime(2026, 3, 2, 9, 30)


def folder(code: int) -> str:
    return f"第{code:02d}项 {CAT.item(code).title}"


def index_rows(z: zipfile.ZipFile) -> list[list]:
    """文件清单, the 目录's list of every file (its first sheet lists the items since issue 24)."""
    sheet = load_workbook(io.BytesIO(z.read("目录.xlsx")))["文件清单"]
    return [[c if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def con(tmp_path):
    con = bootstrap.connect(tmp_path / "t.duckdb")
    yield con
    con.close()


def test_one_folder_per_item_and_a_catalogue_of_every_file(con, tmp_path):
    m103 = add(con, "10.3", "2025年", 82)  # 城管执法局's figure of item 10
    yes = add(con, "2.2", "2025年", 1, recorded_at="2026-02-01 09:00:00")  # 市委编办's 「是」 of item 2
    verify(con, "2.2", "2025年", OFFICE, "现场检查记录", now=dt.datetime(2026, 2, 20, 15, 0))
    pending = add(con, "2.3", "2025年", 1, recorded_at="2026-02-01 09:00:00")  # not checked yet
    task = open_task(con, SYSTEM, "10.3", "提高机械化清扫率", dt.date(2026, 6, 30))
    evidence.attach_file(con, PDF, "清扫台账.pdf", "measurement", m103, CITY, "2025年台账", now=NOW)
    evidence.attach_file(con, JPEG, "整改照片.jpg", "task", task, CITY, now=NOW)
    evidence.attach_file(con, PDF, "编办文件.pdf", "measurement", yes, EDITOR, now=NOW)
    evidence.attach_file(con, JPEG, "财政照片.jpg", "measurement", pending, OFFICE, now=NOW)
    evidence.attach_file(con, PDF, "会议纪要.pdf", "item", 2, OFFICE, now=NOW)
    gone = evidence.attach_file(con, JPEG, "传错.jpg", "item", 10, OFFICE, now=NOW)
    evidence.remove(con, gone, OFFICE, "传错了")

    out = tmp_path / "档案.zip"
    done = archive.write_archive(con, out)
    assert (done.files, done.items) == (5, 2)
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        assert names[0] == "目录.xlsx"
        assert sorted(names[1:]) == sorted(
            [
                f"{folder(2)}/会议纪要.pdf",
                f"{folder(2)}/2.2 2025年 市委编办 - 编办文件.pdf",
                f"{folder(2)}/2.3 2025年 财政局 - 财政照片.jpg",
                f"{folder(10)}/10.3 2025年 城管执法局 - 清扫台账.pdf",
                f"{folder(10)}/整改任务#{task} - 整改照片.jpg",
            ]
        )
        assert names[1:3] == [f"{folder(2)}/会议纪要.pdf", f"{folder(2)}/2.2 2025年 市委编办 - 编办文件.pdf"]
        assert z.read(f"{folder(10)}/10.3 2025年 城管执法局 - 清扫台账.pdf") == PDF
        info = {i.filename: i for i in z.infolist()}
        assert info[f"{folder(10)}/整改任务#{task} - 整改照片.jpg"].compress_type == zipfile.ZIP_STORED
        assert info[f"{folder(2)}/会议纪要.pdf"].compress_type == zipfile.ZIP_DEFLATED
        assert info[f"{folder(2)}/会议纪要.pdf"].date_time == (2026, 3, 2, 9, 30, 0)
        rows = index_rows(z)
    assert rows[0] == ["项目", "指标", "期间", "单位", "文件", "上传日期", "上传人", "核实情况", "说明"]
    by_file = {r[4].split("/")[-1]: r for r in rows[1:]}
    assert by_file["2.2 2025年 市委编办 - 编办文件.pdf"] == [
        folder(2), f"2.2 {CAT.metric('2.2').name}", "2025年", "市委编办",
        f"{folder(2)}/2.2 2025年 市委编办 - 编办文件.pdf", "2026-03-02 09:30", "编办李", "已核实（王主任 2026-02-20）", "",
    ]  # fmt: skip
    assert by_file["2.3 2025年 财政局 - 财政照片.jpg"][7] == "待核实"
    assert by_file["10.3 2025年 城管执法局 - 清扫台账.pdf"][2:4] == ["2025年", "城管执法局"]
    assert by_file["10.3 2025年 城管执法局 - 清扫台账.pdf"][7:] == [
        "",
        "2025年台账",
    ]  # a figure: nothing to verify
    assert by_file[f"整改任务#{task} - 整改照片.jpg"][2:4] == [f"整改任务#{task}", "城管执法局"]
    assert by_file["会议纪要.pdf"][2:4] == ["项目材料", "创卫办"]


def test_one_items_archive_and_names_that_collide(con, tmp_path):
    m = add(con, "10.3", "2025年", 82)
    evidence.attach_file(con, PDF, "a/b:c.pdf", "item", 10, OFFICE)  # the path part dropped: 「b:c.pdf」
    evidence.attach_file(con, PDF + b" ", "b:c.pdf", "item", 10, OFFICE)
    evidence.attach_file(con, PDF, "x.pdf", "measurement", m, OFFICE)
    evidence.attach_file(con, JPEG, "别的项目.jpg", "item", 2, OFFICE)
    out = tmp_path / "第10项.zip"
    assert archive.write_archive(con, out, [10]).files == 3
    with zipfile.ZipFile(out) as z:
        assert sorted(z.namelist()) == sorted(
            [
                "目录.xlsx",
                f"{folder(10)}/b_c.pdf",
                f"{folder(10)}/b_c (2).pdf",
                f"{folder(10)}/10.3 2025年 城管执法局 - x.pdf",
            ]
        )
        assert len(index_rows(z)) == 4


def test_an_empty_archive_still_has_its_catalogue(con, tmp_path):
    out = tmp_path / "空.zip"
    assert archive.write_archive(con, out).files == 0
    with zipfile.ZipFile(out) as z:
        assert z.namelist() == ["目录.xlsx"] and len(index_rows(z)) == 1


def test_fifty_files_of_two_megabytes_are_written_in_bounded_memory(con, tmp_path):
    """100 MB of evidence: the zip is written one file at a time, so Python's memory stays near one file."""
    size = 2 * 1024 * 1024
    for n in range(50):
        data = b"\xff\xd8\xff\xe0" + os.urandom(size - 4)
        evidence.attach_file(con, data, f"照片{n:02d}.jpg", "item", 1 + n % 45, OFFICE)
    out = tmp_path / "大.zip"
    tracemalloc.start()
    try:
        done = archive.write_archive(con, out)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert done.files == 50 and done.bytes_in == 50 * size
    assert out.stat().st_size > 50 * size
    assert peak < 3 * size, f"peak {peak / 1048576:.1f} MB"  # about one file (measured 1.3×), never 100 MB
    with zipfile.ZipFile(out) as z:
        assert z.testzip() is None and len(z.namelist()) == 51


def test_the_command_line_exports_the_archive(con, tmp_path, capsys):
    evidence.attach_file(con, PDF, "纪要.pdf", "item", 1, OFFICE)
    path = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()[0]
    con.close()
    out = tmp_path / "out" / "档案.zip"
    assert main(["archive", "export", str(out), "--db", path]) == 0
    assert "1 个项目，1 个文件" in capsys.readouterr().out
    with zipfile.ZipFile(out) as z:
        assert f"{folder(1)}/纪要.pdf" in z.namelist()
    assert main(["archive", "export", str(tmp_path / "x.zip"), "--item", "46", "--db", path]) == 2
    assert "没有第46项" in capsys.readouterr().err
    assert main(["archive", "export", str(tmp_path / "x.rar"), "--db", path]) == 2


def test_a_backup_brings_the_evidence_files_back(con, tmp_path):
    m = add(con, "10.3", "2025年", 82)
    evidence.attach_file(con, PDF, "台账.pdf", "measurement", m, CITY, "原件")
    sha = evidence.attach_file(con, JPEG, "照片.jpg", "item", 10, OFFICE)
    backup.backup(con, tmp_path / "backup", "王主任")
    restored = backup.restore(tmp_path / "backup", tmp_path / "restored.duckdb")
    assert restored.counts["evidence_file"] == 2 and restored.counts["evidence_link"] == 2
    again = bootstrap.connect(restored.path)
    try:
        files = evidence.files_for(again, "measurement", m)
        assert files[["file_name", "attached_by", "note"]].values.tolist() == [["台账.pdf", "城管李", "原件"]]
        assert evidence.read_file(again, files["sha256"].iloc[0]) == (PDF, "application/pdf", "台账.pdf")
        assert sha and evidence.files_for(again, "item", 10)["file_name"].tolist() == ["照片.jpg"]
    finally:
        again.close()
