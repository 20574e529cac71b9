"""Every word of the creation office's workflow: reporting completeness, the rectification ledger, item acceptance,
the briefing (通报), the national form, their command line and their pages. Chinese first; the pages' few
words also in English for the sidebar switch."""

from __future__ import annotations

OFFICE_NAME = "扎兰屯市创建国家卫生城市工作领导小组办公室"
CITY = "扎兰屯市"

# ---------------------------------------------------------------- tasks (整改台账)
TASK_STATUS = {"open": "待整改", "in_progress": "整改中", "awaiting_check": "待验收", "closed": "已销号"}
TASK_STATUS_EN = {
    "open": "To fix",
    "in_progress": "In progress",
    "awaiting_check": "Awaiting check",
    "closed": "Closed",
}

TASK = {
    "no_task": "没有编号为 {id} 的整改任务",
    "unknown_metric": "未知指标「{metric}」",
    "unknown_unit": "未知单位「{unit}」",
    "need_description": "请填写整改内容",
    "bad_status": "状态「{status}」不可由此设置（可选：待整改、整改中、待验收；销号请用「销号」）",
    "no_change": "没有变化：请修改状态或填写说明",
    "already_closed": "任务 {id} 已销号",
    "close_needs_reason": "该指标目前仍未达标（{reason}），销号须由创卫办填写书面理由",
    "closed_met": "截至{date}指标已达标：{reason}",
    "changed": "{field}：{before} → {after}",
    "field_deadline": "整改期限",
    "field_owner_unit": "责任单位",
    "field_description": "整改内容",
    "event_opened": "创卫办立项",
    "event_auto": "按截至{date}的评估自动立项",
    "audit_auto": "按截至{date}的评估，为 {n} 个新出现的未达标指标自动立项",
    "auto_description": "整改未达标指标：",
}

# ---------------------------------------------------------------- acceptance (逐项验收)
ACCEPT = {
    "unknown_item": "没有第{item}项",
    "need_evidence": "请填写验收依据（材料名称、检查记录或文号）",
    "need_reason": "请填写撤销理由",
    "not_met": "第{item}项「{title}」截至{date}为「{status}」，不能验收：{reasons}",
    "already": "第{item}项已于{date}由{by}验收",
    "not_accepted": "第{item}项当前没有有效的验收",
    "fallen": "截至{date}回落为未达标，验收自动撤销：{reasons}",
    "state_accepted": "已验收",
    "state_withdrawn": "验收已撤销",
    "state_ready": "可验收",
    "state_not_ready": "未达标，暂不能验收",
}

# ---------------------------------------------------------------- verification (核实, issue 10)
VERIFY = {
    "unknown_metric": "未知指标「{metric}」",
    "not_checklist": "指标「{metric}」不是核查项（是/否）指标，无需核实",
    "bad_period": "期间「{period}」无法识别（可写 2025、2025年、2025年第四季度、2025-06）",
    "wrong_period": "指标「{metric}」是{expected}指标，期间「{period}」不是{expected}",
    "area_on_city": "指标「{metric}」是全市指标，不应填写区域「{area}」",
    "need_area": "指标「{metric}」按街道乡镇报送，请指定区域",
    "unknown_area": "区域「{area}」不在指标「{metric}」的考核范围内",
    "unknown_unit": "未知单位「{unit}」",
    "need_note": "请填写核实依据（现场检查记录、材料名称或文号）",
    "no_answer": "「{what}」尚无答复，无可核实",
    "other_unit": "「{what}」当前答复来自「{actual}」，不是「{unit}」",
    "answered_no": "「{what}」当前答复为「否」（{unit}），没有需要核实的内容",
    "office_own": "「{what}」的「是」由创卫办填报，直接计为达标，无需核实",
    "already": "已核实：「{what}」的「是」已于{when}由{by}核实（{unit}报送），无需再次核实",
    "done": "已核实：「{what}」的「是」（{unit}报送）",
}

# ---------------------------------------------------------------- reporting completeness
FIGURE = {
    "unknown_metric": "未知指标「{metric}」",
    "bad_period": "无法识别的期间「{period}」",
    "not_listed": "「{unit}」不是指标 {metric} 的责任单位，不能采用其数据",
    "no_figure": "「{unit}」没有报送 {period} {metric} 的数据",
    "need_note": "请写明采用其他单位数据的依据",
}

REPORT_STATE = {"on_time": "按时", "late": "迟报", "missing": "逾期未报", "not_due": "未到期"}
PERIOD_TYPE = {"year": "年度", "quarter": "季度", "month": "月度"}

# ---------------------------------------------------------------- the briefing (通报)
DEMO_MARK = "（演示数据）"
BRIEF = {
    "title": "关于创建国家卫生城市工作进展情况的通报",
    "xlsx_title": "创建国家卫生城市工作进展情况（截至{date}）",
    "recipients": "市创卫工作领导小组各成员单位，各街道办事处、乡镇人民政府：",
    "opening": (
        "为全面掌握创建国家卫生城市（以下简称“创卫”）工作进展，按照“达标一项、验收一项”的要求，"
        "市创卫办依据各责任单位报送的数据，对国家卫生城市标准7大类45项指标的达标情况进行了评估。"
        "现将截至{date}的工作进展情况通报如下。"
    ),
    # Which data the verdicts use: everything recorded by the day the briefing was made, later corrections included.
    "known_note": "说明：本通报按编制之日（{made}）已录入的全部数据评估，截至日之后补报或更正的数据一并计入。",
    # 「按当时已知」: a phase-end briefing as it would have been written that day.
    "known_then_note": "说明：本通报按截至{date}当日已录入的数据评估（按当时已知），其后补报或更正的数据不计入。",
    "issue_no": "第{n}期",
    "demo_note": "说明：本通报依据系统自动生成的演示数据编制，不代表真实工作情况。",
    "h1": "一、总体进展",
    "overall": (
        "截至{date}，45项指标中达标{met}项，达标率{pct}；未达标{not_met}项，数据过期{stale}项，"
        "无数据{no_data}项，待核实{pending}项。已完成逐项验收{accepted}项。"
    ),
    "overall_phase": "当前处于{phase}（{start}至{end}），阶段目标为达标率{target}，{verdict}。",
    "phase_word": "阶段",
    "phase_quoted": "“{name}”",
    "phase_quoted_word": "“{name}”阶段",
    "phase_reached": "已达到阶段目标",
    "phase_gap": "尚差{gap}项",
    "phase_no_target": "当前处于{phase}（{start}至{end}）。",
    "withdrawn": "另有{n}项验收后回落为未达标，验收已撤销：{items}。",
    "chart_categories": "图1  各类别指标达标情况（项）",
    "chart_trend": "图2  达标率月度变化",
    "axis_items": "项目数",
    "axis_readiness": "达标率",
    "legend_actual": "实际达标率",
    "legend_target": "阶段目标",
    "no_kaleido": "kaleido 未安装",
    "charts_failed": "图表生成失败：{why}",
    "h2": "二、一票否决风险",
    "veto_none": "截至{date}，未发现一票否决风险。",
    "veto_intro": "截至{date}，以下{n}项存在一票否决风险，须立即组织整改并逐级上报：",
    "veto_line": "第{item}项“{title}”：{reason}。",
    "h3": "三、各类别达标情况",
    "category_heading": "（{n}）{name}：{met}/{total}项达标",
    "h4": "四、数据报送情况",
    "late_intro": (
        "统计期内（报送截止日在{since}至{date}之间），各责任单位应报数据{due}项，按时报送{on_time}项，"
        "按时报送率{rate}。"
    ),
    "late_none": "各责任单位均按时报送数据，予以肯定。",
    "late_named": "以下单位存在迟报、漏报，予以通报：",
    "late_line": "{unit}：应报{due}项，迟报{late}项，逾期未报{missing}项，按时报送率{rate}。",
    "late_owed": "尚未报送：{what}。",
    "late_more": "等{n}项",
    "note_others": "{n}项指标{status}（{codes}）",
    "note_also": "另有",
    "h5": "五、整改督办情况",
    "tasks_summary": "整改台账共有任务{total}项，其中待整改{open}项，整改中{in_progress}项，待验收{awaiting_check}项，已销号{closed}项。",
    "tasks_none": "整改台账暂无任务。",
    "overdue_none": "截至{date}，无逾期未完成的整改任务。",
    "overdue_intro": "以下{n}项整改任务已超过期限仍未销号，予以通报：",
    "h6": "六、责任单位排名",
    "ranking_intro": "按各单位负责报送指标的达标率排序，达标率相同的按按时报送率排序：",
    "h7": "七、下一步工作",
    "next_veto": "（一）全力消除一票否决风险。{units}要针对第{items}项立即查明原因、落实整改，确保不发生同类事件。",
    "next_failing": "（二）加快未达标项目整改。{n}项未达标指标的责任单位要对照整改台账，明确整改措施和完成时限，整改到位后及时申请验收。",
    "next_late": "（三）严格落实数据报送制度。{units}要于5个工作日内补报逾期数据，并说明迟报原因。",
    "next_overdue": "（四）加强督办问效。{units}的逾期整改任务由市创卫办挂牌督办，逾期仍未完成的，提请领导小组约谈。",
    "this_phase": "本阶段",
    "following_phase": "下一阶段",
    "next_phase": "（{n}）对照阶段目标查漏补缺。{which}“{phase}”（截至{end}）目标达标率{target}，各单位要倒排工期，确保按期达标。",
    "next_accept": "（{n}）做好逐项验收。已达标但尚未验收的{count}项，由市创卫办会同牵头单位组织验收，固化佐证材料。",
    "next_keep": "（{n}）巩固已达标成果。已达标项目的责任单位要建立长效机制，防止反弹。",
    "signature_date": "{date}",
    "page_number": "— {n} —",
    "no_charts": "（本机未能生成图表，图表从略。）",
}

# 印发 and the archive of issued briefings (tracker/office/briefing_issue.py)
ISSUE = {
    "need_number": "请填写文号（如“扎创卫办〔2025〕12号”）：印发的通报以文号存档",
    "number_too_long": "文号过长（不超过{n}个字）",
    "number_taken": "文号“{number}”已于{when}由{by}印发（截至{as_of}的通报），不能重复使用。请换用新的文号",
    "no_issue": "没有编号为 {id} 的已印发通报",
    "file_name": "创卫工作进展通报-{date}-{number}.docx",
}

COLUMNS = {
    "period_type": "类型",
    "time": "时间",
    "actor": "操作人",
    "no": "序号",
    "item": "项目",
    "code": "编号",
    "title": "名称",
    "category": "类别",
    "lead": "牵头单位",
    "status": "状态",
    "veto": "一票否决风险",
    "accepted": "验收",
    "note": "说明",
    "metric": "指标",
    "metric_name": "指标名称",
    "period": "期间",
    "value": "数值",
    "reporter": "报送单位",
    "reason": "判定依据",
    "unit": "单位",
    "rank": "排名",
    "metrics": "报送指标数",
    "met": "达标数",
    "share_met": "达标率",
    "due": "应报",
    "expected": "应报（含未到期）",
    "received": "已报",
    "on_time": "按时",
    "late": "迟报",
    "missing": "逾期未报",
    "not_due": "未到期",
    "reporting_rate": "报送率",
    "on_time_rate": "按时报送率",
    "deadline": "截止日期",
    "received_at": "首次报送时间",
    "days_late": "逾期天数",
    "state": "报送状态",
    "task": "任务编号",
    "owner": "责任单位",
    "description": "整改内容",
    "task_deadline": "整改期限",
    "task_status": "任务状态",
    "overdue": "是否逾期",
    "days_overdue": "逾期天数",
    "opened_at": "立项时间",
    "last_note": "最新进展",
    "close_reason": "销号说明",
    "accepted_on": "验收日期",
    "accepted_by": "验收人",
    "evidence": "验收依据",
    "withdrawn_reason": "撤销原因",
    "field": "字段",
    "label": "含义",
    "source": "来源",
    "key": "项目",
}

SHEETS = {
    "summary": "概况",
    "items": "项目",
    "metrics": "指标",
    "units": "单位",
    "late": "迟报",
    "tasks": "整改任务",
    "acceptance": "验收",
}

SUMMARY_ROWS = {
    "title": "标题",
    "office": "发文单位",
    "as_of": "截至日期",
    "number": "文号",
    "issue_no": "期数",
    "known": "数据口径",
    "known_then": "按当时已知（只计截至日当天已录入的数据）",
    "known_now": "按现在已知（含截至日之后补报和更正的数据）",
    "demo": "数据性质",
    "demo_yes": "演示数据（自动生成，非真实报送）",
    "demo_no": "各单位报送数据",
    "items": "项目总数",
    "met": "达标",
    "not_met": "未达标",
    "stale": "数据过期",
    "no_data": "无数据",
    "pending": "待核实",
    "readiness": "达标率",
    "accepted": "已验收",
    "veto": "一票否决风险",
    "late_units": "迟报单位",
    "overdue_tasks": "逾期整改任务",
    "none": "无",
}

YES, NO = "是", "否"

# ---------------------------------------------------------------- the national form
NATIONAL = {
    "city": "卫生城市评估填报",
    "county": "卫生县评估填报",
    "sheet_form": "填报表",
    "sheet_missing": "缺项",
    "sheet_json": "说明",
    "missing_none": "所有字段均已有数值。",
    "col_key": "字段（JSON键）",
    "col_label": "含义",
    "col_value": "填报值",
    "col_source": "来源（指标、期间）",
    "col_why": "缺少原因",
    "why_no_value": "无{period}数据",
    "why_setting": "创卫办设置项，请在 indicators/national_form.yaml 中填写",
    "why_incomplete": "需{n}年数据，仅有{have}年",
    "why_area": "有街道乡镇缺数据",
    "year_of": "{year}年",
    "latest_quarter": "{label}（年内最新季度）",
    "area_min": "{period}各街道乡镇最低值（{area}）",
    "avg_of": "{first}–{last}年平均",
    "note": (
        "{form}（{api}），统计年度 {year} 年；三年序列按年份升序（年份1为{first}年），"
        "五年序列为{year}年起逐年向前；JSON 中无数值的字段为 null。"
    ),
    "demo": "本表依据演示数据生成，不得上报。",
}

# ---------------------------------------------------------------- command line
CLI = {
    "report_suffix": "--out 应以 .docx 或 .xlsx 结尾",
    "national_suffix": "--out 应以 .json 或 .xlsx 结尾",
    "written": "已写出 {path}",
    "report_summary": "截至{date}：达标 {met}/{total} 项（{pct}），一票否决风险 {veto}，迟报单位 {late}，逾期整改任务 {overdue}",
    "national_missing": "{n} 个字段无数值：",
    "national_complete": "所有字段均已有数值。",
    "late_none": "截至{date}，各单位均按时报送。",
    "late_header": "截至{date}的迟报单位（报送截止日在{since}之后）：",
    "late_line": "{unit}：应报 {due}，迟报 {late}，逾期未报 {missing}，按时报送率 {rate}",
    "late_owed": "    尚未报送：{what}",
    "tasks_opened": "已为 {n} 个新的未达标指标立项",
    "tasks_none": "整改台账暂无任务",
    "task_line": "#{id:<4} {status:<4} {overdue}{owner}  {metric}  期限 {deadline}  {description}",
    "overdue_mark": "【逾期{days}天】",
}

# ---------------------------------------------------------------- pages
PAGE = {
    "zh": {
        "page_late": "迟报督办",
        "page_tasks": "整改台账",
        "page_acceptance": "逐项验收",
        "page_reports": "通报与国家表",
        "nav_office": "创卫办工作",
        # late board
        "late_title": "迟报督办",
        "late_caption": "截至 {date}，统计报送截止日在 {since} 至 {date} 之间的数据（年度截止 {year} 天、季度 {quarter} 天、月度 {month} 天）。",
        "late_board": "迟报单位",
        "late_none": "各单位均按时报送。",
        "late_card": "**{unit}**：应报 {due}，迟报 {late}，逾期未报 {missing}，按时报送率 {rate}",
        "late_owed": "尚未报送：{what}",
        "late_rates": "各单位报送率与按时报送率",
        "late_periods": "按单位和期间",
        "late_detail": "明细",
        "differ_header": "与报送单位数据不一致",
        "differ_none": "其他责任单位报送的数据均与报送单位一致。",
        "differ_line": "第{item}项 {metric} {name}（{period}）：{unit}报 {value}，计入的是{counting_unit}的 {counting}",
        "late_unit_pick": "单位",
        "all_units": "全部单位",
        # tasks
        "tasks_title": "整改台账",
        "tasks_caption": "截至 {date}：任务 {total} 项，逾期 {overdue} 项。",
        "tasks_overdue_flag": "逾期 {days} 天",
        "tasks_auto": "为新的未达标指标自动立项",
        "tasks_auto_days": "整改期限（天）",
        "tasks_auto_done": "已为 {n} 个指标立项。",
        "tasks_auto_none": "没有需要新立项的未达标指标。",
        "tasks_new": "新建整改任务",
        "tasks_metric": "指标",
        "tasks_owner": "责任单位",
        "tasks_description": "整改内容",
        "tasks_deadline": "整改期限",
        "tasks_create": "立项",
        "tasks_created": "已立项：任务 {id}",
        "tasks_pick": "选择任务",
        "tasks_update": "更新进展",
        "tasks_status": "状态",
        "tasks_note": "进展说明",
        "tasks_save": "保存",
        "tasks_saved": "已保存。",
        "tasks_close": "销号",
        "tasks_close_reason": "销号理由（指标未达标时必填）",
        "tasks_closed": "任务 {id} 已销号。",
        "tasks_history": "变更记录",
        "tasks_empty": "暂无整改任务。",
        "tasks_mine": "本单位（{unit}）的整改任务",
        "tasks_read_only": "当前账号只能查看。",
        "tasks_history_view": "按 {date} 的状态显示（历史视图，只读）。立项、更新和销号请将截至日期设为今天。",
        "tasks_filter": "只看未销号",
        # acceptance
        "acc_title": "逐项验收",
        "acc_caption": "「达标一项、验收一项」：截至 {date}，45 项中已验收 {accepted} 项，可验收 {ready} 项，验收后回落 {withdrawn} 项。",
        "acc_withdrawn_header": "验收后回落（验收已自动撤销）",
        "acc_withdrawn_line": "第{item}项 {title}：{reason}",
        "acc_form": "验收一项",
        "acc_item": "项目（仅列可验收项）",
        "acc_on": "验收日期",
        "acc_evidence": "验收依据（材料、检查记录、文号）",
        "acc_submit": "验收",
        "acc_done": "第{item}项已验收。",
        "acc_none_ready": "目前没有可验收的项目（须已达标且未验收）。",
        "acc_read_only": "只有创卫办管理员可以验收。",
        # reports
        "rep_title": "通报与国家表",
        "rep_caption": "按截至 {date} 的评估生成。",
        "rep_brief": "工作进展通报",
        "rep_brief_help": "Word 为正式通报（含图表），Excel 为明细（概况、项目、指标、单位、迟报、整改任务）。",
        "rep_make": "生成通报",
        "rep_docx": "下载通报（Word）",
        "rep_xlsx": "下载明细（Excel）",
        "rep_ready": "通报要点：达标 {met}/{total} 项，一票否决风险 {veto} 项，迟报单位 {late} 个，逾期整改任务 {overdue} 项。",
        "rep_national": "国家卫生城市（县）评估表",
        "rep_national_file_city": "国家卫生城市评估表-{year}",
        "rep_national_file_county": "国家卫生县评估表-{year}",
        "rep_year": "统计年度",
        "rep_form": "表式",
        "rep_form_city": "卫生城市",
        "rep_form_county": "卫生县",
        "rep_json": "下载 JSON（国家系统格式）",
        "rep_nat_xlsx": "下载 Excel（供审核）",
        "rep_number": "文号",
        "rep_number_placeholder": "扎创卫办〔2025〕12号",
        "rep_issue_no": "期数",
        "rep_issue_no_placeholder": "3",
        "rep_header_help": "文号、期数印在通报的版头；下载的草稿同样带上。印发时必须填写文号，且每个文号只能用一次。",
        "rep_issue": "印发并存档",
        "rep_issue_help": "生成带文号的正式通报并存档：存档的文件不再随数据变化，可随时原样下载。",
        "rep_issued": "已印发并存档：{number}（{file}）",
        "rep_archive": "已印发的通报",
        "rep_archive_none": "尚未印发通报。",
        "rep_archive_pick": "选择已印发的通报",
        "rep_archive_line": "{number} · {issue_no} · 截至 {as_of}{then} · {by} 于 {when} 印发",
        "rep_archive_then": "（按当时已知）",
        "rep_archive_download": "下载存档（Word）",
        "rep_col_number": "文号",
        "rep_col_issue_no": "期数",
        "rep_col_as_of": "截至日期",
        "rep_col_known_then": "按当时已知",
        "rep_col_issued_at": "印发时间",
        "rep_col_issued_by": "印发人",
        "rep_col_size": "大小（KB）",
        "rep_col_sha256": "SHA-256",
        "rep_read_only": "只有创卫办管理员可以印发通报。",
        "rep_missing": "{n} 个字段无数值",
        "rep_complete": "所有字段均已有数值。",
        "not_signed_in": "未登录：以只读方式显示。",
    },
    "en": {
        "differ_header": "Figures differing from the reporting unit's",
        "differ_none": "Other responsible units' figures agree with the reporting units'.",
        "differ_line": "Item {item} {metric} {name} ({period}): {unit} sent {value}; {counting_unit}'s {counting} counts",
        "page_late": "Late reports",
        "page_tasks": "Rectification ledger",
        "page_acceptance": "Item acceptance",
        "page_reports": "Briefing & national form",
        "rep_number": "Document number (文号)",
        "rep_number_placeholder": "扎创卫办〔2025〕12号",
        "rep_issue_no": "Issue number (期数)",
        "rep_issue_no_placeholder": "3",
        "rep_header_help": "The document and issue numbers are printed in the briefing's header, drafts included. Issuing needs a document number, and each can be used once.",
        "rep_issue": "Issue and archive",
        "rep_issue_help": "Build the official briefing with its number and archive it: the archived file no longer changes with the data and downloads exactly as issued.",
        "rep_issued": "Issued and archived: {number} ({file})",
        "rep_archive": "Issued briefings",
        "rep_archive_none": "No briefing issued yet.",
        "rep_archive_pick": "Pick an issued briefing",
        "rep_archive_line": "{number} · {issue_no} · as of {as_of}{then} · issued by {by} at {when}",
        "rep_archive_then": " (as known then)",
        "rep_archive_download": "Download archived copy (Word)",
        "rep_col_number": "Document no.",
        "rep_col_issue_no": "Issue",
        "rep_col_as_of": "As of",
        "rep_col_known_then": "As known then",
        "rep_col_issued_at": "Issued at",
        "rep_col_issued_by": "Issued by",
        "rep_col_size": "Size (KB)",
        "rep_col_sha256": "SHA-256",
        "rep_read_only": "Only the office's administrators can issue a briefing.",
        "nav_office": "Office work",
    },
}


def page_text(key: str, lang: str = "zh", **kw) -> str:
    text = PAGE.get(lang, {}).get(key) or PAGE["zh"][key]
    return text.format(**kw) if kw else text


def register_page_titles() -> None:
    """Make the navigation titles of the office's pages known to tracker.strings.ui.t (never overriding)."""
    from tracker.strings import ui

    for lang, words in PAGE.items():
        for key in ("page_late", "page_tasks", "page_acceptance", "page_reports", "nav_office"):
            if key in words:
                ui.UI.setdefault(lang, {}).setdefault(key, words[key])


register_page_titles()
