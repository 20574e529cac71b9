"""The words of free text refused where a service stores it (tracker.text), Chinese and English side by side.
`field.*` names what a person typed, as the refusal says it."""

from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "text_too_long": "{field}过长：{n} 个字，最多 {limit} 个字。请精简后再提交（内容未保存）",
        "cell_cut": "……（单元格容量所限，以下省略；全文 {n} 字）",
    },
    "en": {
        "text_too_long": "{field} is too long: {n} characters, at most {limit}. Shorten it and send it again "
        "(nothing was saved)",
        "cell_cut": "… (cut here: a spreadsheet cell holds no more; the whole text has {n} characters)",
    },
}

FIELD: dict[str, dict[str, str]] = {
    "zh": {
        "note": "备注",
        "evidence_note": "佐证材料说明",
        "reason": "理由",
        "task_description": "整改要求",
        "task_note": "整改说明",
        "finding_description": "问题描述",
        "finding_answer": "整改答复",
        "finding_note": "复查意见",
        "doc_number": "文号",
        "issue_no": "期数",
        "acceptance_basis": "验收依据",
        "verification_note": "核实依据",
        "figure_note": "采用说明",
        "round_name": "检查名称",
        "team": "检查组",
        "site_name": "点位名称",
        "address": "地址",
    },
    "en": {
        "note": "The note",
        "evidence_note": "The evidence note",
        "reason": "The reason",
        "task_description": "The task's description",
        "task_note": "The task note",
        "finding_description": "The finding's description",
        "finding_answer": "The answer",
        "finding_note": "The re-check note",
        "doc_number": "The document number",
        "issue_no": "The issue number",
        "acceptance_basis": "The acceptance basis",
        "verification_note": "The verification note",
        "figure_note": "The note on the figure chosen",
        "round_name": "The round's name",
        "team": "The team",
        "site_name": "The site's name",
        "address": "The address",
    },
}
