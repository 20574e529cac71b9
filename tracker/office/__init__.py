"""The office's work: completeness and late units, the rectification ledger, acceptance, verification, figures and
evidence. The documents built from it (the briefing, the national form, notices) are tracker.reports."""
