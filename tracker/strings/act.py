"""Words of 「在看到的地方行动」 (issue 13): the item page's actions, the 督办通知 and its record, the unit page's
own sections. The notice itself is an official document, in Chinese only, like the briefing (BRIEF)."""

from __future__ import annotations

from tracker.strings import ui

# ---------------------------------------------------------------- the 督办通知 (.docx), Chinese only
NOTICE = {
    "number_prefix": "创卫办督",
    "number": "{prefix}〔{year}〕{n}号",
    "title": "关于督促报送创卫指标数据的通知",
    "to_all": "各有关单位：",
    "to_unit": "{unit}：",
    "opening_unit": "截至{date}，你单位以下{n}项创卫指标数据已超过报送截止日期仍未报送，影响全市创建国家卫生城市工作进度的统计和研判。",
    "opening_all": "截至{date}，以下{units}个单位共{n}项创卫指标数据已超过报送截止日期仍未报送，影响全市创建国家卫生城市工作进度的统计和研判。",
    "ask": "请于{reply}前通过创卫指标达标监测系统补报上述数据，并对照标准做好佐证资料的收集整理。逾期仍未报送的，将在全市创卫工作进展通报中予以通报。",
    "headers": ["序号", "责任单位", "指标", "期间", "报送截止日", "逾期天数"],
    "contact": "联系人：创卫办综合组",
    "file_name": "督办通知-{number}-{who}.docx",
    "all_units": "各有关单位",
}

REMINDER = {
    "need_number": "请填写文号（如「创卫办督〔2024〕1号」）。",
    "number_used": "文号「{number}」已用过（{when} 发给{units}），请换一个文号。",
    "unknown_unit": "「{unit}」不是责任单位名单中的单位。",
    "nothing_owed": "截至 {date}，{unit}没有逾期未报的数据，无需催报。",
    "nothing_owed_all": "截至 {date}，没有单位有逾期未报的数据，无需催报。",
    "audit": "督办通知 {number}：{units}，{n} 项逾期未报数据",
}

# Sheet and column names of the board's .xlsx export.
BOARD_XLSX = {
    "sheet_board": "迟报单位",
    "sheet_detail": "逾期未报明细",
    "board_headers": ["单位", "应报", "迟报", "逾期未报", "按时报送率", "尚未报送"],
    "detail_headers": ["单位", "指标", "指标名称", "期间", "报送截止日", "逾期天数"],
}

# ---------------------------------------------------------------- page words, both languages
ACT = {
    "zh": {
        # item page
        "act_open_task": "立项",
        "act_open_task_help": "为这一指标开立整改任务（整改台账）",
        "act_task_header": "为 {code} 立项整改",
        "act_task_owner": "责任单位",
        "act_task_reason": "整改事由",
        "act_task_deadline": "整改期限",
        "act_task_create": "开立整改任务",
        "act_task_created": "已开立整改任务 #{id}（{unit}，期限 {deadline}）。",
        "act_task_open_already": "已有未销号的整改任务：{tasks}",
        "act_verify": "核实",
        "act_verify_help": "核实单位报来的「是」",
        "act_history": "{unit}的报送记录",
        "act_to_ledger": "打开整改台账",
        # late board
        "late_remind_header": "催报：督办通知",
        "late_remind_caption": "生成编号的督办通知（Word），列出逾期未报的数据、报送截止日和逾期天数；发出的通知留档，显示在单位页。",
        "late_remind_to": "发给",
        "late_remind_all": "全部迟报单位（一份通知）",
        "late_remind_number": "文号",
        "late_remind_reply": "限期补报日期",
        "late_remind_button": "生成督办通知",
        "late_remind_done": "已生成督办通知 {number}（{units}），已留档。",
        "late_remind_download": "下载督办通知（Word）",
        "late_remind_sent": "已发督办通知",
        "late_export": "下载迟报督办表（Excel）",
        "late_export_name": "迟报督办-{date}.xlsx",
        # unit page
        "unit_tasks": "整改任务",
        "unit_tasks_none": "没有整改任务。",
        "unit_refused": "最近被拒绝的行",
        "unit_refused_none": "最近的报送没有被拒绝的行。",
        "unit_refused_caption": "报送 #{id}「{file}」（{when}）：{n} 行被拒绝。改正后重新上报即可。",
        "unit_reminders": "督办通知",
        "unit_reminders_none": "没有收到督办通知。",
        "unit_reminder_download": "下载 {number}",
        "col_doc_number": "文号",
        "col_sent_at": "发出时间",
        "col_sent_by": "发出人",
        "col_figures": "催报数据（项）",
        "col_task": "任务编号",
        "col_task_status": "状态",
        "col_task_deadline": "期限",
        "col_task_description": "整改事由",
        "col_overdue": "是否逾期",
        "overdue_days": "逾期 {days} 天",
        # submissions page filter
        "submissions_unit": "单位",
        "submissions_all_units": "全部单位",
    },
    "en": {
        "act_open_task": "Open task",
        "act_open_task_help": "Open a rectification task for this metric (ledger)",
        "act_task_header": "Rectification task for {code}",
        "act_task_owner": "Responsible unit",
        "act_task_reason": "What to rectify",
        "act_task_deadline": "Deadline",
        "act_task_create": "Open the task",
        "act_task_created": "Task #{id} opened ({unit}, deadline {deadline}).",
        "act_task_open_already": "Tasks still open: {tasks}",
        "act_verify": "Verify",
        "act_verify_help": "Verify a unit's 「yes」",
        "act_history": "Submissions of {unit}",
        "act_to_ledger": "Open the ledger",
        "late_remind_header": "Remind: reminder notice",
        "late_remind_caption": "A numbered reminder notice (Word) listing the missing figures, their deadlines and days overdue; every notice is kept and shown on the unit page.",
        "late_remind_to": "To",
        "late_remind_all": "All late units (one notice)",
        "late_remind_number": "Document number",
        "late_remind_reply": "Reply by",
        "late_remind_button": "Make the notice",
        "late_remind_done": "Notice {number} made ({units}) and kept.",
        "late_remind_download": "Download the notice (Word)",
        "late_remind_sent": "Notices sent",
        "late_export": "Download the board (Excel)",
        "late_export_name": "late-board-{date}.xlsx",
        "unit_tasks": "Rectification tasks",
        "unit_tasks_none": "No rectification tasks.",
        "unit_refused": "Recently refused rows",
        "unit_refused_none": "The latest submissions had no refused rows.",
        "unit_refused_caption": "Submission #{id} 「{file}」 ({when}): {n} rows refused. Fix them and send again.",
        "unit_reminders": "Reminder notices",
        "unit_reminders_none": "No reminder notices received.",
        "unit_reminder_download": "Download {number}",
        "col_doc_number": "Number",
        "col_sent_at": "Sent at",
        "col_sent_by": "Sent by",
        "col_figures": "Figures named",
        "col_task": "Task",
        "col_task_status": "Status",
        "col_task_deadline": "Deadline",
        "col_task_description": "What to rectify",
        "col_overdue": "Overdue",
        "overdue_days": "{days} days overdue",
        "submissions_unit": "Unit",
        "submissions_all_units": "All units",
    },
}


def act(key: str, **kw) -> str:
    """A word of the act-where-you-look features in the sidebar's language."""
    return ui.t(key, **kw)  # the one accessor: these words are in its catalogue
