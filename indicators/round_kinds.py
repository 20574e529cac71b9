"""The plan's four kinds of inspection round (检查轮次), as data: which draws its sites at random, and which makes an
open 否决风险 finding a veto risk on its item — 「国家按一定比例进行暗访抽查，不合格的，直接一票否决」. The rounds
themselves live in tracker.inspections.rounds; the evaluation reads VETO_KINDS to fold those findings into the verdict."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RoundKind:
    name: str
    draws_at_random: bool = False  # the sample is drawn at random per type and street (with a seed)
    veto_while_open: bool = False  # an open 否决风险 finding of the round is a veto risk on its item


KINDS = {
    k.name: k
    for k in (
        RoundKind("单位自查"),
        RoundKind("模拟检查"),
        RoundKind("上级考核检查"),
        RoundKind("暗访", draws_at_random=True, veto_while_open=True),
    )
}
VETO_KINDS = tuple(k.name for k in KINDS.values() if k.veto_while_open)
