"""Every word of the evidence files (档案资料) and the review archive (导出档案), Chinese and English side by side.

The keys join tracker.strings.ui.UI (never overriding a key already there), so pages and services read them
through the one accessor, tracker.strings.ui.t, in the sidebar's language."""

from __future__ import annotations

EVIDENCE: dict[str, dict[str, str]] = {
    "zh": {
        # refusals (tracker.office.evidence.EvidenceError)
        "ev_empty": "文件为空：「{name}」没有内容",
        "ev_too_large": "文件过大：「{name}」为 {size:.1f} MB，佐证材料每个文件不超过 {limit} MB",
        "ev_bad_type": "类型不符：「{name}」的内容不是PDF/JPG/PNG/DOCX/XLSX（按文件内容判断，不看扩展名）",
        "ev_old_office": "类型不符：「{name}」是旧版 Word/Excel 文件（.doc/.xls），请另存为 .docx/.xlsx 后再上传",
        "ev_wrong_suffix": "类型不符：「{name}」的内容是{kind}，文件名应以 {suffixes} 结尾",
        "ev_zip_bomb": "文件异常：「{name}」解压后过大或压缩比异常，不予接收",
        "ev_embedded": "文件异常：「{name}」里嵌有程序或其他文件（{part}），不予接收：请另存一份不含嵌入对象的文档后再上传",
        "ev_ambiguous": "文件异常：「{name}」开头是 {kind}，其中却含有网页或脚本（{found}），不予接收：请从原软件重新导出后再上传",
        "ev_bad_zip": "类型不符：「{name}」不是完整的 DOCX/XLSX 文件（压缩包已损坏或不是 Office 文档）",
        "ev_unknown_target": "不能附加到「{target}」（可选：报送数据、整改任务、验收、项目、检查问题）",
        "ev_no_target": "没有{what}「{id}」",
        "ev_no_file": "没有 sha256 为 {sha} 的佐证文件",
        "ev_no_link": "没有编号为 {id} 的佐证记录（或已移除）",
        "ev_need_reason": "请填写移除理由",
        "ev_what_measurement": "报送数据",
        "ev_what_task": "整改任务",
        "ev_what_acceptance": "验收记录",
        "ev_what_item": "项目",
        "ev_what_finding": "检查问题",
        "ev_task_label": "整改任务#{id}",
        "ev_acceptance_label": "验收（{date}）",
        "ev_item_label": "项目材料",
        "ev_verified": "已核实（{who} {when}）",
        "ev_pending": "待核实",
        "ev_not_verified_no": "答复为「否」",
        # the item page
        "ev_section": "佐证材料",
        "ev_none": "尚无佐证文件。",
        "ev_count": "（{n} 个佐证文件）",
        "ev_item_summary": "本项目共 {total} 个佐证文件，其中各指标报送数据的 {measured} 个见上方各指标的「佐证与报送记录」。",
        "ev_item_summary_none": "本项目尚无佐证文件。",
        "ev_file_meta": "{who} {when} 上传，{size}",
        "ev_for_measurement": "{period}{area} {unit} 报送值 {value}",
        "ev_yes": "是",
        "ev_no": "否",
        "ev_for_item": "本项目",
        "ev_upload_header": "上传佐证材料",
        "ev_upload_help": "PDF、JPG/PNG、DOCX、XLSX，每个文件不超过 {limit} MB；按文件内容检查类型。",
        "ev_attach_to": "附加到",
        "ev_file": "文件",
        "ev_note": "说明（可选）",
        "ev_attach": "上传并附加",
        "ev_attached": "已附加：「{name}」→ {what}",
        "ev_pick_file": "请选择文件",
        "ev_no_target_allowed": "本账号在本项目没有可附加佐证的报送数据。",
        "ev_download": "下载",
        "ev_export": "导出档案",
        "ev_export_help": "压缩包：每个项目一个文件夹，内含该项目的佐证文件，另附 目录.xlsx（项目、指标、期间、单位、文件、上传日期、上传人、核实情况）。",
        "ev_export_item": "导出本项目档案（zip）",
        "ev_export_all": "导出全部档案（zip）",
        "ev_export_count": "共 {files} 个文件，{size}。",
        "ev_remove": "移除",
        "ev_remove_reason": "移除理由",
        "ev_remove_confirm": "确认移除",
        "ev_removed": "已移除：「{name}」",
    },
    "en": {
        "ev_empty": "Empty file: “{name}” has no content",
        "ev_too_large": "File too large: “{name}” is {size:.1f} MB; an evidence file may be at most {limit} MB",
        "ev_bad_type": "Wrong type: the content of “{name}” is not PDF/JPG/PNG/DOCX/XLSX (checked by content, not by the name)",
        "ev_old_office": "Wrong type: “{name}” is an old Word/Excel file (.doc/.xls); save it as .docx/.xlsx and upload again",
        "ev_wrong_suffix": "Wrong type: “{name}” holds a {kind}; its name should end with {suffixes}",
        "ev_zip_bomb": "Suspicious file: “{name}” unpacks too large or compresses abnormally; refused",
        "ev_embedded": "Suspicious file: “{name}” carries a program or another embedded file ({part}); refused: save a copy without embedded objects and upload that",
        "ev_ambiguous": "Suspicious file: “{name}” starts as {kind} but holds a web page or script ({found}); refused: export it again from the program that made it",
        "ev_bad_zip": "Wrong type: “{name}” is not a whole DOCX/XLSX file (damaged, or not an Office document)",
        "ev_unknown_target": "Cannot attach to “{target}” (choose a measurement, task, acceptance, item or finding)",
        "ev_no_target": "No {what} “{id}”",
        "ev_no_file": "No evidence file with sha256 {sha}",
        "ev_no_link": "No evidence record {id} (or it was removed)",
        "ev_need_reason": "Please give the reason for the removal",
        "ev_what_measurement": "measurement",
        "ev_what_task": "task",
        "ev_what_acceptance": "acceptance",
        "ev_what_item": "item",
        "ev_what_finding": "finding",
        "ev_task_label": "Task #{id}",
        "ev_acceptance_label": "Acceptance ({date})",
        "ev_item_label": "Item material",
        "ev_verified": "Verified ({who} {when})",
        "ev_pending": "Awaiting check",
        "ev_not_verified_no": "Answered no",
        "ev_section": "Evidence files",
        "ev_none": "No evidence files yet.",
        "ev_count": " (evidence files: {n})",
        "ev_item_summary": "This item has {total} evidence files; the {measured} of its metrics' measurements are under each metric's “Evidence and submissions” above.",
        "ev_item_summary_none": "This item has no evidence files yet.",
        "ev_file_meta": "uploaded by {who} {when}, {size}",
        "ev_for_measurement": "{period}{area} {unit}, value {value}",
        "ev_yes": "yes",
        "ev_no": "no",
        "ev_for_item": "This item",
        "ev_upload_header": "Upload evidence",
        "ev_upload_help": "PDF, JPG/PNG, DOCX, XLSX, at most {limit} MB each; the type is checked by content.",
        "ev_attach_to": "Attach to",
        "ev_file": "File",
        "ev_note": "Note (optional)",
        "ev_attach": "Upload and attach",
        "ev_attached": "Attached: “{name}” → {what}",
        "ev_pick_file": "Please choose a file",
        "ev_no_target_allowed": "This account has no measurement of this item to attach evidence to.",
        "ev_download": "Download",
        "ev_export": "Export archive",
        "ev_export_help": "A zip: one folder per item holding its evidence files, and an index sheet (item, metric, period, unit, file, date, uploader, verification).",
        "ev_export_item": "Export this item's archive (zip)",
        "ev_export_all": "Export the whole archive (zip)",
        "ev_export_count": "{files} files, {size}.",
        "ev_remove": "Remove",
        "ev_remove_reason": "Reason for the removal",
        "ev_remove_confirm": "Remove the file",
        "ev_removed": "Removed: “{name}”",
    },
}


# The review archive (导出档案) is for the review team: Chinese whatever the screen's language. Its labels of what a
# file evidences are the UI's Chinese ones.
ARCHIVE: dict[str, str] = {
    "index": "目录.xlsx",
    "index_sheet": "目录",
    "col_item": "项目",
    "col_metric": "指标",
    "col_period": "期间",
    "col_unit": "单位",
    "col_file": "文件",
    "col_date": "上传日期",
    "col_by": "上传人",
    "col_verification": "核实情况",
    "col_note": "说明",
    "item_folder": "第{code:02d}项 {title}",
    "archive_name": "创卫档案资料-{date}.zip",
    "archive_item_name": "创卫档案资料-第{code:02d}项-{date}.zip",
    **{
        key: EVIDENCE["zh"][key]
        for key in (
            "ev_task_label",
            "ev_acceptance_label",
            "ev_item_label",
            "ev_verified",
            "ev_pending",
            "ev_not_verified_no",
        )
    },  # fmt: skip
}


def register() -> None:
    """Make these words known to tracker.strings.ui.t (never overriding a key already there)."""
    from tracker.strings import ui

    for lang, words in EVIDENCE.items():
        for key, text in words.items():
            ui.UI.setdefault(lang, {}).setdefault(key, text)


register()
