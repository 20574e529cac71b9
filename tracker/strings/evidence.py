"""Every word of the evidence files (档案资料) and the review archive (导出档案), Chinese and English side by side.

The keys are in tracker.strings.ui.catalogue(), so pages and services read them through the one accessor,
tracker.strings.ui.t, in the sidebar's language.

The words themselves are data: tracker/strings/words/evidence.yaml."""

from __future__ import annotations

from tracker.strings.tables import words

_W = words("evidence")

EVIDENCE = _W.both("EVIDENCE")
# The review archive is Chinese whatever the screen's language; its labels of what a file evidences are the
# item page's Chinese ones.
ARCHIVE: dict[str, str] = {
    **_W.zh("ARCHIVE"),
    **{
        k: EVIDENCE["zh"][k]
        for k in (
            "ev_task_label",
            "ev_acceptance_label",
            "ev_item_label",
            "ev_finding_label",
            "ev_verified",
            "ev_pending",
            "ev_not_verified_no",
        )
    },
}
