"""检查与暗访 — findings of inspection rounds and their loop: the office records them (on a phone at the site, or
from the team's sheet), the unit answers with a note and photo, the office re-inspects and closes or sends back.
Counts by item, unit, street and site type; units ranked by findings closed on time; the street-by-item grid;
rounds with their drawn sites and pass rates; the site register."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from app import cached, session, state, tables, webapp, widget_words
from app.markup import bold, plain
from tracker.access.auth import PermissionDenied, can
from tracker.catalogue import CatalogueError
from tracker.inspections import findings, rounds, sites, verdict, views
from tracker.inspections.imports import import_findings, import_sites
from tracker.inspections.site_types import site_type, site_types
from tracker.inspections.sites import InspectionError
from tracker.office.evidence import EvidenceError, files_for, max_bytes, read_file
from tracker.office.tasks import TaskError
from tracker.strings.ui import date_text, item_word, kind_word, severity_word, ti, type_word
from tracker.strings.ui import status_text as status_word

actor = session.guard("inspections")
con = webapp.cursor()
cat = webapp.cat()
as_of = state.as_of()
live = as_of == dt.date.today()  # the loop changes today; an earlier date shows it as it stood, read only
is_office = live and can(actor, "task_manage")
own_unit = actor.unit if actor.role == "reporter" else None
REFUSED = (InspectionError, PermissionDenied, TaskError, EvidenceError, CatalogueError)

st.title(ti("title"))
st.caption(ti("caption", date=date_text(as_of)))
if own_unit:
    st.caption(plain(ti("mine", unit=own_unit)))
if flash := st.session_state.pop("insp_flash", None):
    st.success(plain(flash))
if report := st.session_state.pop("insp_report", None):  # an import's answer, shown after the rerun it needs
    (st.success if report["ok"] else st.error)(plain(report["message"]))
    for header, lines, show in (("refused_rows", report["refused"], st.error), ("warned_rows", report["warned"],
                                st.warning)):  # fmt: skip
        if lines:
            st.markdown(f"**{ti(header)}**")
            show(plain("\n\n".join(lines)))


def run(fn, *args, done: str, **kw) -> None:
    """Run a service; its refusal in plain Chinese, or the success message after a rerun."""
    try:
        result = fn(*args, **kw)
    except REFUSED as exc:
        st.error(plain(exc))
        return
    cached.after_write(state.as_of())
    st.session_state["insp_flash"] = done.format(id=result)
    st.rerun()


def import_report(fn, *args, **kw) -> None:
    """Run an import; its answer — message, refused and warned rows — is kept for the rerun that shows its rows
    in every table and count of the page (the tables above the button were drawn before it wrote)."""
    try:
        result = fn(*args, **kw)
    except REFUSED as exc:
        st.error(plain(exc))
        return
    if result.outcome == "committed":
        cached.after_write(state.as_of())
    st.session_state["insp_report"] = {
        "ok": bool(result.accepted or result.duplicate),
        "message": result.message,
        "refused": ["；".join(r.lines()) for r in result.refused_rows],
        "warned": ["；".join(r.lines()) for r in result.warned_rows],
    }
    st.rerun()


frame = findings.findings(con, as_of, own_unit)
risks = verdict.veto_risks(con, as_of)
# One row that wraps (columns would stack on a phone and push the tabs a screen down).
kpis = st.container(horizontal=True, gap="medium", key="insp_kpis")
kpis.metric(ti("m_open"), int(frame["status"].ne("closed").sum()), width="content")
kpis.metric(ti("m_overdue"), int(frame["overdue"].sum()), width="content")
kpis.metric(ti("m_closed"), int(frame["status"].eq("closed").sum()), width="content")
kpis.metric(ti("m_veto"), len(risks), width="content")

# The file pickers filter no type (Streamlit's refusal would be in English; the services refuse in words), and
# their dropzones speak the page's language.
widget_words.file_uploader(max_bytes() // 1048576)
names = ["tab_list", "tab_stats"] + (["tab_record", "tab_rounds"] if is_office else [])
tabs = dict(zip(names, st.tabs([ti(n) for n in names]), strict=True))

# ---------------------------------------------------------------- the findings and their loop
with tabs["tab_list"]:
    round_list = rounds.list_rounds(con)
    left, right = st.columns(2)
    status = left.selectbox(
        ti("filter_status"), ["all", "open", "overdue", "closed"], format_func=lambda s: ti(f"status_{s}"),
        key="insp_status",
    )  # fmt: skip
    round_pick = right.selectbox(
        ti("filter_round"), [None, *round_list["id"].tolist()], key="insp_round",
        format_func=lambda r: ti("all") if r is None else
        f"{r} {round_list.set_index('id').loc[r, 'name']}",
    )  # fmt: skip
    shown = frame
    if status == "open":
        shown = shown[shown["status"].ne("closed")]
    elif status == "overdue":
        shown = shown[shown["overdue"]]
    elif status == "closed":
        shown = shown[shown["status"].eq("closed")]
    if round_pick is not None:
        shown = shown[shown["round_id"].eq(round_pick)]
    if shown.empty:
        st.info(ti("none"))
    else:
        flags = [
            "、".join(w for w, on in ((ti("flag_overdue"), o), (ti("flag_repeat"), r)) if on)
            for o, r in zip(shown["overdue"], shown["repeated"], strict=True)
        ]
        tables.show(
            pd.DataFrame(
                {  # what a phone must show first: which, its state, what, who, by when
                    ti("col_id"): shown["id"],
                    ti("col_status"): shown["status"].map(status_word),
                    ti("col_description"): shown["description"],
                    ti("insp_col_unit"): shown["unit"],
                    ti("insp_col_deadline"): shown["deadline"],
                    ti("col_flags"): flags,
                    ti("col_site"): shown["site"],
                    ti("col_severity"): shown["severity"].map(severity_word),
                    ti("col_street"): shown["street"].fillna("—"),
                    ti("col_item"): shown["item"].map(item_word),
                    ti("col_round"): shown["round_name"],
                }
            ),
            hide_index=True,
            column_config={
                ti("col_id"): st.column_config.NumberColumn(pinned=True),
                ti("col_description"): st.column_config.TextColumn(width="medium"),
            },
            key="insp_table",
        )
        st.subheader(ti("detail"))
        # Each label made once (formatting by lookup re-indexed the table per option: 0.2 s a run on the demo).
        labels = {
            i: f"{i} · {site} · {text[:24]}"
            for i, site, text in zip(shown["id"].tolist(), shown["site"], shown["description"], strict=True)
        }
        picked = st.selectbox(ti("pick"), list(labels), key="insp_pick", format_func=labels.__getitem__)
        row = shown.set_index("id").loc[picked]
        st.markdown(bold(row["site"]) + plain(f"（{type_word(row['site_type'])}，{row['street'] or '—'}）· {item_word(row['item'])} · "
                    f"{severity_word(row['severity'])} · {status_word(row['status'])}"))  # fmt: skip
        st.text(row["description"])
        with st.expander(ti("steps")):
            steps = findings.events(con, int(picked))
            for s in steps.itertuples(index=False):
                st.caption(
                    plain(f"{str(s.happened_at)[:16]} {s.actor}：{status_word(s.to_status)} — {s.note or ''}")
                )
        photos = files_for(con, "finding", int(picked))
        if not photos.empty:
            st.markdown(f"**{ti('photos')}**")
            for ph in photos.itertuples(index=False):
                data, mime, _ = read_file(con, ph.sha256)
                if mime.startswith("image/"):
                    st.image(data, caption=plain(ph.file_name), width=320)
        may_answer = live and row["status"] == "open" and can(actor, "task_update", row["unit"])
        if may_answer:
            with st.form(f"insp_answer_{picked}", clear_on_submit=True):
                st.markdown(f"**{ti('answer_header')}**")
                note = st.text_area(ti("answer_note"), key=f"insp_answer_note_{picked}")
                photo = st.file_uploader(ti("photo"), key=f"insp_answer_photo_{picked}")
                if st.form_submit_button(ti("answer_button"), type="primary"):
                    run(findings.answer_finding, con, actor, int(picked), note,
                        photo=(photo.getvalue(), photo.name) if photo else None, done=ti("answered"))  # fmt: skip
        if is_office and row["status"] == "answered":  # 复查 follows the unit's answer, never precedes it
            with st.form(f"insp_review_{picked}", clear_on_submit=True):
                st.markdown(f"**{ti('review_header')}**")
                note = st.text_area(ti("review_note"), key=f"insp_review_note_{picked}")
                photo = st.file_uploader(ti("photo"), key=f"insp_review_photo_{picked}")
                new_deadline = st.date_input(
                    ti("review_deadline"), value=None, key=f"insp_review_deadline_{picked}"
                )
                passed = st.form_submit_button(ti("review_pass"), type="primary")
                failed = st.form_submit_button(ti("review_fail"))
                if passed or failed:
                    run(findings.reinspect, con, actor, int(picked), passed, note,
                        photo=(photo.getvalue(), photo.name) if photo else None,
                        deadline=None if passed else new_deadline,
                        done=ti("reviewed_pass" if passed else "reviewed_fail"))  # fmt: skip

# ---------------------------------------------------------------- statistics
with tabs["tab_stats"]:
    labels = {"open": ti("col_open"), "overdue": ti("insp_col_overdue"), "closed": ti("col_closed")}
    item_counts = views.counts_by(
        frame.assign(item=frame["item"].map(lambda i: f"{item_word(i)} {cat.item(int(i)).title}")), "item"
    )
    for key, column, label in (
        ("by_item", "item", ti("col_item")), ("by_unit", "unit", ti("insp_col_unit")),
        ("by_street", "street", ti("col_street")), ("by_type", "site_type", ti("col_type")),
    ):  # fmt: skip
        st.markdown(f"**{ti(key)}**")
        data = item_counts if column == "item" else views.counts_by(frame.fillna({"street": "—"}), column)
        if column == "site_type":
            data = data.assign(site_type=data["site_type"].map(type_word))
        tables.show(data.rename(columns={column: label, **labels}), hide_index=True, key=f"insp_{key}")
    st.markdown(f"**{ti('ranking')}**")
    st.caption(ti("ranking_caption"))
    ranking = views.unit_ranking(frame)
    tables.show(
        pd.DataFrame(
            {
                ti("insp_col_unit"): ranking["unit"],
                ti("col_total"): ranking["total"],
                ti("col_on_time"): ranking["on_time"],
                ti("col_closed"): ranking["closed"],
                ti("insp_col_overdue"): ranking["overdue"],
                ti("col_rate"): [f"{100 * r:.0f}%" for r in ranking["rate"]],
            }
        ),
        hide_index=True,
        key="insp_ranking",
    )
    st.markdown(f"**{ti('grid')}**")
    grid = views.street_item_grid(frame)
    if grid.empty:
        st.caption(ti("none"))
    else:
        tables.show(grid.rename_axis(ti("col_street")), key="insp_grid")
    st.markdown(f"**{ti('pass_rates')}**")
    for r in rounds.list_rounds(con).itertuples(index=False):
        rates = verdict.pass_rates(con, int(r.id))
        if rates.empty:
            continue
        st.caption(plain(f"{r.id} {r.name}（{kind_word(r.kind)}，{r.starts}—{r.ends}）"))
        tables.show(
            pd.DataFrame(
                {
                    ti("col_type"): rates["type"].map(type_word),
                    ti("col_inspected"): rates["inspected"],
                    ti("col_passed"): rates["passed"],
                    ti("col_unchecked"): rates["unchecked"],
                    ti("col_pass_rate"): ["—" if pd.isna(x) else f"{100 * x:.1f}%" for x in rates["rate"]],
                }
            ),
            hide_index=True,
            key=f"insp_rates_{r.id}",
        )
        if rounds.in_progress(r._asdict(), dt.date.today()):  # its sites are still being walked
            st.caption(plain(ti("rates_in_progress", id=r.id, ends=r.ends)))
        elif is_office and st.button(ti("write_rates"), key=f"insp_write_{r.id}"):
            try:
                _, message = verdict.write_rates(con, actor, int(r.id))
            except REFUSED as exc:
                st.error(plain(exc))
            else:
                cached.after_write(state.as_of())
                st.session_state["insp_flash"] = message  # shown through plain
                st.rerun()

# ---------------------------------------------------------------- recording a finding (phone-friendly: one column)
if is_office:
    with tabs["tab_record"]:
        round_list = rounds.list_rounds(con)
        if round_list.empty:
            st.info(ti("no_rounds"))
        else:
            rid = st.selectbox(
                ti("record_round"), round_list["id"].tolist(), key="insp_rec_round",
                format_func=lambda r: f"{r} {round_list.set_index('id').loc[r, 'name']}",
            )  # fmt: skip
            sample = rounds.round_sites(con, int(rid))
            every = sites.list_sites(con)
            # the round's drawn sites first; any registered site may be added (a team sees more than its list)
            choices = sample["id"].tolist() + [i for i in every["id"] if i not in set(sample["id"])]
            by_id = every.set_index("id")
            if not choices:
                st.info(ti("no_sites"))
            else:
                site_id = st.selectbox(
                    ti("record_site"), choices, key="insp_rec_site",
                    format_func=lambda i: f"{by_id.loc[i, 'name']}（{by_id.loc[i, 'type']}，{by_id.loc[i, 'street'] or '—'}）",
                )  # fmt: skip
                kind = site_type(by_id.loc[site_id, "type"])
                drawn = sample.set_index("id")["checked_on"]
                if site_id in drawn.index and pd.isna(drawn[site_id]):  # a drawn site where nothing was wrong
                    if st.button(ti("record_clean"), key="insp_rec_clean", width="stretch"):
                        run(
                            rounds.record_check, con, actor, int(rid), int(site_id), done=ti("recorded_clean")
                        )
                elif site_id in drawn.index:
                    st.caption(ti("checked_clean", date=date_text(pd.Timestamp(drawn[site_id]).date())))
                with st.form("insp_record", clear_on_submit=True):
                    check = st.selectbox(
                        ti("record_check"), [c.code for c in kind.checks], key="insp_rec_check",
                        format_func=lambda c: f"{kind.check(c).name}（{item_word(kind.check(c).item)}）",
                    )  # fmt: skip
                    level = st.radio(ti("record_severity"), findings.SEVERITIES, horizontal=True, key="insp_rec_sev",
                                     format_func=severity_word)  # fmt: skip
                    description = st.text_area(ti("record_description"), key="insp_rec_desc")
                    photo = st.file_uploader(ti("photo"), key="insp_rec_photo")
                    found_on = st.date_input(ti("record_date"), value=as_of, key="insp_rec_date")
                    unit = st.selectbox(
                        ti("record_unit"), list(by_id.loc[site_id, "units"]), key="insp_rec_unit"
                    )
                    deadline = st.date_input(ti("record_deadline"), value=None, key="insp_rec_deadline")
                    if st.form_submit_button(ti("record_button"), type="primary", width="stretch"):
                        run(findings.record_finding, con, actor, int(rid), int(site_id), check, description, level,
                            found_on=found_on, deadline=deadline, unit=unit,
                            photo=(photo.getvalue(), photo.name) if photo else None, done=ti("recorded"))  # fmt: skip

    # ------------------------------------------------------------ rounds, sites and their sheets
    with tabs["tab_rounds"]:
        round_list = rounds.list_rounds(con)
        st.markdown(f"**{ti('rounds')}**")
        tables.show(
            pd.DataFrame(
                {
                    ti("col_id"): round_list["id"],
                    ti("col_kind"): round_list["kind"].map(kind_word),
                    ti("col_name"): round_list["name"],
                    ti("col_dates"): [
                        f"{a}—{b}" for a, b in zip(round_list["starts"], round_list["ends"], strict=True)
                    ],
                    ti("col_sites"): round_list["sites"],
                    ti("col_findings"): round_list["findings"],
                    ti("col_seed"): round_list["seed"].astype("Int64"),
                }
            ),
            hide_index=True,
            key="insp_rounds",
        )
        with st.expander(ti("new_round")), st.form("insp_new_round"):
            kind_name = st.selectbox(
                ti("round_kind"), list(rounds.KINDS), format_func=kind_word, key="insp_round_kind"
            )
            name = st.text_input(ti("round_name"), key="insp_round_name")
            starts = st.date_input(ti("round_starts"), value=as_of, key="insp_round_starts")
            ends = st.date_input(ti("round_ends"), value=as_of + dt.timedelta(days=7), key="insp_round_ends")
            team = st.text_input(ti("round_team"), key="insp_round_team")
            streets = st.multiselect(ti("round_streets"), list(cat.areas()), key="insp_round_streets")
            types = st.multiselect(
                ti("round_types"), list(site_types()), format_func=type_word, key="insp_round_types"
            )
            per_group = st.number_input(ti("round_per_group"), 1, 50, rounds.PER_GROUP, key="insp_round_per")
            seed = st.text_input(ti("round_seed"), key="insp_round_seed")
            if st.form_submit_button(ti("round_create"), type="primary"):
                run(rounds.create_round, con, actor, kind_name, name, starts, ends, team=team or None,
                    streets=streets, types=types, per_group=int(per_group),
                    seed=int(seed) if seed.strip().isdigit() else None, done=ti("round_created"))  # fmt: skip
        with st.expander(ti("import_findings")):
            upload = st.file_uploader(ti("import_findings"), key="insp_import_file",
                                      label_visibility="collapsed")  # fmt: skip
            dry = st.checkbox(ti("import_dry"), key="insp_import_dry")
            if upload is not None and st.button(
                ti("import_button"), key="insp_import_button", type="primary"
            ):
                import_report(import_findings, con, actor, upload.name, upload.getvalue(), dry_run=dry)
        st.markdown(f"**{ti('sites')}**")
        register = sites.list_sites(con)
        tables.show(
            pd.DataFrame(
                {
                    ti("col_id"): register["id"],
                    ti("col_type"): register["type"].map(type_word),
                    ti("col_site"): register["name"],
                    ti("col_street"): register["street"].fillna("—"),
                    ti("insp_col_unit"): ["、".join(u) for u in register["units"]],
                }
            ),
            hide_index=True,
            key="insp_sites",
        )
        with st.expander(ti("new_site")), st.form("insp_new_site"):
            type_name = st.selectbox(
                ti("site_type"), list(site_types()), format_func=type_word, key="insp_site_type"
            )
            site_name = st.text_input(ti("site_name"), key="insp_site_name")
            street = st.selectbox(ti("site_street"), list(cat.areas()), key="insp_site_street")
            address = st.text_input(ti("site_address"), key="insp_site_address")
            units = st.multiselect(ti("site_units"), list(cat.units), key="insp_site_units")
            if st.form_submit_button(ti("site_create"), type="primary"):
                run(sites.register_site, con, actor, type_name, site_name, street, address, units or None,
                    done=ti("site_created"))  # fmt: skip
        with st.expander(ti("import_sites")):
            upload = st.file_uploader(ti("import_sites"), key="insp_sites_file",
                                      label_visibility="collapsed")  # fmt: skip
            if upload is not None and st.button(ti("import_button"), key="insp_sites_button", type="primary"):
                import_report(import_sites, con, actor, upload.name, upload.getvalue())
