"""What ``/info`` and ``/bans`` show of a room's settings, and IRC's ``324``.

Split from :mod:`chatroom.core.moderation` (which decides the changes) so
that reading a room's settings and changing them stay each in one module.
"""

from __future__ import annotations

from dataclasses import dataclass

from chatroom.core.facts import RoomFacts
from chatroom.core.moderation import Actor, account_mask, is_operator, shown


@dataclass
class RoomSettings:
    """``/info`` (setting, value pairs) and ``/bans`` (masks as shown)."""

    room: str
    lines: list[tuple[str, str]]
    bans: list[str]


def settings_of(room: RoomFacts, viewer: Actor, owner_name: str) -> RoomSettings:
    return RoomSettings(
        room.name,
        info_lines(room, viewer, owner_name),
        [shown(m) for m in room.policy.bans],
    )


def _names(masks: tuple[str, ...]) -> str:
    """Operators or voiced members as names (free text), ``-`` for none."""
    return " ".join(shown(m).partition(":")[2] for m in masks) or "-"


def _switch(on: bool) -> str:
    return "on" if on else "off"


def info_lines(
    room: RoomFacts, viewer: Actor, owner_name: str
) -> list[tuple[str, str]]:
    """``/info``: (setting, value) pairs; the key only for those who moderate.

    The settings added after ``bans`` (``limit``, ``moderated``,
    ``voiced``, ``external``) come after it, so clients that read the first
    eight lines as before still find them in their places.
    """
    policy = room.policy
    key = "off"
    if policy.key:
        key = policy.key if is_operator(room, viewer) else "on"
    owner = owner_name or (
        shown(account_mask(policy.owner_account)) if policy.owner_account else "-"
    )
    return [
        ("owner", owner),
        ("operators", _names(policy.operators)),
        ("invite-only", _switch(policy.invite_only)),
        ("key", key),
        ("topic-lock", _switch(policy.topic_lock)),
        ("keep", _switch(policy.keep)),
        ("secret", _switch(policy.secret)),
        ("bans", str(len(policy.bans))),
        ("limit", str(policy.limit) if policy.limit else "off"),
        ("moderated", _switch(policy.moderated)),
        ("voiced", _names(policy.voiced)),
        ("external", _switch(policy.external)),
    ]
