"""档案资料: evidence files (PDF, JPG/PNG, DOCX, XLSX) attached to a measurement, a task, an acceptance, an item
or an inspection finding, by the unit concerned or by the office, with who and when.

A file is checked by its content (its first bytes; an Office file is a zip whose parts are listed, never
extracted, and refused when it would unpack absurdly large), limited in size (settings.yaml max_evidence_mb),
and stored once by its sha256 in `evidence_file`; each attachment is a row of `evidence_link`. Who may attach:
a reporter to its own unit's measurements and tasks, the office to anything, a leader to nothing. Every
store, attach and removal is audited in the transaction that writes it; a refused caller is audited too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import math
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import duckdb
import pandas as pd

from tracker import text
from tracker.access import audit
from tracker.access.auth import Actor
from tracker.access.service import service
from tracker.catalogue import catalogue
from tracker.config import settings
from tracker.db import transaction
from tracker.strings.ui import t


class EvidenceError(ValueError):
    """A file or an attachment refused; the message says why, in the reader's language (Chinese by default).
    `reason`: empty | too_large | bad_type | zip_bomb | embedded | ambiguous | target | no_file | no_link |
    need_reason | too_long."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


# ---------------------------------------------------------------- what a file is, by its content


@dataclass(frozen=True)
class FileType:
    kind: str  # what people call it: PDF, JPG, PNG, DOCX, XLSX
    mime: str
    suffixes: tuple[str, ...]
    compressed: bool  # already compressed: stored as is in the archive zip


PDF = FileType("PDF", "application/pdf", (".pdf",), False)
JPEG = FileType("JPG", "image/jpeg", (".jpg", ".jpeg"), True)
PNG = FileType("PNG", "image/png", (".png",), True)
DOCX = FileType(
    "DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",), True
)
XLSX = FileType("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",), True)
TYPES = {f.mime: f for f in (PDF, JPEG, PNG, DOCX, XLSX)}

# An Office file is a zip: refused when its parts would unpack to more than this many times the size limit,
# when one part compresses more than MAX_RATIO to one (real documents: under 20; a zip bomb: thousands), or
# when it lists more parts than any document has.
MAX_UNPACKED_FACTOR = 10
MAX_RATIO = 200
MAX_PARTS = 10_000
MAX_NAME = 120  # characters of a stored file name (the archive puts it in a path)


def max_bytes() -> int:
    return int(settings().get("max_evidence_mb", 20)) * 1024 * 1024


def _office_type(data: bytes, name: str) -> FileType:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise EvidenceError(t("ev_bad_zip", name=name), "bad_type") from None
    if len(infos) > MAX_PARTS or sum(i.file_size for i in infos) > MAX_UNPACKED_FACTOR * max_bytes():
        raise EvidenceError(t("ev_zip_bomb", name=name), "zip_bomb")
    if any(i.file_size > 1_000_000 and i.file_size > MAX_RATIO * max(i.compress_size, 1) for i in infos):
        raise EvidenceError(t("ev_zip_bomb", name=name), "zip_bomb")
    names = {i.filename for i in infos}
    _refuse_embedded(z_data=data, infos=infos, name=name)
    if "[Content_Types].xml" in names:
        if any(n.startswith("word/") for n in names):
            return DOCX
        if any(n.startswith("xl/") for n in names):
            return XLSX
    raise EvidenceError(t("ev_bad_type", name=name), "bad_type")


# What is checked beyond the first bytes (issue 22, finding 9). In an Office file: no part under an
# embeddings/ folder but a chart's workbook, no OLE package (oleObject*.bin: a packaged .exe or any other file
# opens from the document with one double click), no ActiveX, no macros (vbaProject.bin), and no part that
# starts as a Windows or Linux program (MZ, ELF) or an OLE compound file, whatever its name. In a PDF: no HTML or
# script markup in the first 4 KiB (HEAD), where a browser sniffing the content would take a PDF/HTML polyglot
# for a web page.
EMBEDDED_PARTS = re.compile(
    r"(^|/)(embeddings/(?![^/]*\.(xlsx|docx|pptx)$)|activeX/)|vbaProject\.bin$|oleObject[^/]*$", re.IGNORECASE
)
PROGRAM_STARTS = (b"MZ", b"\x7fELF", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
HEAD = 4096
MARKUP = re.compile(
    rb"<\s*(html|script|body|iframe|svg|object|embed|meta)\b|<!doctype|javascript:", re.IGNORECASE
)


def _refuse_embedded(z_data: bytes, infos: list[zipfile.ZipInfo], name: str) -> None:
    part = next((i.filename for i in infos if EMBEDDED_PARTS.search(i.filename)), None)
    if part is None:
        with zipfile.ZipFile(io.BytesIO(z_data)) as z:
            for info in infos:
                if info.file_size < 2 or info.is_dir():
                    continue
                try:
                    with z.open(info) as f:
                        start = f.read(8)
                except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError):
                    raise EvidenceError(t("ev_bad_zip", name=name), "bad_type") from None
                if start.startswith(PROGRAM_STARTS):
                    part = info.filename
                    break
    if part is not None:
        raise EvidenceError(t("ev_embedded", name=name, part=part), "embedded")


def _refuse_markup(data: bytes, kind: FileType, name: str) -> None:
    found = MARKUP.search(data[:HEAD])
    if found is not None:
        text = found.group().decode("latin-1")
        raise EvidenceError(t("ev_ambiguous", name=name, kind=kind.kind, found=text), "ambiguous")


def file_type(data: bytes, name: str = "") -> FileType:
    """The type of a file from its content; EvidenceError when it is none of the accepted ones."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"PK\x03\x04"):
        return _office_type(data, name)
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # OLE2: .doc / .xls of Office 97–2003
        raise EvidenceError(t("ev_old_office", name=name), "bad_type")
    raise EvidenceError(t("ev_bad_type", name=name), "bad_type")


def clean_name(file_name: str) -> str:
    """The name as it will be shown and archived: the last part of any path (a browser on Windows may send
    C:\\…), NFC, no control characters, at most MAX_NAME characters (the suffix kept)."""
    name = re.split(r"[\\/]", str(file_name or ""))[-1]
    name = "".join(c for c in unicodedata.normalize("NFC", name) if unicodedata.category(c)[0] != "C").strip()
    name = name.strip(". ") or "file"
    if len(name) > MAX_NAME:
        stem, dot, suffix = name.rpartition(".")
        name = (
            stem[: MAX_NAME - len(suffix) - 1] + dot + suffix if dot and len(suffix) <= 8 else name[:MAX_NAME]
        )
    return name


Upload = tuple[bytes, str]  # a file's bytes and its name, as a page's file picker gives them


def check_files(files: Iterable[Upload]) -> list[str]:
    """check_file on each of several files (a task's update, an acceptance) before anything is written; their
    names as they will be kept."""
    for data, name in files:
        check_file(data, name)
    return [clean_name(name) for _, name in files]


def check_file(data: bytes, file_name: str) -> FileType:
    """Refuse an empty, too large or unaccepted file, or one whose name says another type than its content."""
    name = clean_name(file_name)
    if not data:
        raise EvidenceError(t("ev_empty", name=name), "empty")
    if len(data) > max_bytes():
        size = len(data) / 1024 / 1024
        raise EvidenceError(
            t("ev_too_large", name=name, size=size, limit=max_bytes() // 1048576), "too_large"
        )
    kind = file_type(data, name)
    if not kind.compressed:  # a PDF is text at its start; images and zips are binary there
        _refuse_markup(data, kind, name)
    if not name.lower().endswith(kind.suffixes):
        raise EvidenceError(
            t("ev_wrong_suffix", name=name, kind=kind.kind, suffixes=" / ".join(kind.suffixes)), "bad_type"
        )
    return kind


# ---------------------------------------------------------------- what a file may be attached to


def _is_id(text: str) -> bool:
    """A row id or item number as stored: ASCII digits that fit a BIGINT."""
    return text.isascii() and text.isdigit() and len(text) <= 18


def _owner_from(sql: str) -> Callable[[duckdb.DuckDBPyConnection, str], tuple[bool, str | None]]:
    """A target whose row names the unit concerned: (exists, unit)."""

    def owner(con: duckdb.DuckDBPyConnection, target_id: str) -> tuple[bool, str | None]:
        if not _is_id(target_id):
            return False, None
        row = con.execute(sql, [int(target_id)]).fetchone()
        return (False, None) if row is None else (True, row[0])

    return owner


def _item_owner(con: duckdb.DuckDBPyConnection, target_id: str) -> tuple[bool, str | None]:
    return _is_id(target_id) and int(target_id) in {i.code for i in catalogue().items}, None


def _office_only(con: duckdb.DuckDBPyConnection, target_id: str) -> tuple[bool, str | None]:
    return bool(target_id.strip()), None


# target -> (con, target_id) -> (exists, the unit that may attach besides the office; None: the office only).
# An acceptance and an item are the office's own; a finding is the office's until its module registers one.
TARGETS: dict[str, Callable[[duckdb.DuckDBPyConnection, str], tuple[bool, str | None]]] = {
    "measurement": _owner_from("SELECT unit FROM measurement WHERE id = ?"),
    "task": _owner_from("SELECT owner_unit FROM task WHERE id = ?"),
    "acceptance": _owner_from("SELECT NULL FROM acceptance WHERE id = ?"),
    "item": _item_owner,
    "finding": _office_only,
}


def register_target(target: str, owner: Callable[[duckdb.DuckDBPyConnection, str], tuple[bool, str | None]]):
    """Let another module (inspections: 'finding') say whether a target exists and which unit may attach to it."""
    TARGETS[target] = owner


def _stored_id(target_id: object) -> str:
    """The target id as stored: 「010」 and 10 name the same row, stored as 「10」, as the archive joins them."""
    target_id = str(target_id).strip()
    return str(int(target_id)) if _is_id(target_id) else target_id


def _owner_permission(con, target: str, target_id: object) -> tuple[str, str | None] | None:
    """Who may attach to a target that exists: the office, and the unit its row names; None when the target is
    unknown or missing (the service then says so)."""
    if target in TARGETS:
        exists, unit = TARGETS[target](con, _stored_id(target_id))
        if exists:
            return "upload" if unit else "evidence_manage", unit
    return None


def _check_target(con, target: str, target_id: object) -> str:
    """The target id as stored, of a target that exists (EvidenceError otherwise)."""
    target_id = _stored_id(target_id)
    if target not in TARGETS:
        raise EvidenceError(t("ev_unknown_target", target=target), "target")
    if not TARGETS[target](con, target_id)[0]:
        raise EvidenceError(t("ev_no_target", what=t(f"ev_what_{target}"), id=target_id), "target")
    return target_id


def _link_row(con, link_id: int) -> tuple:
    row = con.execute(
        "SELECT id, sha256, target, target_id, file_name, attached_at, attached_by, note FROM evidence_link "
        "WHERE id = ? AND removed_at IS NULL",
        [int(link_id)],
    ).fetchone()
    if row is None:
        raise EvidenceError(t("ev_no_link", id=link_id), "no_link")
    return row


# The set-up of the services below (tracker.access.service): the stored account, allowed to attach to the
# target; a refusal is audited at the target.
def _may_attach(con, actor: Actor, arguments: dict):
    return _owner_permission(con, arguments["target"], arguments["target_id"])


def _attach_target(con, arguments: dict) -> str:
    return f"{arguments['target']}:{_stored_id(arguments['target_id'])}"


def _may_remove(con, actor: Actor, arguments: dict):
    row = _link_row(con, arguments["link_id"])
    return _owner_permission(con, row[2], row[3])


def _remove_target(con, arguments: dict) -> str:
    row = _link_row(con, arguments["link_id"])
    return f"{row[2]}:{_stored_id(row[3])}"


def _may_store(con, actor: Actor, arguments: dict):
    """Storing is the first half of attaching: the office, or a reporter for its own unit."""
    return ("upload", actor.unit) if actor.role == "reporter" else "evidence_manage"


# ---------------------------------------------------------------- writing (inside the caller's transaction)


def _stored_text(value: object, field: str) -> str:
    """A note or reason as stored (tracker.text.clean); refused as too_long."""
    return text.clean(value, field, lambda message: EvidenceError(message, "too_long"))


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now().replace(microsecond=0)


def _store(con, data: bytes, name: str, kind: FileType, actor: Actor, when: dt.datetime) -> str:
    sha = hashlib.sha256(data).hexdigest()
    if con.execute("SELECT 1 FROM evidence_file WHERE sha256 = ?", [sha]).fetchone() is None:
        con.execute(
            "INSERT INTO evidence_file (sha256, bytes, size, mime, first_name, stored_at, stored_by) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [sha, data, len(data), kind.mime, name, when, actor.name],
        )
        after = {"sha256": sha, "size": len(data), "mime": kind.mime, "name": name}
        audit.record(con, actor.name, "evidence_store", f"file:{sha[:16]}", None, after)
    return sha


def _link(con, sha: str, target: str, target_id: str, name: str, actor: Actor, note: str, when) -> int:
    held = con.execute(
        "SELECT id FROM evidence_link WHERE sha256 = ? AND target = ? AND target_id = ? AND removed_at IS NULL",
        [sha, target, target_id],
    ).fetchone()
    if held is not None:  # the same file on the same target again: nothing new to record
        return int(held[0])
    link_id = con.execute(
        "INSERT INTO evidence_link (sha256, target, target_id, file_name, attached_at, attached_by, note) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        [sha, target, target_id, name, when, actor.name, note],
    ).fetchone()[0]
    after = {"id": link_id, "sha256": sha, "file_name": name, "note": note}
    audit.record(con, actor.name, "evidence_attach", f"{target}:{target_id}", None, after, note or None)
    return int(link_id)


# ---------------------------------------------------------------- services


@service("evidence_store", _may_store, refused=("evidence_store_refused", lambda con, arguments: None))
def store_file(
    con: duckdb.DuckDBPyConnection, data: bytes, file_name: str, actor: Actor, now: dt.datetime | None = None
) -> str:
    """Check a file by its content and size and keep it once (by sha256); returns the sha256. The office or a
    reporter may store; the file shows nowhere until it is attached."""
    kind = check_file(data, file_name)
    with transaction(con):
        return _store(con, data, clean_name(file_name), kind, actor, _now(now))


@service("evidence_attach", _may_attach, refused=("evidence_attach_refused", _attach_target))
def attach(
    con: duckdb.DuckDBPyConnection,
    sha256: str,
    target: str,
    target_id: object,
    actor: Actor,
    note: str = "",
    file_name: str | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Attach a stored file to a target (measurement, task, acceptance, item, finding); returns the link's id.
    The same file on the same target again returns the existing link and writes nothing."""
    target_id = _check_target(con, target, target_id)
    note = _stored_text(note, "evidence_note")
    row = con.execute("SELECT first_name FROM evidence_file WHERE sha256 = ?", [sha256]).fetchone()
    if row is None:
        raise EvidenceError(t("ev_no_file", sha=sha256), "no_file")
    name = clean_name(file_name) if file_name else row[0]
    with transaction(con):
        return _link(con, sha256, target, target_id, name, actor, note, _now(now))


@service("evidence_attach_file", _may_attach, refused=("evidence_attach_refused", _attach_target))
def attach_file(
    con: duckdb.DuckDBPyConnection,
    data: bytes,
    file_name: str,
    target: str,
    target_id: object,
    actor: Actor,
    note: str = "",
    now: dt.datetime | None = None,
) -> int:
    """Store and attach in one transaction (the pages' upload): the target is checked before the file is kept,
    so a refused attachment leaves no file behind."""
    target_id = _check_target(con, target, target_id)
    note = _stored_text(note, "evidence_note")
    kind = check_file(data, file_name)
    name = clean_name(file_name)
    when = _now(now)
    with transaction(con):
        sha = _store(con, data, name, kind, actor, when)
        return _link(con, sha, target, target_id, name, actor, note, when)


@service("evidence_remove", _may_remove, refused=("evidence_remove_refused", _remove_target))
def remove(
    con: duckdb.DuckDBPyConnection, link_id: int, actor: Actor, reason: str, now: dt.datetime | None = None
) -> None:
    """Take a file off its target (whoever may attach to that target), with a reason. The row and the bytes
    stay: the audit log and earlier archives still explain themselves."""
    row = _link_row(con, link_id)
    _check_target(con, row[2], row[3])
    reason = _stored_text(reason, "reason")
    if not reason:
        raise EvidenceError(t("ev_need_reason"), "need_reason")
    before = dict(zip(("id", "sha256", "target", "target_id", "file_name", "attached_at", "attached_by", "note"),
                      row, strict=True))  # fmt: skip
    when = _now(now)
    with transaction(con):
        con.execute(
            "UPDATE evidence_link SET removed_at = ?, removed_by = ? WHERE id = ?",
            [when, actor.name, link_id],
        )
        after = {**before, "removed_at": when, "removed_by": actor.name}
        audit.record(con, actor.name, "evidence_remove", f"{row[2]}:{row[3]}", before, after, reason)


# ---------------------------------------------------------------- reading (everyone may read)

FILES_SQL = """
SELECT l.id, l.target, l.target_id, l.sha256, l.file_name, f.mime, f.size, l.attached_at, l.attached_by, l.note
FROM evidence_link l JOIN evidence_file f ON f.sha256 = l.sha256
WHERE l.removed_at IS NULL AND l.target = $target AND l.target_id IN (SELECT unnest($ids))
ORDER BY l.target_id, l.attached_at, l.id
"""


def files_for(
    con: duckdb.DuckDBPyConnection, target: str, target_id: object | Iterable[object]
) -> pd.DataFrame:
    """The files attached (and not removed) to one target, or to several ids of one kind of target, oldest
    first: id, target, target_id, sha256, file_name, mime, size, attached_at, attached_by, note."""
    ids = [target_id] if isinstance(target_id, str | int) else list(target_id)
    return con.execute(FILES_SQL, {"target": target, "ids": [str(i) for i in ids]}).df()


def read_file(con: duckdb.DuckDBPyConnection, sha256: str) -> tuple[bytes, str, str]:
    """A stored file: (bytes, mime, the name it was first stored under)."""
    row = con.execute(
        "SELECT bytes, mime, first_name FROM evidence_file WHERE sha256 = ?", [sha256]
    ).fetchone()
    if row is None:
        raise EvidenceError(t("ev_no_file", sha=sha256), "no_file")
    return bytes(row[0]), row[1], row[2]


def linked_file(con: duckdb.DuckDBPyConnection, link_id: int) -> tuple[bytes, str, str] | None:
    """The file an attachment that is still in place holds: (bytes, mime, the name it was attached under)."""
    row = con.execute(
        """SELECT f.bytes, f.mime, l.file_name FROM evidence_link l JOIN evidence_file f USING (sha256)
           WHERE l.id = ? AND l.removed_at IS NULL""",
        [link_id],
    ).fetchone()
    return None if row is None else (bytes(row[0]), row[1], row[2])


def size_text(size: int) -> str:
    return f"{size / 1048576:.1f} MB" if size >= 1048576 else f"{math.ceil(size / 1024)} KB"
