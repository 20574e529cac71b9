"""The one Word writer for the office's official documents (公文: the 通报, the 督办通知), laid out after GB/T 9704:
A4 with its margins, the red 发文机关标志 over a red rule, a title in 小标宋, body text in 仿宋 at a fixed 28 pt line,
headings in 黑体 and 楷体, tables, the signature and date at the right, the page number as 「— 1 —」.

python-docx is imported when a document is made, not when this module is: the CLI and the pages load without it.
"""

from __future__ import annotations

import io
import re
from xml.sax.saxutils import escape

from tracker.strings.office import OFFICE_NAME
from tracker.text import xml_safe

BODY_FONT, HEAD_FONT, SUB_FONT, TITLE_FONT, TABLE_FONT = "仿宋", "黑体", "楷体", "方正小标宋简体", "仿宋"
RED = "C00000"


def _run_xml(text: str, font: str, half_points: str, *, bold: bool = False, color: str | None = None) -> str:
    """A run as OfficialDoc.font writes it (fonts, bold, colour, size), its text as python-docx writes it: a tab as
    <w:tab/>, a line break as <w:br/>, spaces at either end kept."""
    props = f'<w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:eastAsia="{font}"/>' + ("<w:b/>" if bold else "")
    props += (f'<w:color w:val="{color}"/>' if color else "") + f'<w:sz w:val="{half_points}"/>'
    content = []
    for part in re.split(r"([\t\r\n])", text):
        if part == "\t":
            content.append("<w:tab/>")
        elif part in ("\r", "\n"):
            content.append("<w:br/>")
        elif part:
            keep = ' xml:space="preserve"' if len(part.strip()) < len(part) else ""
            content.append(f"<w:t{keep}>{escape(part)}</w:t>")
    return f"<w:r><w:rPr>{props}</w:rPr>{''.join(content)}</w:r>"


_CENTRED = '<w:pPr><w:jc w:val="center"/></w:pPr>'


class OfficialDoc:
    """One document being written, top to bottom; save() gives its bytes."""

    def __init__(self) -> None:
        from docx import Document
        from docx.enum.table import WD_TABLE_ALIGNMENT
        from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
        from docx.oxml import OxmlElement, parse_xml
        from docx.oxml.ns import nsdecls, qn
        from docx.shared import Cm, Pt, RGBColor

        self.ALIGN, self._T_ALIGN, self._SPACING = WD_ALIGN_PARAGRAPH, WD_TABLE_ALIGNMENT, WD_LINE_SPACING
        self._parse, self._nsdecls = parse_xml, nsdecls
        self._element, self._qn, self.Cm, self.Pt, self._RGB = OxmlElement, qn, Cm, Pt, RGBColor
        self.doc = Document()
        self._grid_style = None
        section = self.doc.sections[0]
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
        section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)

    def landscape(self) -> None:
        """A4 landscape with 2 cm margins, for a wide table (the 整改台账): 25.7 cm of text width."""
        from docx.enum.section import WD_ORIENT

        section = self.doc.sections[0]
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = self.Cm(29.7), self.Cm(21)
        section.top_margin = section.bottom_margin = section.left_margin = section.right_margin = self.Cm(2)

    # ------------------------------------------------------------ text

    def font(self, run, name: str, size: float, bold: bool | None = None, color: str | None = None) -> None:
        run.font.name = name
        run.font.size = self.Pt(size)
        if bold is not None:
            run.font.bold = bold
        run._element.get_or_add_rPr().get_or_add_rFonts().set(self._qn("w:eastAsia"), name)
        if color:
            run.font.color.rgb = self._RGB.from_string(color)

    def body_font(self, name: str = BODY_FONT, size: float = 16) -> None:
        """The Normal style's font: what a paragraph or cell without a run of its own is measured in."""
        normal = self.doc.styles["Normal"]
        normal.font.name = name
        normal.font.size = self.Pt(size)
        normal.element.get_or_add_rPr().get_or_add_rFonts().set(self._qn("w:eastAsia"), name)

    def para(self, text: str = "", *, name=BODY_FONT, size=16.0, bold=None, align=None, indent=True, color=None,
             space_before=0, exact=28):  # fmt: skip
        """A paragraph on a fixed line (exact pt), indented two characters unless indent is False."""
        p = self.doc.add_paragraph()
        fmt = p.paragraph_format
        fmt.line_spacing_rule = self._SPACING.EXACTLY
        fmt.line_spacing = self.Pt(exact)
        fmt.space_before, fmt.space_after = self.Pt(space_before), self.Pt(0)
        if indent:
            fmt.first_line_indent = self.Pt(size * 2)
        if align is not None:
            p.alignment = align
        if text:
            self.font(p.add_run(xml_safe(text)), name, size, bold, color)
        return p

    def heading(self, text: str, *, name: str = HEAD_FONT, bold=None) -> None:
        """一、… in 黑体 (sub-headings （一）… in 楷体), never last on a page."""
        self.para(text, name=name, bold=bold).paragraph_format.keep_with_next = True

    def blank(self) -> None:
        self.para("", indent=False)

    # ------------------------------------------------------------ the head: 版头 and title

    def red_header(self, lines: list[str], *, gap: float = 6) -> None:
        """The office's name in red, the lines under it (期数, 文号; the first `gap` pt lower) and the red rule under
        the last of them (版头分隔线)."""
        p = self.para(
            OFFICE_NAME, name=TITLE_FONT, size=20, align=self.ALIGN.CENTER, indent=False, color=RED, exact=36
        )
        for n, line in enumerate(lines):
            p = self.para(line, align=self.ALIGN.CENTER, indent=False, space_before=0 if n else gap)
        border = self._element("w:pBdr")
        bottom = self._element("w:bottom")
        for key, value in (("val", "single"), ("sz", "18"), ("space", "6"), ("color", RED)):
            bottom.set(self._qn(f"w:{key}"), value)
        border.append(bottom)
        p._p.get_or_add_pPr().append(border)

    def title(self, text: str, recipients: str) -> None:
        """The title between blank lines, then the 主送 line."""
        self.blank()
        self.para(text, name=TITLE_FONT, size=22, align=self.ALIGN.CENTER, indent=False, exact=36)
        self.blank()
        self.para(recipients, indent=False)

    # ------------------------------------------------------------ tables

    def table(
        self,
        headers: list[str],
        rows: list[list[str]],
        widths: list[float],
        *,
        head_size: float = 11,
        body_font: str = TABLE_FONT,
        body_size: float = 10.5,
        shade: str | None = "D9E2F3",
        centred: tuple[int, ...] = (),
        red: tuple[int, tuple[str, ...]] | None = None,
        spacer: bool = True,
    ) -> None:
        """A table with its header row repeated on every page; widths in cm. red: (column, values) shown bold in
        red; spacer: an empty paragraph after it."""
        t = self.doc.add_table(rows=0, cols=len(headers))
        if self._grid_style is None:  # found by name once: the lookup walks every style (12 ms a table)
            self._grid_style = self.doc.styles["Table Grid"]
        t.style = self._grid_style
        t.alignment = self._T_ALIGN.CENTER
        # Column widths in cm on the grid (LibreOffice, WPS) and on every cell (Word).
        t.autofit = False
        twips = [str(self.Cm(width).twips) for width in widths]
        for col, width in zip(t._tbl.tblGrid.findall(self._qn("w:gridCol")), twips, strict=True):
            col.set(self._qn("w:w"), width)
        # The rows as one XML text parsed at once: python-docx's cell, paragraph and font objects cost about 1 ms a
        # cell (half of the 通报's .docx, cProfile); the XML is the one they wrote.
        head = str(int(self.Pt(head_size).pt * 2))
        fill = f'<w:shd w:val="clear" w:color="auto" w:fill="{shade}"/>' if shade else ""
        # The header row: repeated on every page, centred in 黑体, shaded when `shade` names a colour.
        xml = ['<w:tr><w:trPr><w:tblHeader w:val="true"/></w:trPr>']
        for text, width in zip(headers, twips, strict=True):
            xml.append(
                f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{width}"/>{fill}</w:tcPr><w:p>{_CENTRED}'
                f"{_run_xml(xml_safe(text), HEAD_FONT, head)}</w:p></w:tc>"
            )
        xml.append("</w:tr>")
        size = str(int(self.Pt(body_size).pt * 2))
        for values in rows:
            xml.append("<w:tr>")
            for i, (text, width) in enumerate(zip(values, twips, strict=True)):
                hot = red is not None and i == red[0] and text in red[1]
                xml.append(
                    f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{width}"/></w:tcPr><w:p>'
                    + (_CENTRED if i in centred else "")
                    + _run_xml(xml_safe(text), body_font, size, bold=hot, color=RED if hot else None)
                    + "</w:p></w:tc>"
                )
            xml.append("</w:tr>")
        t._tbl.extend(list(self._parse(f"<w:tbl {self._nsdecls('w')}>{''.join(xml)}</w:tbl>")))
        self.last_table = t
        if spacer:
            self.doc.add_paragraph().paragraph_format.space_after = self.Pt(0)

    def rows_whole(self) -> None:
        """The last table's rows never split across a page (a ledger's row read on two pages is misread)."""
        for row in self.doc.tables[-1].rows[1:]:
            row._tr.get_or_add_trPr().append(self._element("w:cantSplit"))

    def picture(self, png: bytes, width_cm: float) -> None:
        """An image centred on its own line, kept with the caption that follows."""
        self.doc.add_picture(io.BytesIO(png), width=self.Cm(width_cm))
        self.doc.paragraphs[-1].alignment = self.ALIGN.CENTER
        self.doc.paragraphs[-1].paragraph_format.keep_with_next = True

    # ------------------------------------------------------------ the end: 落款 and page numbers

    def keep_table_with_next(self, rows: int = 2) -> None:
        """The last table's last `rows` rows kept on one page with what follows it (Word and LibreOffice read a
        paragraph's keep-with-next in a table's last row as the table's), and no row split across pages."""
        for row in self.last_table.rows[-rows:]:
            row._tr.get_or_add_trPr().append(self._element("w:cantSplit"))
            for cell in row.cells:
                for p in cell.paragraphs:
                    p.paragraph_format.keep_with_next = True

    def signature(self, date_text: str, *, blanks: int = 1, keep_with=()) -> None:
        """The office's name and the date at the right, after `blanks` empty lines. keep_with: the last paragraphs
        of the text, kept on one page with them (a signature alone on a page is not a valid document)."""
        tail = [self.para("", indent=False) for _ in range(blanks)]
        sign = self.para(OFFICE_NAME, align=self.ALIGN.RIGHT, indent=False)
        keep = [keep_with] if not isinstance(keep_with, list | tuple) else list(keep_with)
        if keep:
            for p in [*keep, *tail, sign]:
                p.paragraph_format.keep_with_next = True
        sign.paragraph_format.right_indent = self.Pt(32)
        when = self.para(date_text, align=self.ALIGN.RIGHT, indent=False)
        when.paragraph_format.right_indent = self.Pt(64)

    def page_numbers(self) -> None:
        """「— 1 —」 centred in the footer."""
        qn = self._qn
        footer = self.doc.sections[0].footer.paragraphs[0]
        footer.alignment = self.ALIGN.CENTER
        self.font(footer.add_run("— "), "宋体", 14)
        fld = self._element("w:fldSimple")
        fld.set(qn("w:instr"), "PAGE")
        run = self._element("w:r")
        text = self._element("w:t")
        text.text = "1"
        run.append(text)
        fld.append(run)
        footer._p.append(fld)
        self.font(footer.add_run(" —"), "宋体", 14)

    def save(self, title: str) -> bytes:
        """The document's bytes, titled and authored by the office."""
        self.doc.core_properties.title = xml_safe(title, one_line=True)[:255]  # docx's limit
        self.doc.core_properties.author = OFFICE_NAME
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()
