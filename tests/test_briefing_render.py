"""The briefing as LibreOffice lays it out (issue 13): .docx → PDF → PNG pages, with its charts, header and wording.

Slow and outside `make test` (CI installs no LibreOffice); run with `make test-long`, and look at the PNGs it leaves
in test-artifacts/briefing/ (or run `python -m bench.render_briefing --out DIR` on the demo)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from bench.render_briefing import render_pages
from tests.conftest import ROOT
from tests.test_briefing import AS_OF, scenario
from tracker import bootstrap
from tracker.reports.briefing import document, model

pytestmark = pytest.mark.slow
OUT = ROOT / "test-artifacts" / "briefing"


@pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdftotext")), reason="no LibreOffice here")
def test_rendered_pages():
    con = bootstrap.connect(":memory:")
    scenario(con)
    b = model.build(con, AS_OF, number="扎创卫办〔2024〕7号", issue_no="2")
    con.close()
    if b.chart_note:
        pytest.skip(f"charts not rendered here: {b.chart_note}")
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    docx = OUT / "briefing.docx"
    docx.write_bytes(document.to_docx(b))
    pages = render_pages(docx, OUT)
    assert len(pages) >= 5 and all(p.read_bytes().startswith(b"\x89PNG") for p in pages)
    text = subprocess.run(
        ["pdftotext", "-layout", str(OUT / "briefing.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    squeezed = "".join(text.split())
    assert (
        squeezed.index("第2期")
        < squeezed.index("扎创卫办〔2024〕7号")
        < squeezed.index("关于创建国家卫生城市")
    )
    assert "当前处于“自治区评审和命名阶段”（" in squeezed and "阶段”阶段" not in squeezed
    assert "图1各类别指标达标情况（项）" in squeezed and "图2达标率月度变化" in squeezed
    # the signature never stands alone on the last page
    last = text.split("\f")[-2] if text.endswith("\f") else text.split("\f")[-1]
    assert "巩固已达标成果" in "".join(last.split())
