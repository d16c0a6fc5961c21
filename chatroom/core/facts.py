"""What the rules decide on: a room's policy and its facts, as plain values.

:class:`RoomPolicy` is a room's moderation state (settings, operators,
bans, invitations), stored with the room; :class:`RoomFacts` is what
:mod:`chatroom.core.rules` and :mod:`chatroom.core.moderation` decide on,
read by a back-end from its own state (in-process) or by one script
(Redis). A leaf module, so that the two rule modules import it and not
each other.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from chatroom.core.text import current_mask, name_key


@dataclass(frozen=True)
class RoomPolicy:
    """A room's moderation state, stored with the room (JSON)."""

    invite_only: bool = False
    key: str = ""
    topic_lock: bool = False
    keep: bool = False
    #: Hidden from room lists and the lobby but for its members (``+s``).
    secret: bool = False
    #: The account that owns a ``keep`` room ("" otherwise).
    owner_account: str = ""
    operators: tuple[str, ...] = ()
    bans: tuple[str, ...] = ()
    invited: tuple[str, ...] = ()
    #: At most this many members (``/set limit N``, ``+l``); 0: only the
    #: server's ``--room-capacity``.
    limit: int = 0
    #: Only the owner, operators and voiced members speak (``+m``).
    moderated: bool = False
    #: Who may speak in a moderated room (``/voice``, ``+v``): masks as
    #: operators' are.
    voiced: tuple[str, ...] = ()
    #: Users outside the room may send to it (``/set external on``, IRC's
    #: ``-n``); by default only members speak (``+n``).
    external: bool = False
    #: The owner who gave up operator status (``/deop`` of themself, IRC's
    #: ``-o``), as their grant mask: still the owner, no longer moderating
    #: until they ``/op`` themself. A later owner is not this mask.
    unopped_owner: str = ""

    @property
    def restricted(self) -> bool:
        """Whether a join must be checked against this policy at all."""
        return bool(self.invite_only or self.key or self.bans or self.limit)

    def to_json(self) -> str:
        if self == NO_POLICY:
            return ""
        return json.dumps(
            {
                "invite_only": self.invite_only,
                "key": self.key,
                "topic_lock": self.topic_lock,
                "keep": self.keep,
                "secret": self.secret,
                "owner_account": self.owner_account,
                "operators": list(self.operators),
                "bans": list(self.bans),
                "invited": list(self.invited),
                "limit": self.limit,
                "moderated": self.moderated,
                "voiced": list(self.voiced),
                "external": self.external,
                "unopped_owner": self.unopped_owner,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> RoomPolicy:
        if not text:
            return NO_POLICY
        data = json.loads(text)
        # Masks and accounts are brought up to today's keys as they are
        # read (a policy stored before keys had skeletons; a no-op after).
        owner = str(data.get("owner_account", ""))
        return cls(
            invite_only=bool(data.get("invite_only")),
            key=str(data.get("key", "")),
            topic_lock=bool(data.get("topic_lock")),
            keep=bool(data.get("keep")),
            secret=bool(data.get("secret")),
            owner_account=name_key(owner) if owner else "",
            operators=tuple(current_mask(m) for m in data.get("operators", ())),
            bans=tuple(current_mask(m) for m in data.get("bans", ())),
            invited=tuple(current_mask(m) for m in data.get("invited", ())),
            limit=int(data.get("limit", 0)),
            moderated=bool(data.get("moderated")),
            voiced=tuple(current_mask(m) for m in data.get("voiced", ())),
            external=bool(data.get("external")),
            unopped_owner=current_mask(data.get("unopped_owner", "")),
        )


NO_POLICY = RoomPolicy()


@dataclass(frozen=True)
class RoomFacts:
    """What the rules need to know of a room."""

    name: str
    permanent: bool
    owner: str  # the owner's name key, or "" for none
    capacity: int
    members: int
    policy: RoomPolicy = NO_POLICY
