"""通报与国家表 — the briefing for the as-of date (.docx, .xlsx) and the national assessment form (.json, .xlsx),
each built when its button is clicked."""

from __future__ import annotations

import streamlit as st

from app import office_web, session, webapp
from tracker.office import briefing, national_form
from tracker.strings.ui import date_text, lang

session.guard("reports")

p = office_web.p
as_of = office_web.as_of()
con = webapp.cursor()

st.title(p("rep_title"))
st.caption(p("rep_caption", date=date_text(as_of)))

st.subheader(p("rep_brief"))
b = briefing.build(con, as_of, charts=False)
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
stem = office_web.file_stem(as_of)
left, right = st.columns(2)
left.download_button(
    p("rep_docx"),
    office_web.briefing_bytes(as_of, ".docx"),
    file_name=f"{stem}.docx",
    mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    key="rep_docx",
    type="primary",
    icon=":material/description:",
    on_click="ignore",
)
right.download_button(
    p("rep_xlsx"),
    office_web.briefing_bytes(as_of, ".xlsx"),
    file_name=f"{stem}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="rep_xlsx",
    icon=":material/table:",
    on_click="ignore",
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
filled = national_form.fill(con, int(year), form, lang=lang())
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
    office_web.national_bytes(int(year), form, ".json"),
    file_name=f"{name}.json",
    mime="application/json",
    key="rep_json",
    on_click="ignore",
)
right.download_button(
    p("rep_nat_xlsx"),
    office_web.national_bytes(int(year), form, ".xlsx"),
    file_name=f"{name}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="rep_nat_xlsx",
    on_click="ignore",
)
