"""整改台账 — rectification tasks: the office opens them (by hand or for every new failure) and closes them;
a unit sees and updates its own; overdue tasks first; every change kept."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from app import office_web, session, tables, webapp, widget_words
from app.markup import bold, plain
from app.tables import WRAPPING_ROWS, widths
from tracker.access.auth import PermissionDenied, can
from tracker.office import evidence, tasks
from tracker.office.evidence import size_text
from tracker.reports import ledger_export
from tracker.strings.ui import date_text, t

actor = session.guard("tasks")

p = office_web.p
as_of = office_web.as_of()
con = webapp.cursor()
cat = webapp.cat()
# The ledger is a live record: it changes only today. An earlier as-of date shows it as it stood then, read only.
live = as_of == dt.date.today()
is_office = live and actor is not None and can(actor, "task_manage")

st.title(p("tasks_title"))
if actor is None:
    st.caption(p("not_signed_in"))
elif actor.role == "reporter":
    st.caption(p("tasks_mine", unit=actor.unit))
view = "tasks_history_view" if as_of < dt.date.today() else "tasks_future_view"  # only a past date is history
if not live:
    st.info(p(view, date=date_text(as_of)), icon=":material/history:")


def report(fn, *args, done: str | None = None, **kw):
    """Run a service; show its refusal in plain Chinese, or the success message."""
    try:
        result = fn(*args, **kw)
    except (tasks.TaskError, evidence.EvidenceError, PermissionDenied) as exc:
        st.error(plain(exc))
        return None
    if done:
        st.session_state["tasks_flash"] = done.format(result=result)
    st.rerun()


if flash := st.session_state.pop("tasks_flash", None):
    st.success(plain(flash))

if is_office:
    with st.expander(p("tasks_auto")):
        days = st.number_input(
            p("tasks_auto_days"), min_value=1, max_value=365, value=tasks.DEFAULT_DAYS, key="tasks_days"
        )
        if st.button(p("tasks_auto"), key="tasks_auto_button", type="primary"):
            try:
                ids = tasks.open_auto_tasks(con, as_of, actor, days=int(days))
            except (tasks.TaskError, PermissionDenied) as exc:
                st.error(plain(exc))
            else:
                st.session_state["tasks_flash"] = (
                    p("tasks_auto_done", n=len(ids)) if ids else p("tasks_auto_none")
                )
                st.rerun()
    with st.expander(p("tasks_new")), st.form("tasks_new_form", enter_to_submit=False):
        metric = st.selectbox(
            p("tasks_metric"),
            [m.code for m in cat.metrics],
            format_func=lambda c: f"{c} {cat.metric(c).name}",
            key="tasks_new_metric",
        )
        owner = st.selectbox(
            p("tasks_owner"),
            list(cat.units),
            index=None,
            placeholder=p("pick_placeholder"),
            key="tasks_new_owner",
        )
        description = st.text_area(p("tasks_description"), key="tasks_new_description")
        deadline = st.date_input(
            p("tasks_deadline"), value=as_of + dt.timedelta(days=30), key="tasks_new_deadline"
        )
        if st.form_submit_button(p("tasks_create"), type="primary"):
            report(
                tasks.open_task, con, actor, metric, description, deadline, owner_unit=owner,
                done=p("tasks_created", id="{result}"),
            )  # fmt: skip

unit = tasks.visible_unit(actor) if actor else None
ledger = tasks.ledger(con, as_of, unit=unit)
overdue = int(ledger["overdue"].sum()) if len(ledger) else 0
st.caption(p("tasks_caption", date=date_text(as_of), total=len(ledger), overdue=overdue))
if ledger.empty:
    st.info(p("tasks_empty"))
    st.stop()

# The ledger as a document of its own, as it stands on the as-of date (the unit's own tasks for a unit).
icons = (":material/table:", ":material/description:")
exports = st.columns([2, 2, 6], vertical_alignment="center")[:2]
for column, suffix, icon in zip(exports, ledger_export.SUFFIXES, icons, strict=True):
    column.download_button(
        p(f"tasks_export_{suffix[1:]}"),
        office_web.ledger_bytes(as_of, suffix, unit),
        file_name=ledger_export.file_name(as_of, suffix, unit),
        key=f"tasks_export_{suffix[1:]}",
        help=p("tasks_export"),
        icon=icon,
        on_click="ignore",
    )

only_open = st.toggle(p("tasks_filter"), value=True, key="tasks_only_open")
shown = ledger[ledger["status"] != "closed"] if only_open else ledger
tables.show(
    pd.DataFrame(
        {
            # Deadline and status first: the long texts after them (a wide description pushed them off-screen).
            t("col.task"): shown["id"],
            t("col.task_deadline"): shown["deadline"],
            t("col.task_status"): shown["status"].map(lambda s: t(f"task_status.{s}")),
            t("col.overdue"): [
                p("tasks_overdue_flag", days=int(d)) if o else ""
                for o, d in zip(shown["overdue"], shown["days_overdue"].fillna(0), strict=True)
            ],
            t("col.owner"): shown["owner_unit"],
            t("col.metric"): shown["metric"] + " " + shown["metric"].map(lambda c: cat.metric(c).name),
            t("col.description"): shown["description"],
            t("col.last_note"): shown["last_note"].fillna(""),
        }
    ),
    hide_index=True,
    column_config=widths(
        {t("col.metric"): "medium", t("col.description"): 300, t("col.last_note"): "medium"}
    ),
    row_height=WRAPPING_ROWS,
    key="tasks_table",
)

choice = st.selectbox(
    p("tasks_pick"),
    list(ledger["id"]),
    format_func=lambda i: t(
        "with_note",
        text=f"#{i} {ledger.set_index('id').loc[i, 'metric']} {ledger.set_index('id').loc[i, 'owner_unit']}",
        note=t("task_status." + ledger.set_index("id").loc[i, "status"]),
    ),
    key="tasks_pick",
)
task = tasks.get(con, int(choice))
may_update = live and actor is not None and can(actor, "task_update", task["owner_unit"])
left, right = st.columns(2)
with left:
    st.markdown(f"**{p('tasks_update')}**")
    if not may_update:
        st.caption(p("tasks_read_only") if live else p(view, date=date_text(as_of)))
    else:
        # Keys carry the task's id: another task picked gets its own status and an empty note, so 保存 never
        # writes what was typed for one task onto another.
        with st.form(f"tasks_update_form_{task['id']}", enter_to_submit=False):
            current = task["status"] if task["status"] in tasks.UNIT_STATUSES else "open"
            status = st.radio(
                p("tasks_status"), tasks.UNIT_STATUSES, index=tasks.UNIT_STATUSES.index(current),
                format_func=lambda s: t(f"task_status.{s}"), horizontal=True, key=f"tasks_status_{task['id']}",
            )  # fmt: skip
            note = st.text_area(p("tasks_note"), key=f"tasks_note_{task['id']}")
            # A saved update empties the picker (a new key): a second 保存 never sends the same files again.
            fresh = st.session_state.get("tasks_files_round", 0)
            limit = evidence.max_bytes() // 1048576
            uploaded = st.file_uploader(
                p("tasks_files"), accept_multiple_files=True, key=f"tasks_files_{task['id']}_{fresh}",
                help=p("tasks_files_help", limit=limit), max_upload_size=limit,
            )  # fmt: skip
            widget_words.file_uploader(limit)
            if st.form_submit_button(p("tasks_save")):
                files = [(f.getvalue(), f.name) for f in uploaded or ()]
                if files:
                    st.session_state["tasks_files_round"] = fresh + 1
                report(
                    tasks.update_task,
                    con,
                    actor,
                    task["id"],
                    status,
                    note,
                    files=files,
                    done=p("tasks_saved"),
                )
    if is_office and task["status"] != "closed":
        with st.form(f"tasks_close_form_{task['id']}", enter_to_submit=False):
            reason = st.text_area(p("tasks_close_reason"), key=f"tasks_close_reason_{task['id']}")
            if st.form_submit_button(p("tasks_close"), type="primary"):
                report(
                    tasks.close_task,
                    con,
                    actor,
                    task["id"],
                    reason=reason,
                    done=p("tasks_closed", id=task["id"]),
                )
with right:
    st.markdown(f"**{p('tasks_history')}**")
    history = tasks.events(con, task["id"])
    tables.show(
        pd.DataFrame(
            {
                t("col.time"): history["happened_at"],
                t("col.actor"): history["actor"],
                t("col.status"): [
                    (t(f"task_status.{f}") + " → " if isinstance(f, str) else "") + t(f"task_status.{t_}")
                    for f, t_ in zip(history["from_status"], history["to_status"], strict=True)
                ],
                t("col.note"): history["note"],
            }
        ),
        hide_index=True,
        key="tasks_history_table",
    )
    st.markdown(f"**{p('tasks_task_files')}**")
    kept = evidence.files_for(con, "task", task["id"])
    if kept.empty:
        st.caption(p("tasks_no_files"))
    for f in kept.itertuples(index=False):
        st.markdown(f":material/attach_file: {bold(f.file_name)}")
        st.caption(
            plain(f"{f.attached_by} · {pd.Timestamp(f.attached_at):%Y-%m-%d %H:%M} · {size_text(f.size)}")
        )
