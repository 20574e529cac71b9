"""The office's work: completeness and late units, the rectification ledger, acceptance, verification, the briefing, the national form."""
