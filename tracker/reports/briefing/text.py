"""The briefing's sentences that say more than one figure: an item's note, a 暗访 veto, a phase in a sentence, the
phase's verdict, the late units' lines and the next steps (八、下一步工作). Numbers and dates go through
tracker.strings.formats; every word comes from tracker.strings.office.BRIEF."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from tracker.catalogue import Phase
from tracker.strings import STATUS_LABEL
from tracker.strings.formats import cn_date, pct
from tracker.strings.office import BRIEF

if TYPE_CHECKING:
    from tracker.reports.briefing.model import Briefing

LABEL = STATUS_LABEL["zh"]
CN_NUMBERS = "一二三四五六七八九十"
FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def issue_label(issue_no: str | int | None) -> str:
    """期数 as printed: 「3」 → 「第3期」; anything else the office typed (「2025年第3期」) as it is."""
    text = str(issue_no or "").strip().translate(FULL_WIDTH_DIGITS)
    return BRIEF["issue_no"].format(n=int(text)) if text.isdigit() else text


def short_note(part: pd.DataFrame) -> str:
    """What a leader reads in an item's row: every failure in full, the other gaps counted with their codes."""
    failed = part.loc[part["status"] == "not_met", "reason"].tolist()
    others = [
        BRIEF["note_others"].format(n=len(codes), status=LABEL[status], codes="、".join(codes))
        for status in ("stale", "no_data", "pending")
        if (codes := part.loc[part["status"] == status, "metric"].tolist())
    ]
    if failed and others:
        others[0] = BRIEF["note_also"] + others[0]
    return "；".join(failed + others)


def visit_reason(finding) -> str:
    """An open 暗访 否决风险 finding as a veto line's reason."""
    return BRIEF["veto_visit"].format(
        site=finding.site,
        street=finding.street or "—",
        description=finding.description.rstrip("。"),
        unit=finding.unit,
    )


def phase_named(name: str) -> str:
    """A phase in a sentence: 「“巩固提升阶段”」 for a name that says 阶段 already, 「“组织模拟检查”阶段」 otherwise —
    never 「“巩固提升阶段”阶段」."""
    return BRIEF["phase_quoted" if name.endswith(BRIEF["phase_word"]) else "phase_quoted_word"].format(
        name=name
    )


def phase_sentence(phase: Phase, summary: dict) -> str:
    """Where the phase under way stands: its dates and, where it has a target, reached or how many items short."""
    dates = {"phase": phase_named(phase.name), "start": cn_date(phase.start), "end": cn_date(phase.end)}
    if phase.target_readiness is None:
        return BRIEF["phase_no_target"].format(**dates)
    need = -(-phase.target_readiness * summary["items"] // 1)
    gap = int(need - summary["met"])
    verdict = BRIEF["phase_reached"] if gap <= 0 else BRIEF["phase_gap"].format(gap=gap)
    return BRIEF["overall_phase"].format(**dates, target=pct(phase.target_readiness), verdict=verdict)


def owed_line(owed: list[str]) -> str:
    """A late unit's figures still owed: the first five, and how many in all."""
    shown = "；".join(owed[:5]) + (BRIEF["late_more"].format(n=len(owed)) if len(owed) > 5 else "")
    return BRIEF["late_owed"].format(what=shown)


def _join(names: list[str], limit: int = 6) -> str:
    names = list(dict.fromkeys(names))
    return "、".join(names[:limit]) + ("等单位" if len(names) > limit else "")


def next_steps(b: Briefing) -> list[str]:
    steps = []
    if len(b.vetoes):
        steps.append(
            BRIEF["next_veto"].format(
                units=_join(list(b.vetoes["unit"])),
                items="、".join(str(i) for i in dict.fromkeys(b.vetoes["item"])),
            )
        )
    failing = int((b.metrics["status"] == "not_met").sum())
    if failing:
        steps.append(BRIEF["next_failing"].format(n=failing))
    if len(b.late):
        steps.append(BRIEF["next_late"].format(units=_join(b.late_units)))
    if len(b.overdue):
        steps.append(BRIEF["next_overdue"].format(units=_join(list(b.overdue["owner_unit"]))))
    # renumber (一)(二)… in order, then the standing items
    out = []
    for i, text in enumerate(steps):
        out.append(f"（{CN_NUMBERS[i]}）" + text.split("）", 1)[1])
    n = len(out)
    # the phase under way, unless it ends on the briefing's date: then the next one
    current = (
        b.phase
        if b.phase is not None and b.phase.target_readiness is not None and b.phase.end > b.as_of
        else None
    )
    target = current or b.next_phase
    if target is not None and target.target_readiness is not None and target.end >= b.as_of:
        out.append(
            BRIEF["next_phase"].format(
                n=CN_NUMBERS[n],
                which=BRIEF["this_phase"] if target is current else BRIEF["following_phase"],
                phase=target.name,
                end=cn_date(target.end),
                target=pct(target.target_readiness),
            )
        )
        n += 1
    ready = int(b.acceptances["can_accept"].sum())
    if ready:
        out.append(BRIEF["next_accept"].format(n=CN_NUMBERS[n], count=ready))
        n += 1
    out.append(BRIEF["next_keep"].format(n=CN_NUMBERS[n]))
    return out
