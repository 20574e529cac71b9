"""Words of the upload screens, the import command and the templates (Chinese first).

Row messages are templates with named fields; tracker.ingest turns them into SQL `format()` calls, so the
same words reach the page, the CLI and the stored refused rows. The row number is not part of a reason:
it is shown before it as ROW_PREFIX (「第7行：」), numbered as Excel numbers rows.
"""

from __future__ import annotations

ROW_PREFIX = "第{row}行："

# ---------------------------------------------------------------- whole-file refusals
FILE = {
    "encoding": "无法识别文件编码，请在 Excel 中选择“另存为 → CSV UTF-8（逗号分隔）”后重新上传",
    "binary": "这不是 CSV 或 Excel 文件（内容无法读取），请上传由模板填写的 .xlsx 或 .csv 文件",
    "empty": "文件是空的，没有任何内容",
    "too_big": "文件大小 {size:.1f} MB，超过上限 {limit} MB，请分成几个文件上传",
    "encrypted": "Excel 文件设置了打开密码，无法读取。请在 Excel 中“文件 → 信息 → 保护工作簿 → 用密码进行加密”清空密码并保存后重新上传",
    "bad_xls": "旧版 Excel（.xls）或 WPS（.et）文件已损坏，无法打开（{detail}）。请在 Excel 中“另存为 → Excel 工作簿（*.xlsx）”后重新上传",
    "bad_xlsx": "Excel 文件已损坏或不是 .xlsx 格式，无法打开（{detail}）",
    "no_sheet": "Excel 文件中没有名为「{sheet}」的工作表",
    "no_header": "找不到表头：请保留模板的列名行（单位、指标、区域、期间、数值、分子、分母、备注、证明材料）",
    "missing_column": "表头缺少「{column}」列",
    "no_value_column": "表头缺少「数值」列（或「分子」「分母」两列）",
    "no_unit": "文件中没有「单位」列，请选择报送单位后再上传",
    "unknown_sender": "未知单位「{unit}」",
    "no_rows": "文件中没有数据行（表头下没有填写任何数值）",
    "lines_lost": '文件共 {lines} 行，按引号分隔后只能对应 {counted} 行：英文双引号 " 没有配对，无法可靠地分行。'
    "请检查备注等单元格中的引号后重新上传",
    "xlsx_too_big": "Excel 文件解压后有 {size:.0f} MB（其中「{member}」{member_size:.0f} MB），超过上限 {limit} MB："
    "请删去多余的内容，或分成几个文件上传",
    "sheet_too_big": "工作表的范围是 {ref}（{rows} 行 × {cols} 列），超过上限（最多 {max_cols} 列、{max_cells} 个单元格）："
    "请只保留模板的列和填写的行",
    "xlsx_sheet_too_big": "Excel 工作表「{sheet}」解压后有 {size:.0f} MB，超过读取上限 {limit} MB（约 7 万行）："
    "请分成几个文件上传，或在 Excel 中“另存为 → CSV UTF-8（逗号分隔）”后上传（CSV 读取更快，不受此限）",
    "too_many_columns": "文件有 {n} 列，超过上限 {limit} 列：请只保留模板的列",
    "line_too_long": "第{line}行有 {n} 个字符，超过每行上限 {limit} 个字符（备注最多 {note} 个字符，数值最多 {value} 个字符）",
    "quote_broken": '第{line}行附近的英文双引号 " 用法不规范（引号后紧跟其他文字），无法可靠读取：'
    "请删去多余的引号，或把整个单元格用一对引号括起来后重新上传",
    "record_too_long": '有一个单元格的内容超过 {limit} MB，无法读取：可能是英文双引号 " 未配对，请检查后重新上传',
    "failed": "导入失败，已保存原始文件，但没有写入任何数据：{detail}",
    "pending": "导入未完成",
    "interrupted": "导入中断（程序在导入途中停止），请重新上传",
    "interrupted_audit": "第 {id} 份报送在导入途中中断：原始文件已保存，没有写入任何数据",
    "dropped_audit": "原始文件按保留上限清理：{unit}未能导入任何数据的文件只保留最近 {kept} 个（共不超过 {mb} MB），"
    "更早的只留报送记录（文件名、大小、sha256、拒绝的行）",
}

# ---------------------------------------------------------------- blocking reasons (row refused)
REFUSE = {
    "no_metric": "缺少指标",
    "extra_cells": "表头只有 {width} 列，本行在表头之外还有单元格 {cells}，不能确定它们属于哪一项："
    "请把内容移到表头下的列（说明写在「备注」）或删去后重新上传",
    "unknown_metric": "未知指标「{metric}」",
    "unknown_metric_hint": "未知指标「{metric}」，是否为：{names}？",
    "no_unit": "缺少单位",
    "unknown_unit": "未知单位「{unit}」",
    "other_unit": "本文件以「{sender}」名义报送，不能填报「{unit}」的数据",
    "not_responsible": "「{unit}」不是指标「{metric}」的责任单位，不能报送该指标",
    "unknown_area": "未知区域「{area}」",
    "area_on_city": "指标「{metric}」是全市指标，不应填写区域「{area}」",
    "no_area": "指标「{metric}」按街道乡镇报送，缺少区域",
    "area_not_listed": "区域「{area}」不在指标「{metric}」的考核范围内",
    "no_period": "缺少期间",
    "bad_period": "期间「{period}」无法识别（可写 2023、2023年、2023年第四季度、2023Q4、2023-06、2023年6月）",
    "wrong_period": "指标「{metric}」是{expected}指标，期间「{period}」不是{expected}",
    "no_value": "缺少数值",
    "bad_value": "数值「{value}」无法识别",
    "bad_yesno": "数值「{value}」应为“是”或“否”（也可写 有/无）",
    "bad_grade": "数值「{value}」应为 A、B、C、D 级之一",
    "wrong_suffix": "数值「{value}」的单位「{typed}」与指标单位「{unit}」不符",
    "pct_range": "数值「{value}」超出0–100%的范围",
    "permille_range": "数值「{value}」超出0–1000‰的范围",
    "negative": "数值「{value}」不能为负数",
    "count_integer": "数值「{value}」应为整数（起数）",
    "bad_numerator": "分子「{value}」无法识别",
    "bad_denominator": "分母「{value}」无法识别",
    "half_fraction": "分子和分母应同时填写",
    "zero_denominator": "分母「{value}」应大于0",
    "negative_fraction": "分子「{value}」不能为负数",
    "fraction_type": "指标「{metric}」不能用分子/分母填报，请填写数值",
    "duplicate": "与第{rows}行重复（同一指标、单位、区域、期间在文件中出现多次）",
    "swallowed": "「{column}」单元格从文件第{first}行延续到第{last}行，其中含有看起来像数据行的内容"
    '（可能是英文双引号 " 未配对），请删去多余的引号后重新上传',
    "stray_quote": '「{column}」单元格中含有分隔符，包含了本行其后的几列（可能是英文双引号 " 未配对），请检查后重新上传',
    "too_long": "「{column}」有 {n} 个字符，超过上限 {limit} 个字符",
    "fraction": "{value} 像是小数，应填写 {pct}%",
    "mismatch": "数值「{value}」与分子/分母计算结果 {rate} 不一致，请核对后重新填写",
    "not_begun": "期间「{period}」尚未开始（今天是{today}），不能报送该期间的数据",
}

# ---------------------------------------------------------------- warnings (row goes in)
WARN = {
    "beside_reporter": "「{unit}」不是该指标的报送单位：此数据与{reporter}的数据并列显示，创卫办决定采用时才计入",
    "incident_counted": "「{unit}」不是该指标的报送单位，但事故/事件报告立即计入判定（与{reporter}的报告取较多者）",
    "replaces": "将替换此前报送的数值 {old}（{when}，{unit}）",
    "qualifier": "数值「{value}」含“{word}”，已按 {num} 记录，原文保留在备注中",
    "qualifier_note": "数值原文「{value}」",
    "outlier": "数值 {value} 与该指标以往数据（中位数 {median}）相差很大，请核实",
    "fraction": "数值「{value}」像是小数，百分比应填写 {pct}%（已按 {value}% 记录，请核实）",
    # a checklist answer the office has verified (issue 10): the check is kept by what was answered
    "reverify": "原答复「{old}」已于{when}由{by}核实；改为「{new}」后需重新核实",
    "keeps_verified": "与已核实的答复「{old}」相同（{when}由{by}核实），核实继续有效",
    "not_ended": "期间「{period}」到{end}才结束：数据先保存，期满后才计入达标判定",
    "yes_no_word": "数值「{value}」读作「{read}」，请核实",
}

PERIOD_NAME = {"year": "年度", "quarter": "季度", "month": "月度"}

# ---------------------------------------------------------------- outcomes and summaries
OUTCOME_LABEL = {
    "committed": "已导入",
    "all_refused": "全部被拒绝",
    "failed": "失败",
    "duplicate": "重复文件",
    "dry_run": "预检（未保存）",
}
SUMMARY = {
    "committed": "已导入 {accepted} 行（其中 {warned} 行有提醒），拒绝 {refused} 行。",
    "all_refused": "全部 {refused} 行被拒绝，未导入任何数据。原始文件已保存。",
    "dry_run": "预检：可导入 {accepted} 行（其中 {warned} 行有提醒），将拒绝 {refused} 行。尚未保存。",
    "duplicate": "此文件已于 {when} 导入（报送记录 #{original}），本次未重复导入，数据没有变化。",
    "spans": "以下行的单元格内含换行，跨越文件中的多行：{rows}。",
    "span": "第{row}行（文件第{first}–{last}行）",
    "duplicate_dry": "此文件已于 {when} 导入（报送记录 #{original}），提交将不会重复导入。",
    "skipped": "{n} 行未填写，已跳过。",
}

# ---------------------------------------------------------------- templates
TEMPLATE_HEADERS = ("单位", "指标", "区域", "期间", "数值", "分子", "分母", "备注", "证明材料")
TEMPLATE_TITLE = "{unit} 创卫指标报送表（{periods}）"
TEMPLATE_SHEET = "数据"
TEMPLATE_HELP_SHEET = "填报说明"
TEMPLATE_LISTS_SHEET = "选项"
TEMPLATE_HELP_HEADERS = ("指标", "计量单位", "报送周期", "范围", "达标要求", "填写示例")
TEMPLATE_NOTES = (
    "每行填写一个指标在一个期间（及一个区域）的数值；请不要修改列名。",
    "百分比可写 90、90% 或 ９０％；是/否类指标填“是”或“否”；等级类指标填 A、B、C、D。",
    "期间可写 2023、2023年、2023年第四季度、2023Q4、2023-06、2023年6月，须与指标的报送周期一致。",
    "有分子、分母的比率指标可只填分子和分母，系统自动计算比率。",
    "全市指标“区域”留空；分街道乡镇的指标每个街道乡镇一行。",
    "保存为 .xlsx，或“另存为 → CSV UTF-8（逗号分隔）”后上传。",
)
TEMPLATE_REQUIREMENT_NONE = "按实填报"
TEMPLATE_YESNO_EXAMPLE = "是"

# ---------------------------------------------------------------- pages
PAGE = {
    "zh": {
        "template_name": "{unit}-模板.{suffix}",
        "refused_name": "{stem}-被拒绝的行.csv",
        "submission_refused_name": "报送记录{id}-被拒绝的行.csv",
        "upload_title": "上报数据",
        "unit": "报送单位",
        "unit_help": "可输入单位全称、简称或别名（如“铁东街道办事处”“铁东”）",
        "unit_fixed": "报送单位：**{unit}**（账号绑定的单位）",
        "unit_any": "（按文件中的“单位”列）",
        "unit_per_row": "文件中各行的单位",
        "unknown_unit": "未知单位「{unit}」",
        "template": "下载本单位模板",
        "template_xlsx": "Excel 模板（.xlsx）",
        "template_csv": "CSV 模板（.csv）",
        "uploader": "选择填好的文件（.xlsx、.xls、.et 或 .csv）",
        "dropzone_limit": "每个文件不超过 {mb} MB",
        "browse": "选择文件",
        "checking": "正在检查……",
        "step_received": "已接收文件",
        "step_reading": "正在读取文件",
        "step_checking": "正在检查每一行",
        "step_checked": "检查完成",
        "step_writing": "正在写入数据库",
        "accepted": "可导入",
        "warned": "有提醒",
        "refused": "被拒绝",
        "tab_accepted": "可导入的行（{n}）",
        "tab_warned": "有提醒的行（{n}）",
        "tab_refused": "被拒绝的行（{n}）",
        "download_refused": "下载被拒绝的行及原因（修改后重新上传）",
        "commit": "确认导入",
        "refused_whole_file": "整个文件未能导入，请按上面的说明修改后重新上传。",
        "committing": "正在导入……",
        "warming": "正在更新达标评估……",
        "nothing_to_commit": "没有可导入的行。",
        "shown_first": "仅显示前 {n} 行",
        "submissions_title": "报送记录",
        "no_submissions": "还没有报送记录。",
        "download_original": "下载原始文件",
        "file_dropped": "文件已按保留上限清理：未能导入任何数据的文件，每个单位只保留最近的若干个；报送记录和被拒绝的行仍在",
        "pick_submission": "选择报送记录",
        "submission_option": "#{id} {file}（{unit}，{at}）",
        "refused_of": "报送记录 #{id} 被拒绝的行",
        "warned_shown_first": "仅显示前 {n} 行；全部 {total} 行的提醒随报送保存，导入后可在「报送记录」查看和下载",
        "warned_of": "报送记录 #{id} 有提醒的行（{n}）",
        "download_warned": "下载有提醒的行",
        "submission_warned_name": "报送{id}-提醒.csv",
    },
    "en": {
        "template_name": "{unit}-template.{suffix}",
        "refused_name": "{stem}-refused-rows.csv",
        "submission_refused_name": "submission{id}-refused-rows.csv",
        "upload_title": "Upload data",
        "unit": "Reporting unit",
        "unit_help": "Type the unit's full name, short name or alias",
        "unit_fixed": "Reporting unit: **{unit}** (the account's unit)",
        "unit_any": "(as the file's unit column says)",
        "unit_per_row": "each row's unit",
        "unknown_unit": "Unknown unit 「{unit}」",
        "template": "Download the unit's template",
        "template_xlsx": "Excel template (.xlsx)",
        "template_csv": "CSV template (.csv)",
        "uploader": "Choose the filled file (.xlsx, .xls, .et or .csv)",
        "dropzone_limit": "Up to {mb} MB per file",
        "browse": "Browse files",
        "checking": "Checking…",
        "step_received": "File received",
        "step_reading": "Reading the file",
        "step_checking": "Checking every row",
        "step_checked": "Checked",
        "step_writing": "Writing to the database",
        "accepted": "Can be imported",
        "warned": "With warnings",
        "refused": "Refused",
        "tab_accepted": "Rows to import ({n})",
        "tab_warned": "Rows with warnings ({n})",
        "tab_refused": "Refused rows ({n})",
        "download_refused": "Download the refused rows with their reasons (fix and send again)",
        "commit": "Import",
        "refused_whole_file": "Nothing in this file can be imported: fix it as said above and upload it again.",
        "committing": "Importing…",
        "warming": "Updating the readiness figures…",
        "nothing_to_commit": "No row can be imported.",
        "shown_first": "First {n} rows shown",
        "submissions_title": "Submissions",
        "no_submissions": "No submission yet.",
        "download_original": "Download the original file",
        "file_dropped": "File removed under the retention limit: of the files from which nothing could be imported, "
        "only each unit's latest few are kept; the submission and its refused rows remain",
        "pick_submission": "Submission",
        "submission_option": "#{id} {file} ({unit}, {at})",
        "refused_of": "Refused rows of submission #{id}",
        "warned_shown_first": "First {n} rows shown; the warnings of all {total} rows are kept with the submission: "
        "see and download them under Submissions once imported",
        "warned_of": "Rows with warnings of submission #{id} ({n})",
        "download_warned": "Download the rows with warnings",
        "submission_warned_name": "submission{id}-warnings.csv",
    },
}
COLUMNS = {
    "row": "行号",
    "reasons": "原因",
    "warnings": "提醒",
    "metric": "指标",
    "metric_name": "指标名称",
    "unit": "单位",
    "area": "区域",
    "period": "期间",
    "value": "数值",
    "numerator": "分子",
    "denominator": "分母",
    "note": "备注",
    "evidence": "证明材料",
    "id": "编号",
    "submitted_at": "报送时间",
    "submitted_by": "报送人",
    "file_name": "文件",
    "outcome": "结果",
    "accepted": "导入",
    "refused": "拒绝",
    "warned": "提醒",
    "message": "说明",
}
# The same columns on the pages in English (stored refused rows and downloaded files stay Chinese).
COLUMNS_EN = {
    "row": "Row",
    "reasons": "Reasons",
    "warnings": "Warnings",
    "metric": "Metric",
    "metric_name": "Metric name",
    "unit": "Unit",
    "area": "Area",
    "period": "Period",
    "value": "Value",
    "numerator": "Numerator",
    "denominator": "Denominator",
    "note": "Note",
    "evidence": "Evidence",
    "id": "No.",
    "submitted_at": "Sent at",
    "submitted_by": "Sent by",
    "file_name": "File",
    "outcome": "Outcome",
    "accepted": "Imported",
    "refused": "Refused",
    "warned": "Warnings",
    "message": "Message",
}
OUTCOME_LABEL_EN = {
    "committed": "imported",
    "all_refused": "all refused",
    "failed": "failed",
    "duplicate": "duplicate file",
    "dry_run": "checked (not saved)",
}
CLI = {
    "template_written": "已生成模板：{path}（{n} 个指标）",
    "template_suffix": "模板文件名应以 .xlsx 或 .csv 结尾",
    "no_file": "找不到文件：{path}",
    "submissions_none": "还没有报送记录。",
    "file_dropped": "文件已按保留上限清理",
    "warned_more": "另有 {n} 行有提醒，未逐行列出（已随报送 #{id} 全部保存）",
}
