"""Make the two sample unit files the README's quick tour imports (run once; the outputs are committed).

    .venv/bin/python data/samples/make_samples.py

- 城管执法局-2025年.csv: GBK bytes with CRLF, a title row above the header and full-width figures, as Excel / WPS
  write 「CSV（逗号分隔）」 on Chinese Windows; one row is refused (a percentage above 100) to show the reasons;
- 教育局-2025年.xlsx: a merged title cell above the header, percent-formatted numbers, 「是」, a unit in a cell,
  as a unit fills the template in Excel.

The way tests/fixtures/make_fixtures.py makes the upload fixtures; row numbers in the comments are Excel's.
"""

from __future__ import annotations

import io
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Sent by 城管执法局 (--unit 城管执法局). 7 accepted, 1 refused.
CSV_ROWS = [
    "扎兰屯市城管执法局创卫指标报送表（２０２５年度）,,,,",  # 1 title
    "指标,区域,期间,数值,备注",  # 2 header
    "10.3 道路机械化清扫率,,２０２５年,８２．５％,已现场核实",  # 3 ok
    "城市管理信息化覆盖率,,2025年度,９８％,",  # 4 ok (the plan's name)
    "10.1,,２０２５年第四季度,１６小时,",  # 5 ok
    "10.2,,2025Q4,８,",  # 6 ok
    "10.7,,2025年,是,",  # 7 ok
    "10.8,,2025年,有,",  # 8 ok
    "13.2,,2025年,９６％,",  # 9 ok
    "10.3,,2024年,１０５％,笔误",  # 10 refused: above 100%
]


def gbk_csv() -> bytes:
    return ("\r\n".join(CSV_ROWS) + "\r\n").encode("gbk")


def education_xlsx() -> bytes:
    """Sent by 教育局 (--unit 教育局). 6 accepted."""
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "报送表"
    ws["A1"] = "扎兰屯市教育局创卫指标报送表（2025年）"
    ws.merge_cells("A1:D1")  # 1 merged title
    ws.append(["指标", "期间", "数值", "备注"])  # 2 header
    ws.append(["9.4 无烟学校建成比例", 2025, 0.93, None])  # 3 ok: 93% (percent format)
    ws["C3"].number_format = "0%"
    ws.append(["29.1", "2025年", 88, None])  # 4 ok
    ws.append(["30.4 中小学生近视率", 2025, 0.342, "抽样调查"])  # 5 ok: 34.2%
    ws["C5"].number_format = "0.0%"
    ws.append(["30.6", 2025, 0, None])  # 6 ok (count)
    ws.append(["29.2", 2025, "是", None])  # 7 ok
    ws.append(["30.2", 2025, "1.5小时", None])  # 8 ok
    ws.freeze_panes = "A3"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


if __name__ == "__main__":
    (HERE / "城管执法局-2025年.csv").write_bytes(gbk_csv())
    (HERE / "教育局-2025年.xlsx").write_bytes(education_xlsx())
    print(f"written to {HERE}")
