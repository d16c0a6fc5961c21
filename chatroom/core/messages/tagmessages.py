"""Messages of tags alone (an IRC client's ``TAGMSG``), through the one fan-out.

An IRC client sends tags with no text to a channel or a nick: a typing
notice (``+typing``), a reaction (``+draft/react`` naming a message with
``+draft/reply``), or tags of its own that other clients of its kind
understand. The core relays them as they were, as a
:class:`~chatroom.core.model.events.TagMessage` to the room (every member but
the sender's seat, on every node: :func:`chatroom.core.infra.fanout.recipients`)
or a :class:`~chatroom.core.model.events.PrivateTagMessage` to the user, each
with a time and an id of its own; a door with no client tags to show
shows nothing of them.

Both are kept, as Ergo keeps them for ``draft/event-playback``
(``CHATHISTORY``, a join's replay): one to a room in the room's history,
its id the room's next, as a message's; one to a user in their
conversation, as a private message is (:mod:`chatroom.core.messages.private`:
when either is an account). Not kept: a typing notice (of the moment:
Ergo's default ``tagmsg-storage`` blacklist), and one to a room that
carries reactions, which the room keeps as reactions already
(:meth:`~chatroom.core.messages.life.MessageLife.react`), never twice; those
have the core's own id.

What such a message means to the shared side (the door reads it from the
client's tags: a typing state, reactions) is done as the line door's
``/typing`` and ``/react`` are, the events marked ``from_tags``: a door
that showed the tags does not show them twice. A tags-only message is
never answered: what it means may be refused (an unknown message, a
reaction too many) without a word; only a room the sender is not in
refuses the message itself (``NOT_IN_ROOM``).
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Sequence

from twisted.internet.interfaces import IReactorTime

from chatroom.core.infra.applying import Applies
from chatroom.core.infra.seats import Session
from chatroom.core.messages.life import MessageLife
from chatroom.core.messages.private import append, conversation_of, keeps
from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.model.changes.messages import Append, RoomMessages
from chatroom.core.model.errors import ChatError
from chatroom.core.model.events import (
    RELAYED_ID_PREFIX,
    PrivateTagMessage,
    TagMessage,
    fresh_epoch,
)
from chatroom.core.model.member import Member
from chatroom.core.model.text import name_key
from chatroom.core.policy.rules import oldest_kept
from chatroom.core.rooms.store import RoomStore
from chatroom.core.server.bus import Bus
from chatroom.core.server.store import ServerStore
from chatroom.wire.lines import format_time
from chatroom.wire.tags import Tags

#: A reaction a tags-only message carries: to message id, the reaction,
#: and whether it adds it (or takes it back).
Reacting = tuple[int, str, bool]


class TagMessages:
    """``TAGMSG`` to a room or a user, relayed once by the core."""

    def __init__(
        self,
        clock: IReactorTime,
        rooms: RoomStore,
        server: ServerStore,
        bus: Bus,
        apply: Applies,
        session_of: Callable[[Member], Session],
        life: MessageLife,
        namespace: str,
    ) -> None:
        """Args:
        rooms: the rooms a member is in.
        server: the user a name is (a tags-only message to a user).
        bus: relays what is not kept, tells a user.
        apply: the back-end's one write (tags kept for event playback).
        session_of: the session of a named member (``NOT_IN_ROOM`` if none).
        life: does what a message means (typing, reactions).
        namespace: the node's id (``local`` alone), in every id made here,
            so no two nodes of a cluster make the same one.
        """
        self.clock = clock
        self.rooms = rooms
        self.server = server
        self.bus = bus
        self.apply = apply
        self.session_of = session_of
        self.life = life
        self._numbers = itertools.count(1)
        node = "" if namespace == "local" else f"{namespace}."
        #: A new epoch at each start: the numbers start again, the ids do not.
        self._prefix = f"{RELAYED_ID_PREFIX}{node}{fresh_epoch()}."

    def _fresh_id(self) -> str:
        """An id for a message that is not stored (``t0c1d2e3f4a.1``, then
        ``.2``...; a cluster node's id after the ``t``), unique across the
        server and its restarts as an IRC ``msgid`` must be."""
        return f"{self._prefix}{next(self._numbers)}"

    async def to_room(
        self,
        member: Member,
        room: str,
        tags: Tags,
        typing: str | None = None,
        reactions: Sequence[Reacting] = (),
    ) -> TagMessage:
        """``tags`` to ``room``'s members (``NOT_IN_ROOM`` unless ``member``
        is one), then what they mean: a typing notice in state ``typing``,
        then each of ``reactions``; returns the message (for the sender's
        echo). Kept (numbered in the room) unless it is a typing notice or
        carries reactions."""
        session = self.session_of(member)
        where = self.rooms.joined_room(member, room)
        now = self.clock.seconds()
        event = TagMessage(where, session.name, tags, format_time(now))
        if typing is None and not reactions:
            oldest = oldest_kept(self.life.config.retention_age, now)
            kept = (Append(event, now, oldest=oldest),)
            change = DecidedChange(RoomMessages(name_key(where)), (), kept)
            await self.apply(change, member, session)
        else:
            event.id = self._fresh_id()
            await self.bus.relay(member, session, where, event)
        with contextlib.suppress(ChatError):  # never answered
            if typing is not None:
                await self.life.typing(member, where, typing, from_tags=True)
            for event_id, reaction, adding in reactions:
                await self.life.react(
                    member, where, event_id, reaction, adding, from_tags=True
                )
        return event

    async def to_user(
        self, member: Member, name: str, tags: Tags, typing: bool = False
    ) -> PrivateTagMessage:
        """``tags`` to the user called ``name``, if connected (nobody else is
        told); kept in their conversation as a private message is (when
        either is an account), unless it is a typing notice (``typing``);
        returns the message (for the sender's echo) whether or not anyone
        was there to get it."""
        session = self.session_of(member)
        found = await self.server.find_user(name)
        recipient = found.name if found is not None else name
        now = format_time(self.clock.seconds())
        event = PrivateTagMessage(session.name, recipient, tags, now)
        if found is not None and not typing and keeps(session, found):
            key = conversation_of(session, found)
            await append(self.apply, key, event, found, session.account)
        else:
            event.id = self._fresh_id()
        if found is not None and found.online:
            with contextlib.suppress(ChatError):  # gone meanwhile: never answered
                await self.bus.tell(found, event)
        return event
