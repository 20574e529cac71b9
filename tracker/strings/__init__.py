"""Every user-facing word, in one place: Chinese first, English where the switch asks for it."""

from __future__ import annotations

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
GRADE_LETTERS = ("A", "B", "C", "D")

# The relation shown when a comparison fails: 76.0% < 80% for a rule written ≥ 80%.
FAILED_OP = {">=": "<", ">": "≤", "<=": ">", "<": "≥", "==": "≠"}
SHOWN_OP = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "="}

REASON = {
    "no_data": "{name} 无数据（应由{reporter}报送）",
    "stale": "{name} 最新数据为{period}，{due}数据逾期未报（{reporter}）",
    "pending": "{period} {name} 已报「是」，待创卫办核实（{reporter}）",
    "checklist_met": "{period} {name} 已核实（{reporter}）",
    "checklist_not_met": "{period} {name} 报「否」（{reporter}）",
    "compare": "{period} {name} {value} {op} 区域卫生规划要求 {ref}（{reporter}）",
    "compare_no_ref": "{period} {name} {value}，缺少区域卫生规划要求数（{reporter}）",
    "trend_short": "{name} 仅有{n}年数据，需连续3年判断趋势（{reporter}）",
    "trend": "{name} 近3年 {series}，{verdict}（{reporter}）",
    "threshold_or_trend": "{period} {name} {value} {op} {threshold}，{trend}（{reporter}）",
    "zero_incident": "近{years}年 {name} 共{value}起（{reporter}）",
    "grade": "{period} {name} {grade}级，要求{at_least}级及以上（{reporter}）",
    "reported": "{period} {name} 已填报 {value}（{reporter}）",
    "threshold": "{period} {name} {value} {op} {threshold}（{reporter}）",
    "each_area": "{period} {name}：{met}/{total} 个街道乡镇达标{detail}（{reporter}）",
}
TREND_WORDS = {
    ("down", True): "逐年下降",
    ("down", False): "未逐年下降",
    ("up", True): "逐年上升",
    ("up", False): "未逐年上升",
}
EACH_AREA_FAIL = "，未达标：{areas}"
EACH_AREA_MISSING = "，缺数据：{areas}"
VETO = "一票否决风险"
DEMO_BANNER = "演示数据：当前数据库为自动生成的演示数据（扎兰屯市 2020–2026 模拟），非真实报送。"
