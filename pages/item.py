"""指标 — one item: the plan's text, its units, and for each metric its status, reason, rule, national form
field, history chart with the threshold, per-area breakdown and evidence. The item comes from ?item=N."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app import cached, evidence_web, item_actions, session, state, tables, webapp
from app.markup import plain
from indicators.rules import REGISTRY
from tracker.access.auth import PermissionDenied, can
from tracker.engine import views
from tracker.engine.reasons import fmt_value
from tracker.inspections.verdict import SOURCE_PREFIX
from tracker.office import figures, verification
from tracker.strings import SHOWN_OP, STATUS_COLOUR, ui
from tracker.strings.ui import t, ti

actor = session.guard("item")

cat = webapp.cat()
as_of = state.as_of()
codes = [i.code for i in cat.items]

wanted = str(st.query_params.get("item", ""))
if wanted.isdigit() and int(wanted) in codes and st.session_state.get("item_pick") != int(wanted):
    st.session_state["item_pick"] = int(wanted)


def _sync_query() -> None:
    st.query_params["item"] = str(st.session_state["item_pick"])


code = st.selectbox(
    t("item_pick"),
    codes,
    key="item_pick",
    format_func=lambda c: t("item_pick_format", code=c, title=cat.item(c).title),
    on_change=_sync_query,
)
st.query_params["item"] = str(code)


# 上一项 / 下一项 in the catalogue's order: the callback moves the picker before the rerun; the as-of date stays in
# the address (bound to ?as_of=) and the language in the session.
def _step(to: int) -> None:
    st.session_state["item_pick"] = to
    st.query_params["item"] = str(to)


at = codes.index(code)
back, ahead = st.columns(2)
if at > 0:
    back.button(t("item_prev", code=codes[at - 1]), key="item_prev", help=cat.item(codes[at - 1]).title,
                icon=":material/arrow_back:", on_click=_step, args=(codes[at - 1],))  # fmt: skip
if at + 1 < len(codes):
    ahead.container(horizontal_alignment="right").button(
        t("item_next", code=codes[at + 1]), key="item_next", help=cat.item(codes[at + 1]).title,
        icon=":material/arrow_forward:", icon_position="right", on_click=_step, args=(codes[at + 1],),
    )  # fmt: skip
item = cat.item(code)
ev = webapp.evaluation(as_of)
status = ev.items.set_index("item").loc[code]
metrics = ev.metrics.set_index("metric")

st.title(t("item_title", code=item.code, title=item.title))
st.markdown(
    f"{ui.badge(status['status'])}　{t('item_category', category=cat.categories[item.category])}"
    f"　·　{t('as_of_caption', date=ui.date_text(as_of))}",
    unsafe_allow_html=True,
)
if status["veto_risk"]:
    st.error(t("item_veto_warning"), icon=":material/gpp_bad:")
    if status.get("inspection_veto"):  # an open 暗访 否决风险 finding (issue 14)
        st.caption(ti("item_veto", ids="、".join(map(str, status["inspection_veto"]))))
elif item.is_veto:
    st.caption(t("item_is_veto"))

left, right = st.columns([3, 2])
with left:
    st.markdown(f"**{t('item_plan_text')}**")
    st.markdown(f"> {item.text}")
with right:
    lead, others = views.item_units(item)
    st.markdown(f"**{t('item_units')}**")
    st.markdown(f"- {t('item_lead', lead=lead)}")
    if others:
        st.markdown(f"- {t('item_co', units='、'.join(others))}")
    st.caption(t("item_units_text", units="、".join(item.units_text)))


def rule_text(metric) -> str:
    return metric.target.describe(ui.lang())


def history_chart(metric, series: pd.DataFrame, reference: pd.DataFrame) -> go.Figure:
    fig = go.Figure()
    goal, values = metric.target, metric.vtype
    x = pd.to_datetime(series["period_start"])
    kind = REGISTRY[metric.kind]
    if values.bars:
        colours = [STATUS_COLOUR["not_met" if v > 0 else "met"] for v in series["value"]]
        fig.add_bar(x=x, y=series["value"], name=t("metric_chart_value"), marker_color=colours)
    elif metric.scope == "area":
        for area, part in series.groupby("area", sort=True):
            fig.add_scatter(
                x=pd.to_datetime(part["period_start"]), y=part["value"], mode="lines+markers", name=str(area)
            )
    else:
        # A point alone is met or not when the kind can tell (a threshold); trends and comparisons cannot.
        verdicts = [kind.point(metric, v) for v in series["value"]]
        colours = ["#555" if ok is None else STATUS_COLOUR["met" if ok else "not_met"] for ok in verdicts]
        fig.add_scatter(
            x=x,
            y=series["value"],
            mode="lines+markers",
            name=t("metric_chart_value"),
            line={"color": "#888"},
            marker={"color": colours, "size": 10},
            text=series["period_label"],
            hovertemplate="%{text}：%{y}<extra></extra>",
        )
    if len(reference):
        fig.add_scatter(
            x=pd.to_datetime(reference["period_start"]),
            y=reference["value"],
            mode="lines",
            name=t("metric_chart_reference"),
            line={"color": "#555", "dash": "dash"},
        )
    if goal.figure is not None:
        fig.add_hline(
            y=goal.figure,
            line={"color": "#555", "dash": "dash"},
            annotation_text=t("metric_chart_threshold", op=SHOWN_OP[goal.op], value=goal.shown),
            annotation_position="top left",
        )
    if values.levels:  # a graded type: its own axis, the best level on top
        fig.update_yaxes(
            tickvals=list(values.levels),
            ticktext=[ui.data_word(fmt_value(i, metric)) for i in values.levels],
            autorange="reversed",
            range=[max(values.levels) + 0.5, min(values.levels) - 0.5],
        )
    if metric.period == "year":
        fig.update_xaxes(tickformat="%Y", dtick="M12")
    else:
        fig.update_xaxes(tickformat="%Y-%m")
    fig.update_layout(
        height=280,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis_title=t("metric_chart_period"),
        yaxis_title=t("with_note", text=t("metric_chart_value"), note=metric.unit),
        legend={"orientation": "h", "y": -0.35},
        showlegend=metric.scope == "area" or len(reference) > 0,
    )
    return fig


def other_figures_block(metric, rows: pd.DataFrame) -> None:
    """Other listed units' figures for this metric, flagged where they differ; the office may adopt one."""
    if rows.empty:
        return
    differing = int(rows["differs"].sum())
    # Each conflict said in the metric's card, not only on 迟报督办: whose figure counts, whose does not, and
    # where the choice is (the form below).
    for r in rows[rows["differs"] & rows["counting_unit"].map(lambda u: isinstance(u, str))].itertuples():
        inspected = isinstance(r.evidence, str) and r.evidence.startswith(SOURCE_PREFIX)
        source = t("figures_source_inspection" if inspected else "figures_source_unit", unit=r.unit)
        st.warning(
            t("figures_conflict", metric=metric.code, period=r.period_label, area=f" {r.area}" if isinstance(r.area, str) else "", source=source,
              value=fmt_value(r.value, metric), counting_unit=r.counting_unit,
              counting=fmt_value(r.counting_value, metric))
        )  # fmt: skip
    with st.expander(t("figures_header", n=len(rows), differing=differing), expanded=differing > 0):
        if differing:
            st.warning(t("figures_differ", n=differing))
        tables.show(
            pd.DataFrame(
                {
                    t("col_period"): rows["period_label"],
                    t("col_area"): rows["area"].fillna(""),
                    t("figures_unit"): rows["unit"],
                    t("col_value"): [fmt_value(v, metric) for v in rows["value"]],
                    t("figures_counting"): [
                        t("with_note", text=fmt_value(v, metric), note=u) if isinstance(u, str) else "—"
                        for v, u in zip(rows["counting_value"], rows["counting_unit"], strict=True)
                    ],
                }
            ),
            hide_index=True,
            key=f"figures_{metric.code}",
        )
        if actor.role != "admin":
            return
        choices = list(rows.itertuples(index=False))
        with st.form(f"choose_{metric.code}", enter_to_submit=False):
            pick = st.selectbox(
                t("figures_pick"),
                range(len(choices)),
                format_func=lambda i: (
                    f"{choices[i].period_label} {choices[i].area or ''} {choices[i].unit}："
                    f"{fmt_value(choices[i].value, metric)}"
                ),
            )
            note = st.text_input(t("figures_note"))
            if st.form_submit_button(t("figures_adopt")):
                row = choices[pick]
                try:
                    figures.choose(
                        webapp.cursor(),
                        metric.code,
                        row.period_label,
                        row.unit,
                        actor=actor,
                        note=note,
                        area=row.area if isinstance(row.area, str) else None,
                    )
                except (figures.FigureError, PermissionDenied) as exc:
                    st.error(plain(exc))
                else:
                    st.cache_data.clear()
                    cached.after_write(state.as_of())
                    st.success(t("figures_adopted", unit=row.unit, period=row.period_label))
                    st.rerun()


# ---------------------------------------------------------------- 核实 (issue 10)
# The office's check of a unit's 「是」: beside a pending checklist metric the office gets a note and a 「核实」
# button (tracker.office.verification checks the role again); everyone sees who verified the current answer, and when.


def verification_block(metric, row, series: pd.DataFrame, answered: list[str], checks: pd.DataFrame) -> None:
    """`answered`: the item's checklist metrics, whose 核实 is read once per item; `checks`: their history."""
    if not metric.vtype.answer:
        return
    flash_key = f"verify_flash_{metric.code}"
    if flash := st.session_state.pop(flash_key, None):
        st.success(plain(flash), icon=":material/verified:")
    for answer in series[series["period_label"] == row["period_label"]].itertuples(index=False):
        if isinstance(answer.verified_by, str) and answer.value >= 0.5:
            st.caption(
                plain(
                    t(
                        "verified_caption",
                        period=answer.period_label,
                        area=f" {answer.area}" if isinstance(answer.area, str) else "",
                        when=str(answer.verified_at)[:10],
                        who=answer.verified_by,
                        note=answer.verification_note or "",
                    )
                )
            )
    checks = checks[checks["metric"] == metric.code]
    if len(checks):
        with st.expander(t("verify_history")):
            tables.show(
                pd.DataFrame(
                    {
                        t("col_period"): checks["period_label"],
                        t("col_area"): checks["area"].fillna(""),
                        t("col_value"): checks["answer"],
                        t("col_verified_by"): checks["verified_by"],
                        t("col_verified_at"): checks["verified_at"],
                        t("col_verify_note"): checks["note"].fillna(""),
                        t("col_still_holds"): checks["current"],
                    }
                ),
                hide_index=True,
                key=f"checks_{metric.code}",
            )
    if row["status"] != "pending" or not can(actor, "verify"):
        return
    pending = cached.pending_answers(answered)
    pending = pending[(pending["metric"] == metric.code) & (pending["period_label"] == row["period_label"])]
    slug = metric.code.replace(".", "_")
    for answer in pending.itertuples(index=False):
        area = answer.area if isinstance(answer.area, str) else None
        suffix = f"_{area}" if area else ""
        st.info(
            t("verify_pending", period=answer.period_label, area=f" {area}" if area else "", unit=answer.unit)
        )
        # A form: typing the note reruns nothing; 核实 sends it.
        with st.form(f"verify_form_{slug}{suffix}", enter_to_submit=False, border=False):
            note = st.text_input(
                t("verify_note_area", area=area) if area else t("verify_note"),
                key=f"verify_note_{slug}{suffix}",
            )
            label = t("verify_button_area", area=area) if area else t("verify_button")
            sent = st.form_submit_button(
                label, key=f"verify_{slug}{suffix}", type="primary", icon=":material/verified:"
            )
        if sent:
            try:
                result = verification.verify(
                    webapp.cursor(), metric.code, answer.period_label, actor, note, area=area, cat=cat
                )
            except (verification.VerificationError, PermissionDenied) as exc:
                st.error(plain(exc))
            else:
                cached.after_write(state.as_of())
                st.session_state[flash_key] = result.message
                st.rerun()


changed = cached.rule_changes()  # when each edited rule took effect (issue 21)
against = [m.target.against for m in item.metrics if m.target.against]
others = cached.other_figures([m.code for m in item.metrics], as_of)
history = cached.metric_history([m.code for m in item.metrics] + against, as_of)
files = evidence_web.item_files(code)  # 档案资料 (issue 13)
# The item's checklist metrics: their 核实 (history and pending answers) read once per item, not per metric.
answered = [m.code for m in item.metrics if m.vtype.answer]
checks = cached.verifications(answered) if answered else None

for metric in item.metrics:
    row = metrics.loc[metric.code]
    with st.container(border=True, key=f"metric_{metric.code.replace('.', '_')}"):
        st.markdown(
            f"#### {t('metric_header', code=metric.code, name=metric.name)}　{ui.badge(row['status'])}",
            unsafe_allow_html=True,
        )
        st.markdown(plain(t("metric_reason", reason=row[ui.reason_column()])))
        item_actions.actions(metric, row, actor)  # 立项, the unit's 报送记录 (issue 13)
        other_figures_block(metric, others[others["metric"] == metric.code])
        st.caption(
            "　·　".join(
                [
                    t("metric_rule", rule=rule_text(metric)),
                    *(
                        [t("metric_rule_changed", date=changed[metric.code].isoformat())]
                        if metric.code in changed
                        else []
                    ),
                    t(
                        "metric_reporter",
                        unit=metric.reporter,
                        period=ui.period_word(metric.period),
                        scope=ui.scope_word(metric.scope),
                    ),
                    t("metric_national", field=metric.national_field)
                    if metric.national_field
                    else t("metric_national_none"),
                ]
            )
        )
        if metric.source:
            st.caption(t("metric_source", source=ui.source_text(metric.source)))
        series = history[history["metric"] == metric.code]
        from_rounds = series[series["evidence"].fillna("").str.startswith(SOURCE_PREFIX)]
        if not from_rounds.empty:  # a pass rate computed from an inspection round (issue 14)
            st.caption(plain(ti("item_from_round", source=from_rounds.iloc[-1]["file_name"])))
        verification_block(metric, row, series, answered, checks)  # 核实 (issue 10)
        if series.empty:
            st.info(t("metric_no_history"))
            continue
        if not metric.vtype.answer:  # an answer's history is the table above, not a chart
            reference = history[history["metric"] == metric.target.against]
            st.plotly_chart(history_chart(metric, series, reference), key=f"chart_{metric.code}")
        if metric.scope == "area":
            st.markdown(f"**{t('area_breakdown')}**")
            areas = ev.areas[ev.areas["metric"] == metric.code]
            tables.show(
                pd.DataFrame(
                    {
                        t("col_area"): areas["area"],
                        t("col_status"): areas["status"].map(ui.status_label),
                        t("col_value"): [fmt_value(v, metric) for v in areas["value"]],
                        t("col_period"): areas["period_label"].fillna("—"),
                    }
                ),
                hide_index=True,
                key=f"areas_{metric.code}",
            )
        with st.expander(evidence_web.evidence_label(files, metric.code)):
            latest = series.sort_values(["period_start", "area"], ascending=[False, True]).head(24)
            tables.show(
                pd.DataFrame(
                    {
                        t("col_period"): latest["period_label"],
                        t("col_area"): latest["area"].fillna(""),
                        t("col_value"): [fmt_value(v, metric) for v in latest["value"]],
                        t("col_evidence"): latest["evidence"].fillna(""),
                        t("col_note_m"): latest["note"].fillna(""),
                        t("col_file"): latest["file_name"].fillna(""),
                        t("col_submitted_at"): latest["submitted_at"],
                        t("col_verified"): [
                            t("verified_by", who=w, when=str(d)[:10]) if isinstance(w, str) else ""
                            for w, d in zip(latest["verified_by"], latest["verified_at"], strict=True)
                        ],
                    }
                ),
                hide_index=True,
                key=f"evidence_{metric.code}",
            )
            evidence_web.metric_files(files, metric.code, actor)

evidence_web.item_section(item, actor, files, history, as_of)
