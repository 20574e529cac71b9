"""Render the demo briefing's pages to PNG, to look at them: .docx → PDF with LibreOffice → PNG with pdftoppm.

Not a benchmark: the pages a leader would print, for a person (or tests/test_briefing_render.py) to look at.
Needs `soffice` (Debian's libreoffice-writer) and `pdftoppm` (poppler-utils).
Run: .venv/bin/python -m bench.render_briefing --out /tmp/briefing [--as-of 2025-12-31] [--known-then]
     [--number 扎创卫办〔2025〕12号] [--issue-no 3] [--dpi 70]
Prints the PNG paths, one a line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import subprocess
import tempfile
from pathlib import Path

from tracker import bootstrap
from tracker.demo import load_demo
from tracker.reports.briefing import document, model


def render_pages(docx: Path, out: Path, dpi: int = 70) -> list[Path]:
    """PNG of every page of a .docx, as LibreOffice lays it out."""
    soffice, pdftoppm = shutil.which("soffice"), shutil.which("pdftoppm")
    if not soffice or not pdftoppm:
        raise FileNotFoundError("需要 soffice（libreoffice-writer）和 pdftoppm（poppler-utils）")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        # a profile of its own: a second LibreOffice on the same profile exits at once without converting
        subprocess.run(
            [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
             "--outdir", str(out), str(docx)],
            check=True, capture_output=True, timeout=180,
        )  # fmt: skip
    pdf = out / (docx.stem + ".pdf")
    if not pdf.exists():
        raise FileNotFoundError(f"LibreOffice wrote no {pdf.name}")
    prefix = out / docx.stem
    subprocess.run([pdftoppm, "-png", "-r", str(dpi), str(pdf), str(prefix)], check=True, timeout=120)
    return sorted(out.glob(f"{docx.stem}-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))


def main(argv: list[str] | None = None) -> list[Path]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date.today())
    parser.add_argument("--known-then", action="store_true")
    parser.add_argument("--number", default="扎创卫办〔2026〕1号")
    parser.add_argument("--issue-no", default="1")
    parser.add_argument("--dpi", type=int, default=70)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        con = bootstrap.connect(Path(tmp) / "demo.duckdb")
        load_demo(con, today=dt.date.today())
        b = model.build(
            con, args.as_of, known_then=args.known_then, number=args.number, issue_no=args.issue_no
        )
        con.close()
    if b.chart_note:
        print(f"charts missing: {b.chart_note}")
    args.out.mkdir(parents=True, exist_ok=True)
    docx = args.out / f"briefing-{args.as_of.isoformat()}.docx"
    docx.write_bytes(document.to_docx(b))
    pages = render_pages(docx, args.out, args.dpi)
    for page in pages:
        print(page)
    return pages


if __name__ == "__main__":
    main()
