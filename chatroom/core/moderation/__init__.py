"""Moderation and safety: the moderation logs, the server's bans and its
lockdown, the admins' commands, the reports of messages kept."""
