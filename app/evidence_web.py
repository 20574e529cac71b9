"""The item page's evidence files (档案资料): each metric's files beside its submissions, the item's own files,
the upload that attaches a file to one of the item's latest measurements or to the item, and 「导出档案」.

Reads through tracker.reports.archive (one query for the item's evidence); writes through tracker.office.evidence,
which checks the caller again. Files are read from the database only when a download is clicked."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import streamlit as st

from app import archive_route, webapp, widget_words
from app.markup import bold, plain
from app.web_routes import base_path
from tracker.access.auth import Actor, PermissionDenied
from tracker.catalogue import Item
from tracker.engine.reasons import fmt_value
from tracker.office import evidence
from tracker.reports import archive
from tracker.strings.ui import t

FLASH = "evidence_flash"


def item_files(code: int) -> pd.DataFrame:
    """Every evidence file of the item (the 督办通知 sent are shown on the unit page): read on each run, a few
    rows."""
    return archive.evidence_rows(webapp.cursor(), [code], webapp.cat())


def _file_bytes(sha256: str):
    con = webapp.cursor()

    def read() -> bytes:
        return evidence.read_file(con, sha256)[0]

    return read


def _what(row) -> str:
    if row.part == 1:
        area = f" {row.area}" if isinstance(row.area, str) else ""
        return f"{row.metric} · {row.period}{area} · {row.unit}"
    if row.part == 2:
        return t("ev_task_label", id=int(row.task_id)) + f" · {row.unit}"
    if row.part == 3:
        return t("ev_acceptance_label", date=archive.accepted_day(row))
    if row.part == 4:
        return t("ev_finding_label", id=row.ref) + f" · {row.unit}"
    return t("ev_for_item")


def _may_remove(actor: Actor, row) -> bool:
    """Who is offered 「移除」: the office, and a unit on its own measurements' and tasks' files (the service
    checks again)."""
    return actor.role == "admin" or (
        actor.role == "reporter" and row.part in (1, 2) and row.unit == actor.unit
    )


def _remove(link_id: int, name: str, actor: Actor, reason: str) -> None:
    try:
        evidence.remove(webapp.cursor(), link_id, actor, reason)
    except (evidence.EvidenceError, PermissionDenied) as exc:
        st.error(plain(exc))
        return
    st.session_state[FLASH] = t("ev_removed", name=name)
    st.rerun()


def file_list(files: pd.DataFrame, key: str, actor: Actor) -> None:
    """One line per file: name, what it is attached to, who and when, size, verification; a download button,
    and 「移除」 with a reason for whoever may take it off."""
    for row in files.itertuples(index=False):
        left, middle, right = st.columns([6, 1, 1], vertical_alignment="center")
        when = f"{pd.Timestamp(row.attached_at):%Y-%m-%d %H:%M}"
        left.markdown(f":material/attach_file: {bold(row.file_name)}")
        words = [
            _what(row),
            t("ev_file_meta", size=evidence.size_text(row.size), who=row.attached_by, when=when),
        ]
        if key := archive.verification_key(row):
            words.append(t(key, **archive.verified_by(row)))
        if isinstance(row.note, str) and row.note:
            words.append(row.note)
        left.caption(plain("　·　".join(words)))
        if archive_route.mounted():  # behind the sign-in, never in the media store (served without one)
            middle.link_button(
                t("ev_download"),
                archive_route.evidence_url(base_path(), row.link_id),
                icon=":material/download:",
            )
        else:
            middle.download_button(
                t("ev_download"),
                _file_bytes(row.sha256),
                file_name=row.file_name,
                mime=row.mime,
                key=f"{key}_{row.link_id}",
                icon=":material/download:",
                on_click="ignore",
            )
        if _may_remove(actor, row):
            with right.popover(t("ev_remove"), icon=":material/delete:"):
                reason = st.text_input(t("ev_remove_reason"), key=f"{key}_reason_{row.link_id}")
                if st.button(t("ev_remove_confirm"), key=f"{key}_remove_{row.link_id}", type="primary"):
                    _remove(int(row.link_id), row.file_name, actor, reason)


def _of_metric(files: pd.DataFrame, metric: str) -> pd.DataFrame:
    return files[(files["part"] == 1) & (files["metric"] == metric)]


def evidence_label(files: pd.DataFrame, metric: str) -> str:
    """The title of a metric's 「佐证与报送记录」, with how many files it holds."""
    n = len(_of_metric(files, metric))
    return t("evidence_header") + (t("ev_count", n=n) if n else "")


def metric_files(files: pd.DataFrame, metric: str, actor: Actor) -> None:
    """Inside a metric's 「佐证与报送记录」: the files attached to its measurements."""
    mine = _of_metric(files, metric)
    st.markdown(f"**{t('ev_section')}**")
    if mine.empty:
        st.caption(t("ev_none"))
    else:
        file_list(mine, f"ev_m_{metric.replace('.', '_')}", actor)


def _targets(item: Item, actor: Actor, history: pd.DataFrame) -> list[tuple[str, int, str]]:
    """What this user may attach a file to on this page: the item (the office), and each metric's latest
    measurements (the value that counts in its latest period, per area) of the user's unit or, for the office,
    of every unit."""
    targets = [("item", item.code, t("ev_for_item"))] if actor.role == "admin" else []
    codes = [m.code for m in item.metrics]
    rows = history[history["metric"].isin(codes)]
    if not rows.empty:
        latest = rows[rows["period_start"] == rows.groupby("metric")["period_start"].transform("max")]
        if actor.role != "admin":
            latest = latest[latest["unit"] == actor.unit]
        cat = webapp.cat()
        for r in latest.sort_values(["metric", "area"], na_position="first").itertuples(index=False):
            metric = cat.metric(r.metric)
            label = t(
                "ev_for_measurement",
                period=r.period_label,
                area=f" {r.area}" if isinstance(r.area, str) else "",
                unit=r.unit,
                value=answer(r.value) if metric.vtype.answer else fmt_value(r.value, metric),
            )
            targets.append(("measurement", int(r.id), f"{metric.code} {metric.name} · {label}"))
    return targets


def answer(value: float) -> str:
    """A checklist answer in the page's language (fmt_value writes the stored 是/否)."""
    return t("ev_yes") if value >= 0.5 else t("ev_no")


def upload_form(item: Item, actor: Actor, history: pd.DataFrame) -> None:
    if actor.role not in ("admin", "reporter"):
        return
    targets = _targets(item, actor, history)
    if not targets:
        st.caption(t("ev_no_target_allowed"))
        return
    limit = evidence.max_bytes() // 1048576
    with st.form("evidence_upload", clear_on_submit=True, border=True):
        st.markdown(f"**{t('ev_upload_header')}**")
        pick = st.selectbox(t("ev_attach_to"), range(len(targets)), format_func=lambda i: targets[i][2])
        uploaded = st.file_uploader(
            t("ev_file"), key="evidence_file", help=t("ev_upload_help", limit=limit), max_upload_size=limit
        )
        widget_words.file_uploader(limit)
        note = st.text_input(t("ev_note"))
        if not st.form_submit_button(t("ev_attach"), type="primary", icon=":material/upload_file:"):
            return
    if uploaded is None:
        st.error(t("ev_pick_file"))
        return
    target, target_id, label = targets[pick]
    try:
        evidence.attach_file(
            webapp.cursor(), uploaded.getvalue(), uploaded.name, target, target_id, actor, note
        )
    except (evidence.EvidenceError, PermissionDenied) as exc:
        st.error(plain(exc))
        return
    st.session_state[FLASH] = t("ev_attached", name=evidence.clean_name(uploaded.name), what=label)
    st.rerun()


def _archive_bytes(items: list[int] | None):
    """A callable for st.download_button: the zip is written to a temporary file in bounded memory when the
    button is clicked, then handed to Streamlit (which serves downloads from memory)."""
    con = webapp.cursor()

    def make() -> bytes:
        path = archive.archive_file(con, items, webapp.cat())
        try:
            return Path(path).read_bytes()
        finally:
            Path(path).unlink(missing_ok=True)

    return make


def export_button(day: dt.date, item: int | None = None, key: str = "ev_export") -> None:
    """「导出档案」: one item's archive, or all items' (item None) — streamed from disk by the app's own route
    when server.py mounted it (app.archive_route), else through the download button."""
    label = t("ev_export_item" if item is not None else "ev_export_all")
    if archive_route.mounted():
        st.link_button(
            label,
            archive_route.url(base_path(), item),
            help=t("ev_export_help"),
            icon=":material/folder_zip:",
        )
        return
    st.download_button(
        label,
        _archive_bytes(None if item is None else [item]),
        file_name=archive.archive_name(day, item),
        mime="application/zip",
        key=key,
        help=t("ev_export_help"),
        icon=":material/folder_zip:",
        on_click="ignore",
    )


def item_section(item: Item, actor: Actor, files: pd.DataFrame, history: pd.DataFrame, day: dt.date) -> None:
    """After the metrics: the item's own files, its tasks' and acceptances', the upload, the export."""
    st.subheader(t("ev_section"), anchor="evidence")
    if flash := st.session_state.pop(FLASH, None):
        st.success(plain(flash), icon=":material/task:")
    own = files[files["part"] != 1]
    if files.empty:
        st.caption(t("ev_item_summary_none"))
    else:
        st.caption(t("ev_item_summary", total=len(files), measured=len(files) - len(own)))
        file_list(own, "ev_i", actor)
    upload_form(item, actor, history)
    export_button(day, item.code, key="ev_export_item")
