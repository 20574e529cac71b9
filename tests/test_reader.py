"""Reading uploads: encodings, NFKC of the whole text, the header under a title row, broken files."""

from __future__ import annotations

import unicodedata

import duckdb
import pytest
from hypothesis import assume, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.examples import examples
from tests.ingest_fixtures import fixture_bytes
from tracker.ingest import reader
from tracker.ingest.sheet import FIELDS, header_field
from tracker.ingest.text import (
    BLANK,
    COMMA,
    PROTECTED_ASTRAL,
    PROTECTED_BMP,
    QUOTE,
    SEMI,
    FileRefused,
    csv_text,
    decode,
    nfkc,
    prepare_csv_text,
    units_of,
)
from tracker.strings.upload import FILE


@pytest.fixture
def con():
    c = duckdb.connect()
    yield c
    c.close()


def test_decode_utf8_with_and_without_bom_and_gb18030():
    text = "指标,数值\n10.3,９８．５％\n"
    assert decode(text.encode("utf-8")) == text
    assert decode(text.encode("utf-8-sig")) == text
    assert decode(text.encode("gbk")) == text
    assert decode("𠀀 4-byte GB18030".encode("gb18030")) == "𠀀 4-byte GB18030"


def test_decode_refuses_utf16_and_binaries_with_a_message():
    with pytest.raises(FileRefused, match="CSV UTF-8"):
        decode("\ufeff指标\t数值".encode("utf-16-le"))
    with pytest.raises(FileRefused) as exc:
        decode(fixture_bytes("garbage.bin"))
    assert str(exc.value) == FILE["binary"]
    with pytest.raises(FileRefused, match="无法识别文件编码"):
        decode(b"\x81\x30\xff\xfe\xfd" * 10)  # neither UTF-8 nor GB18030


@pytest.mark.parametrize(
    "text",
    [
        "２０２３年第四季度 ９８．５％",
        "①㎡℃ ⼈口",
        "Ａ\u0301 full-width A with a combining accent",
        "\u3000全角空格",
        "plain",
    ],
)
def test_nfkc_is_exact_outside_csv_structure(text):
    assert nfkc(text) == unicodedata.normalize("NFKC", text)


def test_nfkc_keeps_csv_structure_with_placeholders():
    out = nfkc("已核实，达标＂；\U0001f101")
    assert "," not in out and '"' not in out and ";" not in out
    assert out == f"已核实{COMMA}达标{QUOTE}{SEMI}0{COMMA}"


def test_protected_characters_are_all_that_nfkc_turns_into_delimiters():
    found = {}
    for cp in list(range(0x80, 0xD800)) + list(range(0xE000, 0x20000)):
        ch = chr(cp)
        norm = unicodedata.normalize("NFKC", ch)
        if norm != ch and any(x in norm for x in ',";'):
            found[cp] = norm
    assert set(found) == set(PROTECTED_BMP) | set(PROTECTED_ASTRAL)


def test_blank_lines_keep_their_row_numbers():
    assert prepare_csv_text("a\r\n\r\n\r\nb\r\n") == f"a\n{BLANK}\n{BLANK}\nb"
    assert prepare_csv_text("\na") == f"{BLANK}\na"


def test_header_words_with_hints_and_english():
    assert header_field("数值（%或数量）") == "value"
    assert header_field(" 指标* ") == "metric"
    assert header_field("Period") == "period"
    assert header_field("证明材料") == "evidence"
    assert header_field("姓名") is None


def test_gbk_csv_header_found_under_the_title_row(con):
    sheet = reader.read(con, fixture_bytes("gbk_title_fullwidth.csv"))
    assert sheet.kind == "csv" and sheet.header_row == 2
    assert sheet.columns == {"metric": 0, "area": 1, "period": 2, "value": 3, "note": 4}
    rows = dict(con.execute("SELECT row_no, c3 FROM _ing_raw").fetchall())
    assert rows[3] == "85.5%"  # full-width figures normalised
    assert rows[8] in (None, BLANK)  # the blank line keeps row 8
    assert rows[20] == "80"


def test_bom_csv_with_english_headers_and_a_quoted_comma(con):
    sheet = reader.read(con, fixture_bytes("utf8_bom.csv"))
    assert sheet.header_row == 1 and set(sheet.columns) == set(FIELDS)
    note = con.execute("SELECT c7 FROM _ing_raw WHERE row_no = 14").fetchall()[0][0]
    assert note == "抽查 3 处,无广告"


def test_xlsx_with_a_merged_title_row(con):
    sheet = reader.read(con, fixture_bytes("merged_title.xlsx"))
    assert sheet.kind == "xlsx" and sheet.header_row == 2
    cells = {r[0]: r[1:] for r in con.execute("SELECT row_no, c0, c1, c2 FROM _ing_raw").fetchall()}
    assert cells[3] == ("9.4 无烟学校建成比例", "2023", "92%")  # percent-formatted 0.92
    assert cells[5][2] == "35.5%"
    assert cells[8][1] == "2023-06-01"  # a date cell
    assert 7 not in cells  # the empty row


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.csv", FILE["empty"]),
        ("garbage.bin", FILE["binary"]),
        ("no_known_column.csv", FILE["no_header"]),
        ("encrypted.xlsx", FILE["encrypted"]),
        ("utf16.csv", FILE["encoding"]),
    ],
)
def test_broken_files_are_refused_with_a_clear_message(con, name, message):
    with pytest.raises(FileRefused) as exc:
        reader.read(con, fixture_bytes(name))
    assert str(exc.value) == message


def test_a_zip_that_is_not_a_workbook(con):
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(FileRefused, match="Excel 文件已损坏"):
        reader.read(con, buf.getvalue())


def test_a_broken_old_xls_container(con):
    with pytest.raises(FileRefused) as exc:
        reader.read(con, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    assert str(exc.value).startswith(FILE["bad_xls"].split("（")[0])


def test_an_old_xls_is_read_with_its_title_row(con):
    sheet = reader.read(con, fixture_bytes("legacy.xls"))
    assert (sheet.kind, sheet.header_row) == ("xls", 2)
    assert sheet.columns == {"metric": 0, "period": 1, "value": 2, "note": 3}
    rows = {r[0]: r[1:] for r in con.execute("SELECT row_no, c0, c1, c2, c3 FROM _ing_raw").fetchall()}
    assert rows[3] == ("9.4 无烟学校建成比例", "2023", "92", "已核实")
    assert rows[6][1] == "2023-06-01"
    assert rows[7][3] == "张\ue000\ue003同志核实"


def test_an_old_xls_imports_row_by_row(tmp_path):
    from tracker import bootstrap
    from tracker.ingest import import_file

    con = bootstrap.connect(tmp_path / "x.duckdb")
    for name in ("legacy.xls", "legacy.et"):  # WPS 表格 .et: the same binary workbook under its own name
        r = import_file(con, name, fixture_bytes("legacy.xls"), unit="市教育局", dry_run=True)
        assert (r.outcome, r.accepted, r.refused) == ("dry_run", 5, 2), r.to_json()
        assert sorted(x.row for x in r.refused_rows) == [6, 9]
    con.close()


def _plain_csv_text(data: bytes, markers) -> str:
    """What csv_text means, written the slow and obvious way: decode, line endings to \\n, trailing ones
    dropped, a blank line as the blank placeholder, the protected characters as placeholders, NFKC."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gb18030")
    text = text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n")
    text = "\n".join(line or markers.blank for line in text.split("\n")) if text else ""
    table = {cp: getattr(markers, role) for cp, role in PROTECTED_BMP.items()}
    table.update({cp: digit + markers.comma for cp, digit in PROTECTED_ASTRAL.items()})
    return unicodedata.normalize("NFKC", text.translate(table))


PIECES = st.sampled_from(
    ["\r\n", "\n", "\r", "\n\n", ",", '"', "'", "，", "＂", "；", "\u037e", "\ufe50", "９８．５％", "\u3000", "\t",
     "Ａ\u0301", "①㎡", "\ufdd0", "\ufdd3", "\ue000", "\U00020000", "\U0001f101", "指标", "a", " ", "\ufeff"]
)  # fmt: skip
ANY_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=6
)


@hypothesis_settings(max_examples=examples(300), deadline=None)
@given(st.lists(st.one_of(PIECES, ANY_TEXT), max_size=40), st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_csv_text_is_the_plain_definition(pieces, encoding):
    data = "".join(pieces).encode(encoding)
    assume(data.strip())
    try:
        text, units, markers = csv_text(data)
    except FileRefused:  # neither UTF-8 nor GB18030 (GB18030 bytes are not always a valid round trip)
        with pytest.raises(UnicodeDecodeError):
            _plain_csv_text(data, None)
        return
    assert text == _plain_csv_text(data, markers)
    assert units.tolist() == units_of(text).tolist()
