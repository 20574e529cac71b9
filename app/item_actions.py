"""Act where you look (issue 13): beside a metric of the item page that is not met, stale, without data or
awaiting the office's check — 「立项」 (a ledger task prefilled with the metric, its unit, the evaluation's reason
and a deadline, all editable) and a link to the unit's upload history (报送记录). 「核实」 of a pending 「是」 sits
in the metric's verification block. Only the office sees the actions; tracker.office.tasks checks the role again."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from app import webapp
from app.markup import plain
from tracker.access.auth import Actor, PermissionDenied, can
from tracker.office import tasks
from tracker.strings.ui import act

NEEDS_ACTION = ("not_met", "stale", "no_data", "pending")


def actions(metric, row, actor: Actor) -> None:
    """The action row of one metric (nothing for a metric that is met, or for a user who may not act)."""
    if row["status"] not in NEEDS_ACTION or not can(actor, "task_manage"):
        return
    slug = metric.code.replace(".", "_")
    flash_key = f"act_flash_{slug}"
    if flash := st.session_state.pop(flash_key, None):
        st.success(plain(flash), icon=":material/assignment_add:")
    open_now = open_tasks(metric.code)
    if open_now:
        st.caption(act("act_task_open_already", tasks=open_now))
    row_of_actions = st.container(horizontal=True, vertical_alignment="center", gap="medium")
    with row_of_actions.popover(
        act("act_open_task"), icon=":material/assignment_add:", help=act("act_open_task_help")
    ):
        task_form(metric, row, actor, slug, flash_key)
    row_of_actions.page_link(
        "pages/submissions.py",
        label=act("act_history", unit=metric.reporter),
        query_params={"unit": metric.reporter},
        icon=":material/history:",
    )


def open_tasks(metric: str) -> str:
    """The metric's tasks not yet closed, as 「#3（城管执法局，期限 2024-04-30）」."""
    ledger = tasks.ledger(webapp.cursor(), dt.date.today())
    ledger = ledger[(ledger["metric"] == metric) & (ledger["status"] != "closed")]
    return "；".join(f"#{r.id}（{r.owner_unit}，{r.deadline}）" for r in ledger.itertuples(index=False))


def task_form(metric, row, actor: Actor, slug: str, flash_key: str) -> None:
    cat = webapp.cat()
    st.markdown(f"**{act('act_task_header', code=metric.code)}**")
    units = list(cat.units)
    owner_default = tasks.owner_of(metric.code, cat)
    with st.form(f"act_task_{slug}"):
        owner = st.selectbox(
            act("act_task_owner"), units, index=units.index(owner_default), key=f"act_owner_{slug}"
        )
        reason = st.text_area(act("act_task_reason"), value=row["reason"], key=f"act_reason_{slug}")
        deadline = st.date_input(
            act("act_task_deadline"),
            value=dt.date.today() + dt.timedelta(days=tasks.DEFAULT_DAYS),
            min_value=dt.date.today(),
            key=f"act_deadline_{slug}",
        )
        created = st.form_submit_button(act("act_task_create"), type="primary", key=f"act_create_{slug}")
    if not created:
        return
    try:
        task_id = tasks.open_task(
            webapp.cursor(), actor, metric.code, reason, deadline, owner_unit=owner, cat=cat
        )
    except (tasks.TaskError, PermissionDenied) as exc:
        st.error(plain(exc))
        return
    st.session_state[flash_key] = act("act_task_created", id=task_id, unit=owner, deadline=deadline)
    for key in (f"act_reason_{slug}", f"act_deadline_{slug}", f"act_owner_{slug}"):
        st.session_state.pop(key, None)  # the next task for this metric starts from the evaluation again
    st.rerun()
