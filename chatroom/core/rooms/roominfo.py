"""What a room shows of itself: who is in it (``/who``, IRC's ``NAMES``,
``WHO`` and ``TOPIC``) and its settings (``/info``, ``/bans``, IRC's ``324``).

Kept apart from :mod:`chatroom.core.policy.moderation` (which decides the changes)
so that reading a room's settings and changing them stay each in one module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from chatroom.core.model.facts import RoomFacts, RoomPolicy
from chatroom.core.model.text import account_mask
from chatroom.core.policy.moderation import (
    Actor,
    Target,
    is_operator,
    is_owner,
    is_voiced,
    shown,
)


@dataclass(frozen=True)
class Roster:
    """A room's members (arrival order), owner and topic, for ``/who`` and
    IRC's ``NAMES``, ``WHO`` and ``TOPIC``.

    A back-end reads it: ``targets`` are the members as each is known to
    the rules (their grants), with the room's ``policy``; who moderates it
    (``operators``, marked by a door as it marks the owner: IRC's ``@``)
    and who has a voice are worked out from them when first asked.
    """

    room: str
    #: The owner's name ("" for none) and name key.
    owner: str
    owner_key: str
    topic: str
    topic_by: str
    policy: RoomPolicy
    targets: list[Target] = field(default_factory=list)
    #: When the topic was set and the room made (Unix seconds, 0: unknown):
    #: IRC's ``333`` and ``329``.
    topic_at: int = 0
    created_at: int = 0

    @cached_property
    def members(self) -> list[str]:
        """The members' names, in arrival order."""
        return [target.name for target in self.targets]

    @cached_property
    def operators(self) -> list[str]:
        """The members ``/op`` made operators (the owner is told apart)."""
        if not self.policy.operators:
            return []
        facts = RoomFacts(self.room, False, self.owner_key, 0, 0, self.policy)
        return [
            member.name
            for member in self.targets
            if member.key != self.owner_key and is_operator(facts, member)
        ]

    @cached_property
    def owner_unopped(self) -> bool:
        """Whether the owner, here, gave up operator status (``/deop`` of themself)."""
        if not self.policy.unopped_owner:
            return False
        facts = RoomFacts(self.room, False, self.owner_key, 0, 0, self.policy)
        return any(
            is_owner(facts, member) and not is_operator(facts, member)
            for member in self.targets
        )

    @cached_property
    def voiced(self) -> list[str]:
        """The members ``/voice`` gave a voice (``+v``), owner and
        operators among them if they were given one too."""
        if not self.policy.voiced:
            return []
        facts = RoomFacts(self.room, False, self.owner_key, 0, 0, self.policy)
        return [member.name for member in self.targets if is_voiced(facts, member)]

    @property
    def secret(self) -> bool:
        """The room is secret (``/set secret on``, IRC ``+s``)."""
        return self.policy.secret

    @property
    def closed(self) -> bool:
        """Its members are shown to its members only: a secret, keyed or
        invite-only room (a key or an invitation keeps out who may not
        see who is inside, at every door)."""
        return bool(self.policy.secret or self.policy.key or self.policy.invite_only)

    def members_shown(self, to_a_member: bool) -> bool:
        """Whether one asking (a member of the room or not) sees its members."""
        return to_a_member or not self.closed


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
