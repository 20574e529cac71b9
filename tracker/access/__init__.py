"""Who may do what: accounts, roles, the audit log, sign-in sessions."""
