"""Words of the login, account and audit screens (Chinese first, English on the sidebar switch)."""

from __future__ import annotations

import re

from tracker.strings.ui import lang

# Markdown's (and Streamlit's :icon: and $math$) special characters: escaped, any of them reads as itself.
_MARKUP = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:=&])")


def plain(text: str) -> str:
    """Text for st.markdown / st.error / st.success that renders as typed: a name like
    「[x](javascript:…)」 shows as those characters, never as a link (names are refused at creation when
    they hold such characters; accounts from older databases may still)."""
    return _MARKUP.sub(r"\\\1", str(text))


ROLE_LABEL = {
    "zh": {"admin": "创卫办管理员", "reporter": "单位上报员", "leader": "领导（只读）"},
    "en": {"admin": "Office administrator", "reporter": "Unit reporter", "leader": "Leader (read only)"},
}

AUTH: dict[str, dict[str, str]] = {
    "zh": {
        "login_title": "登录创卫指标达标监测",
        "login_intro": "请使用创卫办分配的账号登录。单位上报员只能为本单位上报数据；领导账号只能查看。",
        "login_name": "账号",
        "login_password": "密码",
        "login_button": "登录",
        "logout_button": "退出登录",
        "signed_in_as": "当前用户：{name}（{role}{unit}）",
        "idle_logged_out": "长时间未操作（超过 {minutes} 分钟），已自动退出，请重新登录。",
        "ended_logout": "已在其他窗口退出登录，请重新登录。",
        "ended_disabled": "账号已停用，已退出登录。如有疑问请联系创卫办。",
        "ended_password_reset": "账号的密码已被重置，已退出登录，请用新密码登录。",
        "ended_password_change": "账号的密码已修改，已退出登录，请用新密码登录。",
        "ended_expired": "登录时间已超过上限，请重新登录。",
        "ended_other": "登录已失效，请重新登录。",
        "must_change_title": "首次登录请修改密码",
        "must_change_intro": "当前密码为临时密码，修改后才能继续使用。",
        "old_password": "原密码",
        "new_password": "新密码（至少 10 位，不含账号名，不用常见密码）",
        "new_password_again": "再次输入新密码",
        "change_button": "修改密码",
        "passwords_differ": "两次输入的新密码不一致",
        "password_changed": "密码已修改。",
        "page_login": "登录",
        "page_password": "修改密码",
        "page_users": "账号管理",
        "page_audit": "审计日志",
        "nav_admin": "系统管理",
        "users_title": "账号管理",
        "users_add": "新建账号",
        "users_role": "角色",
        "users_unit": "绑定单位（上报员必填）",
        "users_password": "初始密码（用户首次登录须修改）",
        "users_create": "创建",
        "users_created": "已创建账号「{name}」。",
        "users_disable": "停用 / 启用账号",
        "users_pick": "账号",
        "users_toggle": "切换停用状态",
        "users_reset": "重置密码",
        "users_reset_done": "已重置「{name}」的密码，下次登录须修改。",
        "users_done": "已更新账号「{name}」。",
        "audit_title": "审计日志",
        "audit_intro": "所有登录、上报、数据替换、整改、验收、账号变动均记录在此，只增不改。",
        "audit_actor": "操作人",
        "audit_action": "操作",
        "audit_from": "起始日期",
        "audit_to": "截止日期",
        "audit_text": "包含文字",
        "audit_count": "共 {n} 条记录",
        "audit_export": "导出 CSV",
        "audit_file": "审计日志-{date}.csv",
        "audit_chain_ok": "哈希链完整：{n} 条记录无删改。",
        "audit_chain_broken": "哈希链断开（第 {id} 条）：{message}。有人绕过系统直接改动了数据库文件，请从备份核对。",
        "backup_title": "备份",
        "backup_intro": "整个数据库（测量值、原始上报文件、账号、整改任务、审计日志）打包为 zip；解压后用 "
        "`python -m tracker restore 目录 --db 新文件.duckdb` 恢复。生成备份会记入审计日志。",
        "backup_make": "生成备份",
        "backup_download": "下载备份（zip）",
        "backup_file": "创卫监测备份-{date}.zip",
        "any": "（全部）",
    },
    "en": {
        "login_title": "Sign in",
        "login_intro": "Use the account the creation office gave you. Unit reporters upload for their unit only; "
        "leaders read only.",
        "login_name": "Account",
        "login_password": "Password",
        "login_button": "Sign in",
        "logout_button": "Sign out",
        "signed_in_as": "Signed in as {name} ({role}{unit})",
        "idle_logged_out": "Signed out after {minutes} minutes without use. Please sign in again.",
        "ended_logout": "Signed out in another window. Please sign in again.",
        "ended_disabled": "This account was disabled and has been signed out. Ask the creation office.",
        "ended_password_reset": "This account's password was reset. Please sign in with the new one.",
        "ended_password_change": "This account's password was changed. Please sign in with the new one.",
        "ended_expired": "This sign-in reached its time limit. Please sign in again.",
        "ended_other": "This sign-in is no longer valid. Please sign in again.",
        "must_change_title": "Change your password",
        "must_change_intro": "This is a temporary password; change it to continue.",
        "old_password": "Current password",
        "new_password": "New password (10 characters or more, not your account name, not a common one)",
        "new_password_again": "New password again",
        "change_button": "Change password",
        "passwords_differ": "The two new passwords differ",
        "password_changed": "Password changed.",
        "page_login": "Sign in",
        "page_password": "Password",
        "page_users": "Accounts",
        "page_audit": "Audit log",
        "nav_admin": "Administration",
        "users_title": "Accounts",
        "users_add": "New account",
        "users_role": "Role",
        "users_unit": "Unit (reporters)",
        "users_password": "First password (must be changed at first sign-in)",
        "users_create": "Create",
        "users_created": "Account {name} created.",
        "users_disable": "Disable / enable an account",
        "users_pick": "Account",
        "users_toggle": "Toggle disabled",
        "users_reset": "Reset password",
        "users_reset_done": "Password of {name} reset; it must be changed at next sign-in.",
        "users_done": "Account {name} updated.",
        "audit_title": "Audit log",
        "audit_intro": "Every sign-in, upload, replaced value, task change, acceptance and account change, "
        "append-only.",
        "audit_actor": "Who",
        "audit_action": "Action",
        "audit_from": "From",
        "audit_to": "To",
        "audit_text": "Containing",
        "audit_count": "{n} entries",
        "audit_export": "Export CSV",
        "audit_file": "audit-log-{date}.csv",
        "audit_chain_ok": "Hash chain whole: {n} entries, nothing deleted or changed.",
        "audit_chain_broken": "Hash chain broken (entry {id}): {message}. Someone changed the database file "
        "outside the tracker; check against a backup.",
        "backup_title": "Backup",
        "backup_intro": "The whole database (figures, the original files, accounts, tasks, the audit log) as a zip; "
        "unzip it and restore with `python -m tracker restore FOLDER --db NEW.duckdb`. Making a backup is audited.",
        "backup_make": "Make a backup",
        "backup_download": "Download the backup (zip)",
        "backup_file": "tracker-backup-{date}.zip",
        "any": "(all)",
    },
}

ACTION_LABEL = {
    "login": "登录",
    "login_failed": "登录失败",
    "logout": "退出",
    "password_change": "修改密码",
    "password_reset": "重置密码",
    "user_add": "新建账号",
    "user_disable": "停用账号",
    "user_enable": "启用账号",
    "upload": "上报数据",
    "upload_refused": "上报被拒",
    "value_replaced": "数值被替换",
    "demo_replace": "重新载入演示数据",
    "demo_clear": "删除演示数据",
    "backup": "备份",
}


def a(key: str, **kw) -> str:
    text = AUTH[lang()].get(key) or AUTH["zh"][key]
    return text.format(**kw) if kw else text


def role_label(role: str) -> str:
    return ROLE_LABEL[lang()].get(role, role)


NAV = {
    "zh": {"nav_account": "账号", "nav_admin": "系统管理"},
    "en": {"nav_account": "Account", "nav_admin": "Administration"},
}
GUARD = {
    "zh": {
        "need_login": "请先登录。",
        "go_login": "前往登录",
        "not_allowed": "您的账号（{role}）无权打开此页面。",
    },
    "en": {
        "need_login": "Please sign in first.",
        "go_login": "Go to sign-in",
        "not_allowed": "Your account ({role}) may not open this page.",
    },
}


def g(key: str, **kw) -> str:
    text = GUARD[lang()].get(key) or GUARD["zh"][key]
    return text.format(**kw) if kw else text
