"""Every word of 检查与暗访: the site register, rounds, findings, their import, loop, command line and page.
Service messages in Chinese (the office's language); the page's words in Chinese and English."""

from __future__ import annotations

SEVERITY_EN = {"一般": "Minor", "严重": "Serious", "否决风险": "Veto risk"}
KIND_EN = {"单位自查": "Self-check", "模拟检查": "Mock inspection", "上级考核检查": "Higher-level check", "暗访": "Unannounced visit"}  # fmt: skip
STATUS = {"open": "待整改", "answered": "已整改待复查", "closed": "复查合格已销号"}
STATUS_EN = {"open": "To fix", "answered": "Awaiting re-inspection", "closed": "Closed after re-inspection"}

MSG = {
    "unknown_type": "未知点位类型「{type}」（可选：{known}）",
    "unknown_street": "未知街道/乡镇「{street}」",
    "unknown_unit": "未知单位「{unit}」",
    "need_name": "请填写点位名称",
    "site_exists": "点位「{name}」（{street}）已登记（编号 {id}）",
    "no_site": "没有编号为 {id} 的点位",
    "unknown_kind": "未知检查类型「{kind}」（可选：{known}）",
    "bad_dates": "检查结束日期早于开始日期",
    "empty_sample": "检查范围内没有已登记的点位",
    "no_round": "没有编号为 {id} 的检查轮次",
    "no_finding": "没有编号为 {id} 的问题",
    "unknown_check": "点位类型「{type}」没有检查项「{check}」（可选：{known}）",
    "need_description": "请填写问题描述",
    "unknown_severity": "未知严重程度「{severity}」（可选：一般、严重、否决风险）",
    "deadline_before": "整改期限 {deadline} 早于检查日期 {date}",
    "not_answerable": "问题 {id} 当前为「{status}」，不能提交整改",
    "already_closed": "问题 {id} 已复查销号",
    "need_note": "请填写整改情况说明",
    "need_review_note": "请填写复查意见",
    "task_text": "【{kind}】{site}（{street}）{check}：{description}",
    "event_recorded": "{kind}发现问题（{severity}）",
    "event_passed": "复查合格：{note}",
    "event_failed": "复查不合格，重新整改：{note}",
    "closed_reason": "复查合格销号：{note}",
    "rates_source": "检查轮次 {id}（{kind}，{name}，{starts}—{ends}）",
    "rates_note": "来源：检查轮次 {id}（{kind}）点位合格率（无严重问题的点位 ÷ 检查点位）：{parts}",
    "rates_part": "{type} {passed}/{inspected}",
    "rates_none": "检查轮次 {id} 的点位类型没有以百分比计的指标，不计入指标",
    "rates_same": "检查轮次 {id} 的合格率与上次计入的相同，未重复写入",
    "rates_written": "检查轮次 {id} 的合格率已计入 {n} 个指标（报送记录 {submission}）",
}

# The findings file (导入检查问题): its header words and row-level reasons.
IMPORT = {
    "no_rows": "文件中没有问题记录",
    "too_many_rows": "文件有 {n} 行，超过单次导入上限 {limit} 行，请分批导入",
    "missing_columns": "找不到必需的列：{columns}（表头应含 检查类型、检查日期、点位、点位类型、街道/乡镇、项目、问题描述、严重程度、责任单位、整改期限）",
    "bad_date": "检查日期「{value}」无法识别（例：2024-05-12）",
    "bad_deadline": "整改期限「{value}」无法识别（例：2024-05-30）",
    "kind_mismatch": "检查类型「{kind}」与所选检查轮次（{round_kind}）不一致",
    "outside_round": "检查日期 {date} 不在检查轮次 {starts}—{ends} 内",
    "need_site": "缺少点位",
    "too_long": "「{column}」超过 {limit} 个字符",
    "new_site": "点位「{name}」（{street}）尚未登记，已按点位类型「{type}」登记",
    "repeat_in_file": "与第 {row} 行重复（同一点位、项目、日期和问题描述）",
    "duplicate": "该文件已于 {when} 导入，未重复导入",
    "summary": "导入检查问题：{accepted} 条已记录，{refused} 行被拒绝，{warned} 行有提示",
    "summary_dry": "检查结果（未写入）：{accepted} 条可记录，{refused} 行被拒绝，{warned} 行有提示",
    "sites_summary": "导入点位：{accepted} 个已登记，{refused} 行被拒绝",
    "all_refused": "所有行均被拒绝，未记录任何问题",
    "round_name": "{year}年{kind}（导入）",
}
HEADER_WORDS = {
    "kind": ("检查类型", "检查形式", "类型"),
    "date": ("检查日期", "日期", "发现日期"),
    "site": ("点位", "点位名称", "检查点位"),
    "site_type": ("点位类型", "场所类型"),
    "area": ("街道/乡镇", "街道乡镇", "乡镇街道", "街道", "所属街道"),
    "check": ("项目", "检查项目", "检查项", "问题类别"),
    "description": ("问题描述", "存在问题", "问题"),
    "severity": ("严重程度", "问题等级", "等级"),
    "unit": ("责任单位", "整改单位"),
    "deadline": ("整改期限", "期限", "整改时限"),
}
COLUMN = {
    "kind": "检查类型", "date": "检查日期", "site": "点位", "site_type": "点位类型", "area": "街道/乡镇",
    "check": "项目", "description": "问题描述", "severity": "严重程度", "unit": "责任单位", "deadline": "整改期限",
}  # fmt: skip
SITE_HEADER_WORDS = {
    "site": ("点位", "点位名称", "名称"),
    "site_type": ("点位类型", "场所类型", "类型"),
    "area": ("街道/乡镇", "街道乡镇", "乡镇街道", "街道", "所属街道"),
    "address": ("地址", "详细地址"),
    "unit": ("责任单位",),
}

CLI = {
    "no_file": "找不到文件 {path}",
    "none": "没有符合条件的问题",
    "line": "#{id:<4} {status:<6} {overdue}{repeat}{severity:<4} {street} {site}（{type}） 第{item}项 {check}：{description} → {unit}，期限 {deadline}",
    "overdue": "【逾期】",
    "repeat": "【重复】",
}
