"""通报与国家表 — the briefing for the as-of date (.docx, .xlsx, built when its button is clicked), issued under a
文号 and 期数 and archived by the office (印发并存档), the archive of issued briefings, and the national assessment
form (.json, .xlsx)."""

from __future__ import annotations

import streamlit as st

from app import cached, evidence_web, office_web, session, state, tables, webapp
from app.markup import plain
from tracker.access.auth import PermissionDenied, can
from tracker.reports import briefing_issue, national_form
from tracker.strings.ui import date_text, lang, t

actor = session.guard("reports")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

p = office_web.p
as_of = office_web.as_of()
con = webapp.cursor()

st.title(p("rep_title"))
st.caption(p("rep_caption", date=date_text(as_of)))

st.subheader(p("rep_brief"))
office_web.warm_charts()
known_then = state.known_then("rep_known_then")
b = cached.briefing(as_of, known_then)
st.markdown(
    p(
        "rep_ready",
        met=b.summary["met"],
        total=b.summary["items"],
        veto=len(b.summary["veto_risks"]),
        late=len(b.late),
        overdue=len(b.overdue),
    ),
    help=p("rep_brief_help"),
)
st.markdown(p("rep_doc_title", title=b.title))
may_issue = actor is not None and can(actor, "issue_briefing")
if may_issue:  # drawn while the 文号 is typed: 印发并存档 does not wait for the chart browser
    cached.draw_briefing_charts(as_of, known_then)
# A form: typing the 文号 or 期数 reruns nothing; the downloads below take them once sent (either button).
with st.form("rep_numbers", enter_to_submit=False, border=False):
    c1, c2 = st.columns([3, 1])
    number = c1.text_input(
        p("rep_number"), key="rep_number", placeholder=p("rep_number_placeholder"), help=p("rep_header_help")
    )
    issue_no = c2.text_input(p("rep_issue_no"), key="rep_issue_no", placeholder=p("rep_issue_no_placeholder"))
    apply_col, issue_col = st.columns(2)
    apply_col.form_submit_button(p("rep_apply_numbers"), key="rep_apply", icon=":material/edit_note:")
    issue = may_issue and issue_col.form_submit_button(
        p("rep_issue"), key="rep_issue", type="primary", icon=":material/approval:", help=p("rep_issue_help")
    )
stem = office_web.file_stem(as_of)
left, right, third = st.columns(3)
left.download_button(
    p("rep_docx"),
    office_web.briefing_bytes(as_of, ".docx", known_then, number, issue_no),
    file_name=f"{stem}.docx",
    mime=DOCX,
    key="rep_docx",
    icon=":material/description:",
    on_click="ignore",
)
right.download_button(
    p("rep_xlsx"),
    office_web.briefing_bytes(as_of, ".xlsx", known_then, number, issue_no),
    file_name=f"{stem}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="rep_xlsx",
    icon=":material/table:",
    on_click="ignore",
)
if not may_issue:
    third.caption(p("rep_read_only"))
if issue:
    try:
        with st.spinner(p("rep_issue")):
            ev, history = cached.briefing_evaluation(as_of, known_then)  # the page's, not computed again
            issued = briefing_issue.issue(
                con,
                actor,
                as_of,
                number,
                issue_no,
                known_then=known_then,
                evaluation=ev,
                history=history,
                rendered=cached.briefing_charts(as_of, known_then),
            )
    except (briefing_issue.IssueError, PermissionDenied) as exc:
        st.error(plain(exc))
    else:
        st.session_state["rep_flash"] = p("rep_issued", number=issued.number, file=issued.file_name)
        st.session_state["rep_archive_pick"] = int(issued.id)
        st.rerun()
if flash := st.session_state.pop("rep_flash", None):
    st.success(plain(flash))

st.subheader(p("rep_archive"))
archive = briefing_issue.archive(con)
if archive.empty:
    st.caption(p("rep_archive_none"))
else:
    rows = {int(r.id): r for r in archive.itertuples(index=False)}
    if st.session_state.get("rep_archive_pick") not in rows:
        st.session_state.pop("rep_archive_pick", None)
    pick = st.selectbox(
        p("rep_archive_pick"),
        list(rows),
        format_func=lambda i: p(
            "rep_archive_line",
            number=rows[i].number,
            issue_no=rows[i].issue_no or "—",
            as_of=date_text(rows[i].as_of),
            then=p("rep_archive_then") if rows[i].known_then else "",
            by=rows[i].issued_by,
            when=f"{rows[i].issued_at:%Y-%m-%d %H:%M}",
        ),
        key="rep_archive_pick",
    )
    st.download_button(
        p("rep_archive_download"),
        office_web.issued_bytes(pick),
        file_name=rows[pick].file_name,
        mime=DOCX,
        key="rep_archive_download",
        icon=":material/download:",
        on_click="ignore",
    )
    shown = archive.assign(
        known_then=archive["known_then"].map({True: "✓", False: ""}),
        size=(archive["size"] / 1024).round(0).astype(int),
        issued_at=archive["issued_at"].dt.strftime("%Y-%m-%d %H:%M"),
    )[["number", "issue_no", "as_of", "known_then", "issued_at", "issued_by", "size", "sha256"]]
    tables.show(
        shown.rename(columns={c: p(f"rep_col_{c}") for c in shown.columns}),
        hide_index=True,
        width="stretch",
    )

st.subheader(p("rep_national"))
c1, c2 = st.columns(2)
year = c1.number_input(
    p("rep_year"), min_value=2015, max_value=as_of.year, value=as_of.year - 1, step=1, key="rep_year"
)
form = c2.radio(
    p("rep_form"),
    national_form.FORMS,
    format_func=lambda f: p(f"rep_form_{f}"),
    horizontal=True,
    key="rep_form",
)
# The settings the form needs that no unit reports (国家卫生县（乡镇）数量 …): the office fills them in here, audited.
with st.expander(p("natset_title"), expanded=False):
    st.caption(p("natset_intro"))
    current = national_form.settings(con)
    with st.form("natset", enter_to_submit=False):
        typed = {
            key: st.text_input(label, value=str(current.get(key) or ""), key=f"natset_{key}")
            for key, label in national_form.setting_labels().items()
        }
        saved = st.form_submit_button(p("natset_save"), disabled=not can(actor, "national_form"))
    if not can(actor, "national_form"):
        st.caption(p("natset_read_only"))
    elif saved:
        try:
            for key, value in typed.items():
                national_form.set_setting(con, actor, key, value)
        except (national_form.SettingError, PermissionDenied) as exc:
            st.error(plain(exc))
        else:
            st.success(p("natset_saved"))
filled = national_form.fill(con, int(year), form, lang=lang(), verdict=webapp.evaluation(as_of))
if filled.missing:
    with st.expander(p("rep_missing", n=len(filled.missing))):
        for m in filled.missing:
            st.markdown(p("rep_missing_line", field=m["key"], label=m["label"], why=m["why"]))
else:
    st.success(p("rep_complete"))
name = p(f"rep_national_file_{form}", year=int(year))
left, right = st.columns(2)
left.download_button(
    p("rep_json"),
    office_web.national_bytes(int(year), form, ".json", as_of),
    file_name=f"{name}.json",
    mime="application/json",
    key="rep_json",
    on_click="ignore",
)
right.download_button(
    p("rep_nat_xlsx"),
    office_web.national_bytes(int(year), form, ".xlsx", as_of),
    file_name=f"{name}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="rep_nat_xlsx",
    on_click="ignore",
)

# 导出档案 (issue 13): every item's evidence files and 目录.xlsx, as the review team reads them
st.subheader(t("ev_export"))
evidence_web.export_button(as_of, key="rep_archive")
