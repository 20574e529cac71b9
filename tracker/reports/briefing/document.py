"""The 通报 as an official document (.docx): red header, title, recipients, sections 一 to 八, signature, date — each
section its own writer over the one official-document writer (tracker.reports.official_doc)."""

from __future__ import annotations

import datetime as dt

from tracker.catalogue import catalogue
from tracker.inspections import views as inspection_views
from tracker.reports.briefing.model import Briefing
from tracker.reports.briefing.text import CN_NUMBERS, LABEL, next_steps, owed_line, phase_sentence
from tracker.reports.official_doc import SUB_FONT, OfficialDoc
from tracker.strings.formats import cn_date, pct
from tracker.strings.office import BRIEF, COLUMNS, TASK_STATUS

CHART_CM = 15.5  # the text width


def _opening(doc: OfficialDoc, b: Briefing) -> None:
    """版头 (the issue number and document number under the office's name), title, 主送, the opening notes."""
    doc.red_header([line for line in (b.issue_no, b.number) if line])
    doc.title(b.title, BRIEF["recipients"])
    date_text = cn_date(b.as_of)
    doc.para(BRIEF["opening"].format(date=date_text))
    if b.known_then:
        doc.para(BRIEF["known_then_note"].format(date=date_text), name=SUB_FONT)
    elif b.as_of < dt.date.today():
        doc.para(BRIEF["known_note"].format(made=cn_date(dt.date.today())), name=SUB_FONT)
    if b.demo:
        doc.para(BRIEF["demo_note"], name=SUB_FONT)


def _overall(doc: OfficialDoc, b: Briefing) -> None:
    """一、总体进展: the counts, the phase under way, withdrawn acceptances, the charts."""
    s = b.summary
    doc.heading(BRIEF["h1"])
    doc.para(
        BRIEF["overall"].format(
            date=cn_date(b.as_of), met=s["met"], pct=pct(s["readiness"]), not_met=s["not_met"], stale=s["stale"],
            no_data=s["no_data"], pending=s["pending"], accepted=s["accepted"],
        )
    )  # fmt: skip
    if b.phase is not None:
        doc.para(phase_sentence(b.phase, s))
    withdrawn = b.items[b.items["withdrawn"]]
    if len(withdrawn):
        doc.para(
            BRIEF["withdrawn"].format(
                n=len(withdrawn), items="、".join(f"第{i}项" for i in withdrawn["item"])
            )
        )
    for caption, png in b.charts:
        doc.picture(png, CHART_CM)  # kept with its caption
        doc.para(caption, name=SUB_FONT, size=14, align=doc.ALIGN.CENTER, indent=False)


def _vetoes(doc: OfficialDoc, b: Briefing) -> None:
    """二、一票否决风险."""
    doc.heading(BRIEF["h2"])
    date_text = cn_date(b.as_of)
    if b.vetoes.empty:
        doc.para(BRIEF["veto_none"].format(date=date_text))
        return
    doc.para(BRIEF["veto_intro"].format(date=date_text, n=b.vetoes["item"].nunique()))
    for r in b.vetoes.itertuples(index=False):
        doc.para(
            BRIEF["veto_line"].format(item=r.item, title=r.title, reason=r.reason.rstrip("。")), bold=True
        )


def _categories(doc: OfficialDoc, b: Briefing) -> None:
    """三、各类别达标情况: a table per category."""
    doc.heading(BRIEF["h3"])
    headers = [COLUMNS[k] for k in ("no", "item", "lead", "status", "accepted", "note")]
    for n, (code, name) in enumerate(b.categories.items()):
        part = b.items[b.items["category"] == code]
        met = int((part["status"] == "met").sum())
        doc.heading(BRIEF["category_heading"].format(n=CN_NUMBERS[n], name=name, met=met, total=len(part)),
                    name=SUB_FONT)  # fmt: skip
        rows = [
            [
                str(r.item),
                r.title,
                r.lead,
                LABEL[r.status] + ("（否决风险）" if r.veto_risk else ""),
                "是" if r.accepted else "否",
                r.note or (f"已于{cn_date(r.accepted_on)}验收" if r.accepted else "—"),
            ]
            for r in part.itertuples(index=False)
        ]
        doc.table(headers, rows, [1.2, 3.0, 2.3, 1.8, 1.2, 6.1], red=(3, (LABEL["not_met"], "是")))


def _reporting(doc: OfficialDoc, b: Briefing) -> None:
    """四、数据报送情况: on-time figures since the start of the year, then each late unit and what it owes."""
    doc.heading(BRIEF["h4"])
    due, on_time = b.totals["due"], b.totals["on_time"]
    doc.para(
        BRIEF["late_intro"].format(since=cn_date(b.since), date=cn_date(b.as_of), due=due, on_time=on_time,
                                   rate=pct(on_time / due) if due else "—")
    )  # fmt: skip
    if b.late.empty:
        doc.para(BRIEF["late_none"])
        return
    doc.para(BRIEF["late_named"])
    for r in b.late.itertuples(index=False):
        doc.para(
            BRIEF["late_line"].format(
                unit=r.unit, due=r.due, late=r.late, missing=r.missing, rate=pct(r.on_time_rate)
            )
        )
        if r.owed:
            doc.para(owed_line(r.owed))


def _tasks(doc: OfficialDoc, b: Briefing) -> None:
    """五、整改督办情况: the ledger's counts and the overdue tasks."""
    doc.heading(BRIEF["h5"])
    if b.ledger.empty:
        doc.para(BRIEF["tasks_none"])
    else:
        counts = b.ledger["status"].value_counts()
        doc.para(
            BRIEF["tasks_summary"].format(
                total=len(b.ledger), **{k: int(counts.get(k, 0)) for k in TASK_STATUS}
            )
        )
    if b.overdue.empty:
        doc.para(BRIEF["overdue_none"].format(date=cn_date(b.as_of)))
        return
    doc.para(BRIEF["overdue_intro"].format(n=len(b.overdue)))
    cat = catalogue()
    doc.table(
        [COLUMNS[k] for k in ("task", "metric", "owner", "description", "task_deadline", "days_overdue",
                              "task_status")],
        [
            [str(r.id), f"{r.metric} {cat.metric(r.metric).name}", r.owner_unit, r.description, cn_date(r.deadline),
             f"{int(r.days_overdue)}天", TASK_STATUS[r.status]]
            for r in b.overdue.itertuples(index=False)
        ],
        [1.3, 2.8, 2.0, 4.6, 2.3, 1.3, 1.3],
    )  # fmt: skip


def _ranking(doc: OfficialDoc, b: Briefing) -> None:
    """六、责任单位排名."""
    doc.heading(BRIEF["h6"])
    doc.para(BRIEF["ranking_intro"])
    doc.table(
        [COLUMNS[k] for k in ("rank", "unit", "metrics", "met", "share_met", "on_time_rate")],
        [
            [str(r.rank), r.unit, str(r.metrics), str(r.met), pct(r.share_met), pct(r.on_time_rate)]
            for r in b.units.itertuples(index=False)
        ],
        [1.2, 4.6, 2.4, 1.8, 2.2, 2.6],
    )


def _inspections(doc: OfficialDoc, b: Briefing) -> None:
    """七、检查与暗访情况: what the inspections found and how it was fixed, the 暗访 veto risks still open, and the
    units ranked by findings closed on time (奖优罚劣)."""
    doc.heading(BRIEF["h7"])
    f = b.findings
    if f.empty:
        doc.para(BRIEF["insp_none"].format(date=cn_date(b.as_of)))
        return
    closed = f["status"].eq("closed")
    doc.para(
        BRIEF["insp_summary"].format(
            date=cn_date(b.as_of), total=len(f), closed=int(closed.sum()), open=int((~closed).sum()),
            overdue=int(f["overdue"].sum()), repeated=int(f["repeated"].sum()),
        )
    )  # fmt: skip
    v = b.inspection_vetoes
    if v.empty:
        doc.para(BRIEF["insp_veto_none"])
    else:
        doc.para(BRIEF["insp_veto_intro"].format(n=len(v)))
        doc.table(
            [
                COLUMNS["item"],
                BRIEF["insp_site"],
                BRIEF["insp_problem"],
                COLUMNS["unit"],
                COLUMNS["deadline"],
            ],
            [
                [f"第{int(r.item)}项", f"{r.site}（{r.street}）", r.description, r.unit, cn_date(r.deadline)]
                for r in v.itertuples(index=False)
            ],
            [1.6, 3.4, 5.6, 3.0, 2.6],
        )
    doc.para(BRIEF["insp_ranking_intro"])
    doc.table(
        [COLUMNS["unit"], *(BRIEF[k] for k in ("insp_total", "insp_closed", "insp_on_time", "insp_overdue",
                                               "insp_rate"))],
        [
            [r.unit, str(int(r.total)), str(int(r.closed)), str(int(r.on_time)), str(int(r.overdue)), pct(r.rate)]
            for r in inspection_views.unit_ranking(f).itertuples(index=False)
        ],
        [4.6, 1.8, 1.8, 2.0, 2.0, 2.4],
    )  # fmt: skip


def _next_steps(doc: OfficialDoc, b: Briefing):
    """八、下一步工作; the last paragraph, which the signature keeps on its page."""
    doc.heading(BRIEF["h8"])
    for line in next_steps(b):
        last = doc.para(line)
    return last


SECTIONS = (_overall, _vetoes, _categories, _reporting, _tasks, _ranking, _inspections)


def to_docx(b: Briefing) -> bytes:
    """The 通报 as an official document: red header, title, recipients, sections 一、二、三…, signature, date."""
    doc = OfficialDoc()
    doc.body_font()
    _opening(doc, b)
    for section in SECTIONS:
        section(doc, b)
    doc.signature(cn_date(b.as_of), blanks=2, keep_with=_next_steps(doc, b))
    doc.page_numbers()
    return doc.save(b.title)
