"""The core's rules for messages with a life (``/caps rich``), written once.

:class:`MessageLife` is the part of
:class:`~chatroom.core.services.messages.MessageService` that replies to,
edits, deletes and reacts to messages said before, relays typing notices
and keeps the moderation log (``docs/protocol.md``, *Messages with a
life*). It is composed into that service (kept apart so its module stays
readable) and, like the core, decides and builds the events: an edit, a
redaction or a reaction is one :class:`~chatroom.core.model.changes.base.DecidedChange`
(:func:`amended`, :func:`reacted`) resting on the message as read, which
the back-end applies (:meth:`~chatroom.core.backend.Backend.apply`) or
refuses, and the service decides again; the
:class:`~chatroom.core.moderation.modlog.ModerationLog` keeps the log.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any, Protocol

from twisted.internet.interfaces import IReactorTime

from chatroom.core.accounts.thread_follows import root_of
from chatroom.core.infra.applying import Applies
from chatroom.core.infra.seats import Session
from chatroom.core.messages import transactions
from chatroom.core.messages.quoting import start_of
from chatroom.core.messages.store import MessageStore
from chatroom.core.messages.transactions import Acknowledged, Txn
from chatroom.core.model import errors, multiline
from chatroom.core.model.changes.base import DecidedChange, Premise
from chatroom.core.model.changes.messages import (
    Append,
    FewerReactionsThan,
    MessageIs,
    React,
    Reacted,
    Rewrite,
    RoomMessages,
)
from chatroom.core.model.changes.transactions import KeyDoneError
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.events import (
    Edited,
    Message,
    Reaction,
    Redacted,
    Typing,
)
from chatroom.core.model.member import Member
from chatroom.core.model.text import name_key
from chatroom.core.moderation.modlog import (
    ModAction,
    ModEntry,
    ModerationLog,
    check_count,
    recording,
)
from chatroom.core.policy import amending, moderation, reactions, rules
from chatroom.core.policy.moderation import Actor
from chatroom.core.policy.reactions import ReactionFacts
from chatroom.core.rooms.store import RoomStore
from chatroom.core.server.bus import Bus
from chatroom.wire.lines import format_time
from chatroom.wire.tags import THREAD_TAG, Tags

#: What ``/typing`` may say.
TYPING_STATES = ("active", "paused", "done")

#: Seconds between two relayed ``active``/``paused`` notices of one user in
#: one room (``done`` is always relayed): a client may send one per key
#: press, and the room hears at most one every 3 seconds.
TYPING_INTERVAL = 3.0

#: The core's retry of a decision whose facts changed under it.
Retried = Callable[[Callable[[], Awaitable[Any]]], Awaitable[Any]]


class Appender(Protocol):
    """The core's append of a message: member, session, room, text, tags,
    and the message it quotes (a reply's, a thread's root: its author and
    first words go with it, :mod:`chatroom.core.messages.quoting`), and a
    keyed line's key (:mod:`chatroom.core.messages.transactions`), which
    it answers the acknowledgement of."""

    def __call__(
        self,
        member: Member,
        session: Session,
        room: str,
        text: str,
        tags: Tags = (),
        action: bool = False,
        *,
        quoting: Message | None = None,
        txn: Txn | None = None,
    ) -> Awaitable[Acknowledged | None]: ...


def amended(
    message: Message, replacement: Message | None, event: Edited | Redacted, now: float
) -> DecidedChange:
    """The change an edit (``replacement``) or a redaction (None) of stored
    ``message`` is, resting on the message as read: rewritten, then
    ``event`` appended."""
    ops = (Rewrite(message.id, replacement), Append(event, now))
    return DecidedChange(
        RoomMessages(name_key(message.room)), (MessageIs(message),), ops
    )


def reacted(
    message: Message,
    event: Reaction,
    user: str,
    facts: ReactionFacts,
    now: float,
    limit: int,
) -> DecidedChange:
    """The change ``user``'s (a name key) reaction ``event`` to stored
    ``message`` is, decided :data:`~chatroom.core.policy.reactions.CHANGED` on
    ``facts``: resting on the message as read, on the user's reaction as
    read and, for one more, on the message's distinct reactions staying
    under ``limit``."""
    premises: tuple[Premise, ...] = (
        MessageIs(message),
        Reacted(message.id, event.reaction, user, facts.mine),
    )
    if event.adding and not facts.given:
        premises = (*premises, FewerReactionsThan(message.id, event.reaction, limit))
    ops = (React(message.id, event.reaction, user, event.adding), Append(event, now))
    return DecidedChange(RoomMessages(name_key(message.room)), premises, ops)


class MessageLife:
    """Replies, edits, deletions, reactions, typing and the moderation log."""

    def __init__(
        self,
        config: ServerConfig,
        clock: IReactorTime,
        rooms: RoomStore,
        messages: MessageStore,
        modlog: ModerationLog,
        bus: Bus,
        apply: Applies,
        session_of: Callable[[Member], Session],
        actor_of: Callable[[Member], Actor],
        retried: Retried,
        append: Appender,
    ) -> None:
        """Args:
        rooms: where a room's facts are read (who may redact, /modlog).
        messages: what was said (a message's history, a reaction's facts).
        modlog: the rooms' moderation logs (/modlog).
        bus: relays what is not kept (a typing notice).
        apply: the back-end's one write, which applies what is decided.
        session_of: the session of a named member (``NOT_IN_ROOM`` if none).
        actor_of: a member as the rules know it.
        retried: runs a decision again while its facts change under it.
        append: stamps a message and appends it (the core's ``say``).
        """
        self.config = config
        self.clock = clock
        self.rooms = rooms
        self.messages = messages
        self.logs = modlog
        self.bus = bus
        self.apply = apply
        self.session_of = session_of
        self.actor_of = actor_of
        self.retried = retried
        self.append = append
        #: When each member's last ``active``/``paused`` was relayed, per
        #: room key (on the injected clock).
        self.typed: dict[Member, dict[str, float]] = {}

    async def message(
        self, member: Member, session: Session, room: str, event_id: int
    ) -> Message:
        """Message (or action) ``event_id`` of ``room`` as stored, or
        ``NO_SUCH_MESSAGE``."""
        found = await self.messages.history(member, session, room, 1, event_id + 1)
        message = found[0] if found else None
        if not isinstance(message, Message) or message.id != str(event_id):
            raise errors.no_such_message(event_id, room)
        return message

    async def reply(
        self,
        member: Member,
        room: str,
        event_id: int,
        text: str,
        tags: Tags = (),
        txn: Txn | None = None,
    ) -> Acknowledged | None:
        """``/reply``: a message tagged ``reply=ID``, ID a message of the room
        (then ``tags``, an IRC client's other ``+`` tags); a reply to a
        thread's message is in that thread too (an IRC client answering
        one of its ``PRIVMSG``)."""
        rules.check_text(text)
        session = self.session_of(member)
        where = self.rooms.joined_room(member, room)
        message = await self.message(member, session, where, event_id)
        root = root_of(message)
        thread = ((THREAD_TAG, root),) if root else ()
        tagged = (("reply", str(event_id)), *thread, *tags)
        return await self.append(
            member, session, where, text, tagged, quoting=message, txn=txn
        )

    async def edit(
        self,
        member: Member,
        room: str,
        event_id: int,
        text: str,
        txn: Txn | None = None,
    ) -> Acknowledged | None:
        """``/edit``: the author's message now reads ``text``; rich members
        hear ``EDIT`` (others a ``MSG`` saying ``* text``). ``txn``: a keyed
        line's, answered the ``EDIT``'s id."""
        rules.check_text(text)
        session, where = (
            self.session_of(member),
            self.rooms.joined_room(member, room),
        )

        async def attempt() -> Acknowledged | None:
            message = await self.message(member, session, where, event_id)
            now = self.clock.seconds()
            amending.check_edit(
                message, self.actor_of(member), now, self.config.edit_window
            )
            # An edit is one line: a multiline message's lines go with it.
            tags = tuple(t for t in message.tags if t[0] != multiline.MULTILINE_TAG)
            replacement = replace(message, text=text, tags=tags)
            stamp, account = format_time(now), session.account_name
            edit = Edited(
                where,
                message.id,
                session.name,
                stamp,
                text,
                account=account,
                quoted_text=start_of(message.text),
            )
            change = amended(message, replacement, edit, now)
            return await self._keyed_apply(change, member, session, txn, edit)

        acknowledged: Acknowledged | None = await self.retried(attempt)
        return acknowledged

    async def _keyed_apply(
        self,
        change: DecidedChange,
        member: Member,
        session: Session,
        txn: Txn | None,
        event: Edited | Reaction,
    ) -> Acknowledged | None:
        """``change`` applied, resting on ``txn``'s key too if it is a keyed
        line's: answered the id of ``event``, the one it appends, or the
        key's first acknowledgement (:mod:`chatroom.core.messages.transactions`)."""
        if txn is None:
            await self.apply(change, member, session)
            return None
        keyed = transactions.premise(txn, session, event.room, self.clock.seconds())
        try:
            keyed_change = replace(change, premises=(*change.premises, keyed))
            await self.apply(keyed_change, member, session)
        except KeyDoneError as kept:
            return transactions.answer(txn, kept.record)
        return transactions.done(txn, event.room, event.id)

    async def redact(
        self, member: Member, room: str, event_id: int, reason: str
    ) -> Message:
        """``/redact``: the message is gone from every replay; rich members
        hear ``REDACT`` (kept in order, with its own id), with ``reason`` if
        it can be shown (:func:`rules.reason`). Deleting someone else's
        message is recorded in the moderation log, in the same change. The
        message redacted is returned (the files it shared go with it:
        chatroom.core.accounts.files)."""
        reason = rules.reason(reason)
        session, where = (
            self.session_of(member),
            self.rooms.joined_room(member, room),
        )
        redacted: list[Message] = []

        async def attempt() -> None:
            message = await self.message(member, session, where, event_id)
            facts = await self.rooms.facts(where)
            amending.check_redact(message, facts.room, self.actor_of(member))
            now = self.clock.seconds()
            redaction = Redacted(
                where,
                message.id,
                session.name,
                reason,
                time=format_time(now),
                account=session.account_name,
                quoted_user=message.user,
                quoted_time=message.time,
            )
            change = amended(message, None, redaction, now)
            if amending.author_of(message) != name_key(session.name):
                # someone else's: the room's log records it with the change
                entry = ModEntry(
                    format_time(now),
                    session.name,
                    ModAction.REDACT,
                    str(event_id),
                    reason,
                )
                ops = (*change.ops, recording(where, [entry]))
                change = replace(change, ops=ops)
            await self.apply(change, member, session)
            redacted.append(message)

        await self.retried(attempt)
        return redacted[-1]

    async def react(
        self,
        member: Member,
        room: str,
        event_id: int,
        reaction: str,
        adding: bool,
        from_tags: bool = False,
        txn: Txn | None = None,
    ) -> Acknowledged | None:
        """``/react`` (``adding``) or ``/unreact``: rich members hear ``REACT``
        or ``UNREACT``, unless nothing changed (reacting twice); ``from_tags``:
        it came with an IRC client's tags-only message
        (:mod:`chatroom.core.messages.tagmessages`). ``txn``: a keyed line's,
        answered the ``REACT``'s id (``-`` if nothing changed: nothing is
        stored, and no key kept)."""
        reactions.check_reaction(reaction)
        session, where = (
            self.session_of(member),
            self.rooms.joined_room(member, room),
        )

        acknowledged: list[Acknowledged | None] = []

        async def attempt() -> str:
            message = await self.message(member, session, where, event_id)
            now = self.clock.seconds()
            event = Reaction(
                where,
                message.id,
                session.name,
                reaction,
                adding,
                from_tags=from_tags,
                time=format_time(now),
                account=session.account_name,
                quoted_user=message.user,
                quoted_text=start_of(message.text),
            )
            key = name_key(session.name)
            facts = await self.messages.reaction_facts(where, message.id, reaction, key)
            limit = reactions.REACTIONS_PER_MESSAGE
            outcome = reactions.decide(facts, adding, limit)
            if outcome == reactions.CHANGED:
                change = reacted(message, event, key, facts, now, limit)
                done = await self._keyed_apply(change, member, session, txn, event)
                acknowledged.append(done)
            elif txn is not None and outcome != reactions.FULL:
                # nothing changed: a repeat of the key's (its record), or
                # a reaction given already (nothing stored, no key kept)
                sender = transactions.sender_of(session)
                record = await self.messages.key_record(sender, txn.key, where)
                if record is not None:
                    acknowledged.append(transactions.answer(txn, record))
                else:
                    acknowledged.append(transactions.done(txn, where, ""))
            return outcome

        if await self.retried(attempt) == reactions.FULL:
            raise reactions.refuse_full()
        return acknowledged[-1] if acknowledged else None

    async def typing(
        self, member: Member, room: str, state: str, from_tags: bool = False
    ) -> None:
        """``/typing``: the room's other rich members hear ``TYPING``;
        ``active`` and ``paused`` at most every :data:`TYPING_INTERVAL`
        seconds per member and room (the rest are dropped), ``done`` always.
        ``from_tags`` as for :meth:`react`."""
        if state not in TYPING_STATES:
            raise errors.usage("/typing active|paused|done")
        session, where = (
            self.session_of(member),
            self.rooms.joined_room(member, room),
        )
        if state != "done":
            now, typed = self.clock.seconds(), self.typed.setdefault(member, {})
            last = typed.get(name_key(where))
            if last is not None and now - last < TYPING_INTERVAL:
                return
            typed[name_key(where)] = now
        event = Typing(
            where, session.name, state, from_tags, account=session.account_name
        )
        await self.bus.relay(member, session, where, event)

    def forget(self, member: Member) -> None:
        """The member is gone: its typing times go too."""
        self.typed.pop(member, None)

    async def modlog(self, member: Member, room: str, count: int) -> list[ModEntry]:
        """``/modlog``: the room's newest ``count`` entries, for its owner,
        operators and admins (``NOT_ALLOWED`` for others)."""
        check_count(count)
        where = self.rooms.joined_room(member, room)
        facts = await self.rooms.facts(where)
        if not moderation.is_operator(facts.room, self.actor_of(member)):
            raise errors.not_allowed(
                f"only the owner and operators of {where} can read its /modlog"
            )
        return await self.logs.read(where, count)
