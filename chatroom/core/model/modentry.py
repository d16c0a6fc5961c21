"""One entry of a moderation log (:mod:`chatroom.core.moderation.modlog`): a value
of its own, so that a change that records entries
(:class:`~chatroom.core.model.changes.modlog.RecordEntries`) can name it without the
rules the log's module reads."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ModAction(enum.Enum):
    """What a moderation step did (the value is the word a log keeps it by:
    the stored forms' and the line protocol's)."""

    KICK = "kick"
    BAN = "ban"
    UNBAN = "unban"
    OP = "op"
    DEOP = "deop"
    VOICE = "voice"
    DEVOICE = "devoice"
    #: ``/set``: one entry per setting changed.
    SET = "set"
    #: A deletion of someone else's message.
    REDACT = "redact"
    #: ``/pin`` and ``/unpin`` (the target is the message's id).
    PIN = "pin"
    UNPIN = "unpin"
    #: ``/rename`` (the target is the room's former name, the reason).
    RENAME = "rename"
    #: ``/report`` (the target is the message's id, the reason) and
    #: ``/report close`` (the report's number, the note).
    REPORT = "report"
    CLOSE_REPORT = "close-report"
    #: The server's log (:data:`SERVER_LOG`): an admin's server ban, its
    #: lifting, a lockdown's level, a kill.
    GBAN = "gban"
    GUNBAN = "gunban"
    LOCKDOWN = "lockdown"
    KILL = "kill"


@dataclass(frozen=True)
class ModEntry:
    """One moderation step: when, by whom, what, to whom or what (a name, a
    mask, ``setting=value``, a message's id), and why ("" for none)."""

    time: str
    by: str
    action: ModAction
    target: str = ""
    reason: str = ""
