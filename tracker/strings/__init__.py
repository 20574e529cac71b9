"""Every user-facing word, in one place: Chinese first, English where the switch asks for it."""

from __future__ import annotations

from indicators.rules.common import FAILED_OP, SHOWN_OP  # one table of operators

__all__ = ["FAILED_OP", "SHOWN_OP"]

STATUSES = ("not_met", "stale", "no_data", "pending", "met")  # worst first: the order items fold in

STATUS_LABEL = {
    "zh": {"met": "达标", "not_met": "未达标", "no_data": "无数据", "stale": "数据过期", "pending": "待核实"},
    "en": {"met": "Met", "not_met": "Not met", "no_data": "No data", "stale": "Stale", "pending": "Pending"},
}

# One colour meaning everywhere: met green, not met red, no data grey, stale amber, pending blue.
STATUS_COLOUR = {
    "met": "#2e9d5b",
    "not_met": "#d64541",
    "no_data": "#9aa0a6",
    "stale": "#f0a202",
    "pending": "#3b7dd8",
}

PERIOD_LABEL = {"year": "年度", "quarter": "季度", "month": "月度"}
SCOPE_LABEL = {"city": "全市", "area": "各街道乡镇"}


# The engine's own statuses, when the rule kind leaves them (each kind says its own verdicts).
REASON = {
    "zh": {
        "no_data": "{name} 无数据（应由{reporter}报送）",
        "stale": "{name} 最新数据为{period}，{due}数据逾期未报（{reporter}）",
        "pending": "{period} {name} 已报「是」，待创卫办核实（{reporter}）",
    },
    "en": {
        "no_data": "{name}: no data (due from {reporter})",
        "stale": "{name}: latest figure is for {period}; {due} is overdue ({reporter})",
        "pending": "{period} {name}: answered yes, awaiting the office's check ({reporter})",
    },
}
VETO = "一票否决风险"
DEMO_BANNER = "演示数据：当前数据库为自动生成的演示数据（扎兰屯市 2020–2026 模拟），非真实报送。"
