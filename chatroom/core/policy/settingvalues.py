"""The values users give room settings and masks, read and checked.

The values of ``/set``'s settings (on/off, a key, a limit; the settings
themselves are the wire's, :data:`chatroom.wire.commands.SETTINGS`) and the
masks ``/ban`` and ``/gban`` take: a leaf module, so that the rules
(:mod:`chatroom.core.policy.moderation`, :mod:`chatroom.core.moderation.admin`) and the
doors read them one way.
"""

from __future__ import annotations

from dataclasses import replace

from chatroom.core.model import errors
from chatroom.core.model.facts import RoomPolicy
from chatroom.core.model.text import has_control_characters, name_key
from chatroom.wire.commands import SETTINGS

KEY_MAX_LENGTH = 64


def parse_switch(setting: str, value: str) -> bool:
    if setting not in SETTINGS:
        raise errors.usage(f"/set {'|'.join(SETTINGS)} VALUE")
    if value not in ("on", "off"):
        raise errors.usage(f"/set {setting} on|off")
    return value == "on"


def switched(policy: RoomPolicy, setting: str, on: bool) -> RoomPolicy:
    """``policy`` with one on/off setting (not ``keep``) changed."""
    match setting:
        case "invite-only":
            return replace(policy, invite_only=on)
        case "topic-lock":
            return replace(policy, topic_lock=on)
        case "secret":
            return replace(policy, secret=on)
        case "moderated":
            return replace(policy, moderated=on)
    return replace(policy, external=on)


def check_key(key: str) -> str:
    """A room key: one word of safe text, and not a word ``/join`` reserves."""
    if (
        not key
        or " " in key
        or len(key) > KEY_MAX_LENGTH
        or has_control_characters(key)
        or key.lower() in ("since", "off")
    ):
        raise errors.usage(
            f"/set key KEY|off (a key is one word of 1-{KEY_MAX_LENGTH} characters)"
        )
    return key


def check_limit_value(value: str, capacity: int) -> int:
    """A room's member limit: a whole number from 1 to the server's room
    capacity (``--room-capacity``), which holds for every room anyway."""
    if not value.isdigit() or not 1 <= int(value) <= capacity:
        raise errors.usage(f"/set limit N|off (N from 1 to {capacity})")
    return int(value)


def parse_mask(text: str) -> str:
    """``account:NAME`` or ``name:NAME`` as users type them, as stored."""
    kind, _, name = text.partition(":")
    if kind not in ("account", "name") or not name or " " in name:
        raise errors.bad_args(f"{text!r} is not a mask (account:NAME or name:NAME)")
    return f"{kind}:{name_key(name)}"
