"""Every word the pages show, Chinese first, English on the sidebar switch, through one accessor.

`t(key, **kw)` is that accessor: it reads the language registered by the app (app.state: the sidebar's
choice, zh elsewhere) and formats the text. Its catalogue is this module's UI table merged with the page
words kept beside their subject (tracker.strings.office, .auth, .upload), and the small code tables
reached as "family.code" (t("status.met"), t("action.task_close"), t("col.deadline")). Data stays as
entered: item titles, the plan's text, unit and area names, period labels.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
from collections.abc import Callable

from tracker.strings import DEMO_BANNER, STATUS_COLOUR, STATUS_LABEL

LANGS = {"zh": "中文", "en": "English"}

UI: dict[str, dict[str, str]] = {
    "zh": {
        "app_title": "创卫指标达标监测",
        "nav_monitor": "达标监测",
        "nav_report": "数据报送",
        "page_overview": "总览",
        "page_item": "指标",
        "page_unit": "责任单位",
        "page_phases": "阶段",
        "page_upload": "上报数据",
        "page_submissions": "报送记录",
        "lang_label": "语言 / Language",
        "as_of_label": "截至日期",
        "as_of_help": "所有页面按此日期评估：只计入该日前已结束的报送期。",
        "as_of_caption": "截至 {date} 的评估",
        "first_admin_password": "首个管理员账号 admin 的一次性密码：{password}（首次登录须修改）",
        "unexpected_error": "页面出错了（错误编号 {id}）。请把错误编号告诉系统管理员，详情已写入服务器日志。",
        "start_failed": "应用未能启动",
        "start_failed_hint": "请改正设置后重新启动应用，详情已写入服务器日志。",
        "start_db_not_duckdb": "TRACKER_DB 指向的文件不是 DuckDB 数据库文件，无法打开。请让 TRACKER_DB 指向 tracker 的数据库文件（或一个尚不存在的新文件）。",
        "start_db_unusable": "TRACKER_DB 指向的数据库文件无法读写（是一个目录，或没有权限）。请检查 TRACKER_DB 和文件权限。",
        "start_db_busy": "TRACKER_DB 指向的数据库文件正被另一个进程占用。请先停止该进程（例如另一个正在运行的应用或命令），或让 TRACKER_DB 指向另一个文件。",
        "admin_password_refused": "TRACKER_ADMIN_PASSWORD 不符合密码规则：{reason}",
        "pick_placeholder": "请选择",
        "known_toggle": "按当时已知",
        "known_toggle_help": "打开：每个日期只用当时已录入的数据评估（后来补报、更正的数据不计入）；关闭：用现在已知的全部数据",
        "known_then_caption": "按当时已知：每个时点只计当时已录入的数据",
        "known_now_caption": "按现在已知：含之后补报和更正的数据",
        # overview
        "overview_title": "领导驾驶舱",
        "readiness_text": "达标 {met}/{total} 项（{pct:.1f}%）",
        "readiness_label": "达标项目",
        "readiness_pct": "达标率",
        "metric_not_met": "未达标",
        "metric_stale": "数据过期",
        "metric_no_data": "无数据",
        "metric_pending": "待核实",
        "metric_veto": "一票否决风险",
        "delta_since": "较上月末",
        "veto_header": "一票否决风险",
        "veto_none": "当前无一票否决风险。",
        "veto_line": "第{code}项 {title}：{reason}",
        "category_header": "各类别达标情况",
        "category_axis": "项目数",
        "category_legend": "状态",
        "trend_header": "达标率月度趋势",
        "trend_axis_x": "月末",
        "trend_axis_y": "达标率（%）",
        "trend_actual": "实际达标率",
        "trend_target": "阶段目标",
        "timeline_header": "阶段时间轴",
        "timeline_today": "评估日",
        "timeline_phase": "阶段",
        "phase_target_actual": "目标 {target} ／ 实际 {actual}",
        "lagging_header": "滞后单位",
        "lagging_line": "指标达标 {met}/{total}，按时报送率 {timely}",
        "lagging_none": "暂无滞后单位。",
        "changes_header": "较上月变化（{before} → {after}）",
        "changes_none": "与上月相比没有项目状态变化。",
        "changes_line": "第{code}项 {title}：{before} → {after}",
        "changes_readiness": "达标项目 {before} → {after}",
        "notmet_header": "未达标项目与进展",
        "notmet_none": "全部项目均已达标。",
        "notmet_caption": "进展按 Open SDG 方法：观测年变化 ÷ 到本阶段结束（{deadline}，{phase}）达标所需年变化。",
        "progress_method": (
            "比值 R = 观测年变化 ÷ 所需年变化：R ≥ 0.95 按期可达；0.6 ≤ R < 0.95 有进展需加快；"
            "0 ≤ R < 0.6 进展有限；R < 0 倒退。观测年变化取近两年内最早与最新数值；"
            "趋势类指标无数值目标，按年均增长率（≥1.5% 按期可达，0.5%–1.5% 需加快，0–0.5% 进展有限）。"
        ),
        "progress_line": (
            "**{metric}**：{base} → {latest}，观测 {observed}；到{deadline}达到 {target} 需 {needed}；"
            "R = {ratio}，**{progress}**"
        ),
        "progress_line_trend": "**{metric}**：{base} → {latest}，按期望方向年均 {growth}，**{progress}**",
        "all_items_header": "全部 45 项",
        "open_item": "查看第{code}项",
        "col_item": "项目",
        "col_code": "序号",
        "col_title": "名称",
        "col_category": "类别",
        "col_lead": "牵头单位",
        "col_status": "状态",
        "col_veto": "一票否决风险",
        "col_metrics_met": "指标达标",
        "col_reason": "原因",
        "col_link": "详情",
        "col_metric": "指标",
        "col_area": "区域",
        "col_latest": "最新值",
        "col_values": "基期 → 最新",
        "more_reasons": "等{n}条",
        "reason_separator": "；",
        "with_note": "{text}（{note}）",
        "item_with_status": "{item}：{status}",
        "col_latest_period": "最新期",
        "col_base": "基期值",
        "col_base_period": "基期",
        "col_target": "目标",
        "col_observed": "观测年变化",
        "col_needed": "所需年变化",
        "col_deadline": "截止",
        "col_ratio": "比值 R",
        "col_progress": "进展",
        "col_note": "说明",
        "progress_method_title": "进展判定方法（Open SDG）",
        # item
        "item_title": "第{code}项 {title}",
        "item_pick": "选择项目",
        "item_pick_format": "第{code}项 {title}",
        "item_category": "类别：{category}",
        "item_plan_text": "实施方案原文",
        "item_units": "责任单位",
        "item_lead": "牵头：{lead}",
        "item_co": "配合：{units}",
        "item_units_text": "方案原文：{units}",
        "item_status": "项目状态",
        "item_veto_warning": "本项存在一票否决风险。",
        "item_is_veto": "本项含一票否决指标（近三年不得发生相关事件）。",
        "metric_header": "{code} {name}",
        "metric_rule": "规则：{rule}",
        "metric_rule_changed": "规则最近修改：{date}",
        "metric_reporter": "报送单位：{unit}（{period}，{scope}）",
        "metric_national": "国家评审表字段：{field}",
        "metric_national_none": "国家评审表字段：无对应字段",
        "metric_source": "依据：{source}",
        "metric_reason": "判定：{reason}",
        "metric_no_history": "截至评估日尚无数值。",
        "metric_chart_value": "数值",
        "metric_chart_period": "报送期",
        "metric_chart_threshold": "标准 {op} {value}",
        "metric_chart_reference": "区域卫生规划要求",
        "area_breakdown": "各街道乡镇",
        "evidence_header": "佐证与报送记录",
        "evidence_none": "暂无佐证材料。",
        "col_period": "报送期",
        "col_value": "数值",
        "col_evidence": "佐证",
        "col_note_m": "备注",
        "col_file": "报送文件",
        "col_submitted_at": "报送时间",
        "col_verified": "核实",
        "verified_by": "{who} {when}",
        # 核实 (issue 10): the office's check of a unit's 「是」, on the item page
        "verify_note": "核实依据（现场检查记录、材料名称或文号）",
        "verify_note_area": "{area} 核实依据（现场检查记录、材料名称或文号）",
        "verify_button": "核实",
        "verify_button_area": "核实 {area}",
        "verify_pending": "{period}{area} {unit} 报「是」，待创卫办核实。",
        "verified_caption": "当前答复（{period}{area}「是」）已于{when}由{who}核实：{note}",
        "verify_history": "核实记录",
        "col_verified_by": "核实人",
        "col_verified_at": "核实时间",
        "col_verify_note": "核实依据",
        "col_still_holds": "对当前答复有效",
        "figures_header": "其他责任单位报送（{n}条，其中{differing}条与报送单位数据不一致）",
        "figures_differ": "{n}条与报送单位数据不一致：以报送单位的数据为准，除非创卫办决定采用其他单位的数据。",
        "figures_unit": "报送单位",
        "figures_counting": "现计入的数据",
        "figures_pick": "采用哪一条",
        "figures_note": "决定依据（必填，记入审计日志）",
        "figures_adopt": "采用此数据",
        "figures_adopted": "已采用{unit}的{period}数据",
        # unit
        "unit_title": "{unit}",
        "unit_pick": "选择责任单位",
        "unit_full_name": "全称：{name}",
        "unit_contact": "联系方式：{contact}",
        "unit_metrics_met": "报送指标达标",
        "unit_timeliness": "按时报送率",
        "unit_late_count": "逾期未报",
        "unit_lead_items": "牵头项目",
        "unit_co_items": "配合项目",
        "unit_none": "无。",
        "unit_metrics": "本单位报送的指标",
        "unit_late": "逾期",
        "unit_late_none": "近一年没有逾期。",
        "unit_due": "即将到期",
        "unit_due_none": "近期没有待报数据。",
        "unit_submissions": "报送记录",
        "unit_submissions_none": "尚无报送记录。",
        "unit_ranking": "单位排名",
        "unit_ranking_caption": (
            "按报送指标达标比例、再按按时报送率排序。按时：报送期结束后 {year} 天（年度）、{quarter} 天（季度）、"
            "{month} 天（月度）内报送；统计截止日在评估日前一年内的报送期。"
        ),
        "unit_ranking_axis": "比例（%）",
        "unit_no_metrics": "本单位不直接报送指标。",
        "col_unit": "单位",
        "col_share_met": "指标达标率",
        "col_timeliness": "按时报送率",
        "col_metrics_n": "报送指标",
        "col_met_n": "达标",
        "col_due_n": "应报",
        "col_on_time_n": "按时",
        "col_late_n": "逾期报送",
        "col_missing_n": "逾期未报",
        "col_due_date": "截止日期",
        "col_days": "剩余天数",
        "col_state": "情况",
        "state_missing": "逾期未报",
        "state_late": "逾期报送",
        "state_on_time": "按时",
        "state_not_due": "待报",
        "col_file_name": "文件",
        "col_accepted": "接受",
        "col_refused": "拒收",
        "col_outcome": "结果",
        # phases
        "phases_title": "阶段",
        "heatmap_header": "45 项 × 各阶段末状态",
        "heatmap_caption": "每列为该阶段结束日的评估；进行中的阶段按评估日，未开始的阶段留空。",
        "heatmap_future": "未到期",
        "heatmap_x": "阶段",
        "heatmap_y": "项目",
        "phase_targets_header": "阶段目标与实际",
        "col_phase": "阶段",
        "col_start": "开始",
        "col_end": "结束",
        "col_goal": "目标要求",
        "col_target_pct": "目标达标率",
        "col_actual_pct": "实际达标率",
        "col_phase_state": "状态",
        "col_set_by": "目标来源",
        "set_by_office": "创卫办设定",
        "set_by_plan": "实施方案",
        "phase_actual": "{pct}（{met}/{total}）",
        "phase_state_reached": "{state}，{reached}",
        "phase_line": "- **{phase}**：{figures}",
        "phase_done": "已结束",
        "phase_current": "进行中",
        "phase_future": "未开始",
        "phase_met": "已达目标",
        "phase_missed": "未达目标",
        "chart_target": "目标",
        "chart_actual": "实际",
    },
    "en": {
        "app_title": "Hygienic City Tracker",
        "nav_monitor": "Monitoring",
        "nav_report": "Reporting",
        "page_overview": "Overview",
        "page_item": "Item",
        "page_unit": "Unit",
        "page_phases": "Phases",
        "page_upload": "Upload data",
        "page_submissions": "Submissions",
        "lang_label": "语言 / Language",
        "as_of_label": "As of",
        "as_of_help": "Every page evaluates as of this date: only periods ended by then count.",
        "as_of_caption": "Evaluation as of {date}",
        "first_admin_password": "One-time password of the first administrator account admin: {password} (to be changed at first sign-in)",
        "unexpected_error": "Something went wrong on this page (error id {id}). Tell the administrator the id; the details are in the server's log.",
        "start_failed": "The app could not start",
        "start_failed_hint": "Correct the setting and start the app again; the details are in the server's log.",
        "start_db_not_duckdb": "The file TRACKER_DB points to is not a DuckDB database file and cannot be opened. Point TRACKER_DB at the tracker's database file (or at a new file that does not exist yet).",
        "start_db_unusable": "The database file TRACKER_DB points to cannot be read or written (it is a folder, or permission is denied). Check TRACKER_DB and the file's permissions.",
        "start_db_busy": "The database file TRACKER_DB points to is held by another process. Stop that process first (another running app or command), or point TRACKER_DB at another file.",
        "admin_password_refused": "TRACKER_ADMIN_PASSWORD does not meet the password rules: {reason}",
        "pick_placeholder": "Choose",
        "known_toggle": "As known then",
        "known_toggle_help": "On: each date judged with what had been recorded by then (later corrections left out); off: with everything known now",
        "known_then_caption": "As known then: each date counts only what had been recorded by then",
        "known_now_caption": "As known now: later reports and corrections included",
        "overview_title": "Leaders' dashboard",
        "readiness_text": "Met {met}/{total} items ({pct:.1f}%)",
        "readiness_label": "Items met",
        "readiness_pct": "Readiness",
        "metric_not_met": "Not met",
        "metric_stale": "Stale",
        "metric_no_data": "No data",
        "metric_pending": "Pending",
        "metric_veto": "Veto risks",
        "delta_since": "vs last month",
        "veto_header": "Veto risks",
        "veto_none": "No veto risk at present.",
        "veto_line": "Item {code} {title}: {reason}",
        "category_header": "Status by category",
        "category_axis": "Items",
        "category_legend": "Status",
        "trend_header": "Readiness month by month",
        "trend_axis_x": "Month end",
        "trend_axis_y": "Readiness (%)",
        "trend_actual": "Readiness",
        "trend_target": "Phase target",
        "timeline_header": "Phase timeline",
        "timeline_today": "As of",
        "timeline_phase": "Phase",
        "phase_target_actual": "target {target} / actual {actual}",
        "lagging_header": "Units lagging most",
        "lagging_line": "Metrics met {met}/{total}, on time {timely}",
        "lagging_none": "No unit is lagging.",
        "changes_header": "Changes since last month ({before} → {after})",
        "changes_none": "No item changed status since last month.",
        "changes_line": "Item {code} {title}: {before} → {after}",
        "changes_readiness": "Items met {before} → {after}",
        "notmet_header": "Items not yet met, and their progress",
        "notmet_none": "Every item is met.",
        "notmet_caption": (
            "Progress in the Open SDG manner: observed annual change ÷ annual change needed to meet the "
            "figure by the end of the current phase ({deadline}, {phase})."
        ),
        "progress_method": (
            "Ratio R = observed ÷ needed annual change: R ≥ 0.95 on track; 0.6 ≤ R < 0.95 moderate; "
            "0 ≤ R < 0.6 limited; R < 0 deteriorating. Observed change runs from the earliest value of the last "
            "two years to the latest. Trend metrics have no figure: their compound annual growth is judged "
            "(≥1.5% on track, 0.5–1.5% moderate, 0–0.5% limited)."
        ),
        "progress_line": (
            "**{metric}**: {base} → {latest}, observed {observed}; reaching {target} by {deadline} needs "
            "{needed}; R = {ratio}, **{progress}**"
        ),
        "progress_line_trend": "**{metric}**: {base} → {latest}, {growth} in the desired direction, **{progress}**",
        "all_items_header": "All 45 items",
        "open_item": "Open item {code}",
        "col_item": "Item",
        "col_code": "No.",
        "col_title": "Title",
        "col_category": "Category",
        "col_lead": "Lead unit",
        "col_status": "Status",
        "col_veto": "Veto risk",
        "col_metrics_met": "Metrics met",
        "col_reason": "Reason",
        "col_link": "Details",
        "col_metric": "Metric",
        "col_area": "Area",
        "col_latest": "Latest",
        "col_values": "Base → latest",
        "more_reasons": "and {n} more",
        "reason_separator": "; ",
        "with_note": "{text} ({note})",
        "item_with_status": "{item}: {status}",
        "col_latest_period": "Latest period",
        "col_base": "Base",
        "col_base_period": "Base period",
        "col_target": "Target",
        "col_observed": "Observed / year",
        "col_needed": "Needed / year",
        "col_deadline": "By",
        "col_ratio": "Ratio R",
        "col_progress": "Progress",
        "col_note": "Note",
        "progress_method_title": "How progress is judged (Open SDG)",
        "item_title": "Item {code} {title}",
        "item_pick": "Item",
        "item_pick_format": "{code}. {title}",
        "item_category": "Category: {category}",
        "item_plan_text": "The plan's text",
        "item_units": "Responsible units",
        "item_lead": "Lead: {lead}",
        "item_co": "With: {units}",
        "item_units_text": "As the plan writes them: {units}",
        "item_status": "Item status",
        "item_veto_warning": "This item is at veto risk.",
        "item_is_veto": "This item has a veto metric (no such incident within three years).",
        "metric_header": "{code} {name}",
        "metric_rule": "Rule: {rule}",
        "metric_rule_changed": "Rule last changed: {date}",
        "metric_reporter": "Reported by {unit} ({period}, {scope})",
        "metric_national": "National form field: {field}",
        "metric_national_none": "National form field: none",
        "metric_source": "Source: {source}",
        "metric_reason": "Verdict: {reason}",
        "metric_no_history": "No value by the as-of date.",
        "metric_chart_value": "Value",
        "metric_chart_period": "Period",
        "metric_chart_threshold": "Standard {op} {value}",
        "metric_chart_reference": "Regional plan requirement",
        "area_breakdown": "Streets and townships",
        "evidence_header": "Evidence and submissions",
        "evidence_none": "No evidence yet.",
        "col_period": "Period",
        "col_value": "Value",
        "col_evidence": "Evidence",
        "col_note_m": "Note",
        "col_file": "File",
        "col_submitted_at": "Sent at",
        "col_verified": "Verified",
        "verified_by": "{who} {when}",
        "verify_note": "Evidence of the check (inspection record, document name or number)",
        "verify_note_area": "{area}: evidence of the check (inspection record, document name or number)",
        "verify_button": "Verify",
        "verify_button_area": "Verify {area}",
        "verify_pending": "{period}{area}: {unit} answered yes, awaiting the office's check.",
        "verified_caption": "The current answer ({period}{area}: yes) was verified by {who} on {when}: {note}",
        "verify_history": "The office's checks",
        "col_verified_by": "Verified by",
        "col_verified_at": "Verified at",
        "col_verify_note": "Evidence",
        "col_still_holds": "Holds for the current answer",
        "figures_header": "Figures from other responsible units ({n}, {differing} differing from the reporter's)",
        "figures_differ": "{n} differ from the reporting unit's figure: the reporter's counts unless the office adopts another.",
        "figures_unit": "Unit",
        "figures_counting": "Figure that counts",
        "figures_pick": "Which figure",
        "figures_note": "Grounds (required, audited)",
        "figures_adopt": "Adopt this figure",
        "figures_adopted": "Adopted {unit}'s figure for {period}",
        "unit_title": "{unit}",
        "unit_pick": "Unit",
        "unit_full_name": "Full name: {name}",
        "unit_contact": "Contact: {contact}",
        "unit_metrics_met": "Its metrics met",
        "unit_timeliness": "On-time share",
        "unit_late_count": "Overdue",
        "unit_lead_items": "Items it leads",
        "unit_co_items": "Items it shares",
        "unit_none": "None.",
        "unit_metrics": "Metrics it reports",
        "unit_late": "Late",
        "unit_late_none": "Nothing late in the past year.",
        "unit_due": "Due soon",
        "unit_due_none": "Nothing due soon.",
        "unit_submissions": "Submissions",
        "unit_submissions_none": "No submission yet.",
        "unit_ranking": "Ranking of units",
        "unit_ranking_caption": (
            "By share of its metrics met, then by on-time share. On time: within {year} days (annual), "
            "{quarter} days (quarterly), {month} days (monthly) of the period's end; periods whose deadline "
            "fell within the year before the as-of date."
        ),
        "unit_ranking_axis": "Share (%)",
        "unit_no_metrics": "This unit reports no metric itself.",
        "col_unit": "Unit",
        "col_share_met": "Metrics met",
        "col_timeliness": "On time",
        "col_metrics_n": "Metrics",
        "col_met_n": "Met",
        "col_due_n": "Due",
        "col_on_time_n": "On time",
        "col_late_n": "Late",
        "col_missing_n": "Missing",
        "col_due_date": "Deadline",
        "col_days": "Days left",
        "col_state": "State",
        "state_missing": "missing",
        "state_late": "sent late",
        "state_on_time": "on time",
        "state_not_due": "open",
        "col_file_name": "File",
        "col_accepted": "Accepted",
        "col_refused": "Refused",
        "col_outcome": "Outcome",
        "phases_title": "Phases",
        "heatmap_header": "45 items × status at each phase's end",
        "heatmap_caption": (
            "Each column is the evaluation at the phase's end; the current phase as of the as-of date; "
            "phases not yet started stay blank."
        ),
        "heatmap_future": "not yet",
        "heatmap_x": "Phase",
        "heatmap_y": "Item",
        "phase_targets_header": "Phase targets against actual",
        "col_phase": "Phase",
        "col_start": "Start",
        "col_end": "End",
        "col_goal": "Goal",
        "col_target_pct": "Target",
        "col_actual_pct": "Actual",
        "col_phase_state": "State",
        "col_set_by": "Target set by",
        "set_by_office": "the office",
        "set_by_plan": "the plan",
        "phase_actual": "{pct} ({met}/{total})",
        "phase_state_reached": "{state}, {reached}",
        "phase_line": "- **{phase}**: {figures}",
        "phase_done": "ended",
        "phase_current": "current",
        "phase_future": "not started",
        "phase_met": "target met",
        "phase_missed": "target missed",
        "chart_target": "Target",
        "chart_actual": "Actual",
    },
}

PROGRESS_LABEL = {
    "zh": {
        "on_track": "按期可达",
        "moderate": "有进展需加快",
        "limited": "进展有限",
        "deteriorating": "倒退",
        "not_assessable": "无法评估",
    },
    "en": {
        "on_track": "on track",
        "moderate": "moderate",
        "limited": "limited",
        "deteriorating": "deteriorating",
        "not_assessable": "not assessable",
    },
}

# Why progress cannot be judged, per progress.py's reasons.
PROGRESS_NOTE = {
    "zh": {
        "no_target": "无数值目标（{kind}）",
        "too_few": "数值不足两期",
        "stale": "数据过期，需先补报",
        "no_data": "无数据",
        "pending": "待创卫办核实",
        "no_phase": "评估日之后没有阶段",
        "not_positive": "数值非正，无法计算增长率",
    },
    "en": {
        "no_target": "no figure to reach ({kind})",
        "too_few": "fewer than two values",
        "stale": "stale: the latest figure is overdue",
        "no_data": "no data",
        "pending": "awaiting the office's check",
        "no_phase": "no phase after the as-of date",
        "not_positive": "values not positive: no growth rate",
    },
}

KIND_LABEL = {
    "zh": {
        "threshold": "阈值",
        "threshold_or_trend": "阈值或持续改善",
        "trend": "趋势",
        "zero_incident": "零事件",
        "each_area": "各区域均达标",
        "compare": "对照规划",
        "grade": "等级",
        "checklist": "核查项",
        "reported": "填报",
    },
    "en": {
        "threshold": "threshold",
        "threshold_or_trend": "threshold or trend",
        "trend": "trend",
        "zero_incident": "zero incidents",
        "each_area": "every area",
        "compare": "against the plan",
        "grade": "grade",
        "checklist": "checklist",
        "reported": "reported",
    },
}

PERIOD_WORD = {
    "zh": {"year": "年度", "quarter": "季度", "month": "月度"},
    "en": {"year": "annual", "quarter": "quarterly", "month": "monthly"},
}
SCOPE_WORD = {"zh": {"city": "全市", "area": "各街道乡镇"}, "en": {"city": "city-wide", "area": "per area"}}
OUTCOME_WORD = {
    "zh": {"committed": "已入库", "all_refused": "全部拒收", "failed": "失败", "duplicate": "重复文件"},
    "en": {
        "committed": "committed",
        "all_refused": "all refused",
        "failed": "failed",
        "duplicate": "duplicate",
    },
}


def _chinese() -> str:
    return "zh"


_language_source: Callable[[], str] = _chinese  # the app's session state decides (app.state); zh elsewhere


def use_language_source(source: Callable[[], str]) -> None:
    """Where lang() reads the language picked on the sidebar: the app registers its session state here."""
    global _language_source
    _language_source = source


def lang() -> str:
    """The language chosen on the sidebar (zh unless English was picked)."""
    value = _language_source()
    return value if value in LANGS else "zh"


def _families() -> dict[str, dict[str, dict[str, str]]]:
    """Code tables reached as t("family.code"), each {lang: {code: word}}."""
    from tracker.strings import auth, office, text, upload

    return {
        "field": text.FIELD,
        "status": STATUS_LABEL,
        "progress": PROGRESS_LABEL,
        "progress_note": PROGRESS_NOTE,
        "kind": KIND_LABEL,
        "period": PERIOD_WORD,
        "scope": SCOPE_WORD,
        "outcome": OUTCOME_WORD,
        "role": auth.ROLE_LABEL,
        "account": auth.ACCOUNT,
        "action": auth.ACTION_LABEL,
        "audit_col": auth.AUDIT_COLUMNS,
        "user_col": auth.USER_COLUMNS,
        "col": {"zh": office.COLUMNS, "en": office.COLUMNS_EN},
        "task_status": {"zh": office.TASK_STATUS, "en": office.TASK_STATUS_EN},
        "report_state": {"zh": office.REPORT_STATE, "en": office.REPORT_STATE_EN},
        "accept_state": {
            "zh": {k: office.ACCEPT[k] for k in office.ACCEPT_STATE_EN},
            "en": office.ACCEPT_STATE_EN,
        },
        "upload": upload.PAGE,
        "upload_col": {"zh": upload.COLUMNS, "en": upload.COLUMNS_EN},
        "upload_outcome": {"zh": upload.OUTCOME_LABEL, "en": upload.OUTCOME_LABEL_EN},
    }


@functools.cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every key in both languages: {lang: {key: text}}. A key defined twice with different words is a
    mistake in the tables, refused here."""
    from tracker.strings import act, auth, evidence, inspections, office
    from tracker.strings import text as text_words

    words: dict[str, dict[str, str]] = {language: {} for language in LANGS}

    def add(language: str, key: str, text: str) -> None:
        if words[language].get(key, text) != text:
            raise ValueError(f"word {key!r} ({language}) defined twice: {words[language][key]!r} / {text!r}")
        words[language][key] = text

    for table in (
        UI, office.PAGE, auth.AUTH, auth.GUARD, auth.NAV, act.ACT, evidence.EVIDENCE, inspections.PAGE, text_words.TEXT
    ):  # fmt: skip
        for language in LANGS:
            for key, text in table.get(language, {}).items():
                add(language, key, text)
    for family, table in _families().items():
        for language in LANGS:
            for code, text in table.get(language, {}).items():
                add(language, f"{family}.{code}", text)
    return words


def t(key: str, /, **kw) -> str:
    """The text for `key` in the current language, formatted with kw (Chinese where English is missing:
    tests/test_language_parity.py keeps that from happening)."""
    words = catalogue()
    text = words[lang()].get(key) or words["zh"][key]
    return text.format(**kw) if kw else text


def has(key: str) -> bool:
    return key in catalogue()["zh"]


def status_label(status: str) -> str:
    return t(f"status.{status}")


def progress_label(category: str) -> str:
    return t(f"progress.{category}")


def progress_note(key: str, **kw) -> str:
    return t(f"progress_note.{key}", **kw) if key else ""


def kind_label(kind: str) -> str:
    return t(f"kind.{kind}")


def period_word(period: str) -> str:
    return t(f"period.{period}")


def scope_word(scope: str) -> str:
    return t(f"scope.{scope}")


def outcome_word(outcome: str) -> str:
    return t(f"outcome.{outcome}") if has(f"outcome.{outcome}") else outcome


def code_word(family: str, code: str) -> str:
    """A code (an audit action, a role) in words; a code the tables do not know yet is shown as stored."""
    return t(f"{family}.{code}") if has(f"{family}.{code}") else str(code)


def reasons_text(reasons: list[str], shown: int = 2) -> str:
    """The first reasons of an item's failures, and how many more."""
    separator = t("reason_separator")
    head = separator.join(reasons[:shown])
    rest = len(reasons) - shown
    return head + (separator + t("more_reasons", n=rest) if rest > 0 else "")


def badge(status: str) -> str:
    """A status as a coloured label (HTML), the same colour everywhere."""
    return (
        f'<span style="background:{STATUS_COLOUR[status]};color:white;padding:0.1em 0.55em;'
        f'border-radius:0.6em;font-size:0.9em;white-space:nowrap">{html.escape(status_label(status))}</span>'
    )


def wrap(text: str, width: int) -> str:
    """A chart label broken into lines of at most `width` characters (plotly's <br>)."""
    return "<br>".join(text[i : i + width] for i in range(0, len(text), width))


def pct(value: float | None) -> str:
    return "—" if value is None or value != value else f"{value * 100:.1f}%"


def date_text(value: dt.date | None) -> str:
    if value is None:
        return "—"
    if lang() == "zh":
        return f"{value.year}年{value.month}月{value.day}日"
    return value.isoformat()


DEMO_BANNER_EN = "Demo data: this database holds generated demo data (a simulated 扎兰屯市, 2020–2026), not real submissions."


def demo_banner() -> str:
    return DEMO_BANNER if lang() == "zh" else DEMO_BANNER_EN


def reason_column() -> str:
    """The evaluation's reason column in the sidebar's language."""
    return "reason_en" if lang() == "en" else "reason"


def reasons_column() -> str:
    """views.item_table's list of reasons in the sidebar's language."""
    return "reasons_en" if lang() == "en" else "reasons"


def fmt_rate(value: float | None, unit: str) -> str:
    """An annual change with its unit: +0.90 个百分点/年, −0.05人/万人/年."""
    if value is None or value != value:
        return "—"
    if unit == "%":
        word = "个百分点/年" if lang() == "zh" else " pp/yr"
    else:
        word = f"{unit}/年" if lang() == "zh" else f" {unit}/yr"
    return f"{value:+.2f}{word}".replace("-", "−")


def fmt_growth(value: float | None) -> str:
    """A compound annual growth rate in the desired direction: +0.4%/年."""
    if value is None or value != value:
        return "—"
    return f"{value * 100:+.1f}%" + ("/年" if lang() == "zh" else "/yr")


# The word tables' own shorthands, here so that the tables never import this module (issue 25).
def act(key: str, **kw) -> str:
    """A word of the act-where-you-look features (tracker.strings.act) in the sidebar's language."""
    return t(key, **kw)


def ti(key: str, **kw) -> str:
    """The inspections page's text (tracker.strings.inspections) for `key` in the chosen language."""
    return t(key, **kw)


def status_text(status: str) -> str:
    """A finding's status in the chosen language."""
    from tracker.strings.inspections import STATUS, STATUS_EN

    return (STATUS_EN if lang() == "en" else STATUS)[status]
