"""Messages: what is said to a room or a user, its life, history and search.

A message is stamped with the injected clock and handed to the back-end as
one change resting on its premises (:meth:`MessageService.say`); replies,
edits, deletions, reactions and typing are
:class:`~chatroom.core.messages.life.MessageLife`'s, tags alone
:class:`~chatroom.core.messages.tagmessages.TagMessages`', private messages
:class:`~chatroom.core.messages.private.PrivateMessages`'. A user's door names
itself; each of these is told the seat the back-end knows it by.
"""

from __future__ import annotations

from collections.abc import Coroutine, Mapping, Sequence
from dataclasses import replace
from functools import partial
from typing import Any

from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from chatroom.core.accounts.account_settings import SettingStore
from chatroom.core.accounts.accounts import AccountStore
from chatroom.core.accounts.files import FileService
from chatroom.core.accounts.push import Notifications
from chatroom.core.infra.applying import Applies
from chatroom.core.infra.ignoring import heard_pages
from chatroom.core.infra.retrying import DECISION_ATTEMPTS, retried
from chatroom.core.infra.seats import Session
from chatroom.core.messages import relaying, transactions
from chatroom.core.messages import search as searching
from chatroom.core.messages.life import MessageLife
from chatroom.core.messages.operator_messages import say_to_operators
from chatroom.core.messages.pins import Pins
from chatroom.core.messages.previews import LinkPreviews
from chatroom.core.messages.private import IgnoredError, PrivateMessages
from chatroom.core.messages.quoting import start_of
from chatroom.core.messages.store import MessageStore
from chatroom.core.messages.tagmessages import Reacting, TagMessages
from chatroom.core.messages.threads import MessageThreads
from chatroom.core.messages.transactions import Acknowledged, Txn
from chatroom.core.model import errors, multiline
from chatroom.core.model.changes.base import DecidedChange, Premise, PremiseFailedError
from chatroom.core.model.changes.messages import Announce, Append
from chatroom.core.model.changes.rooms import QuietAmong
from chatroom.core.model.changes.transactions import KeyDoneError
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.errors import ChatError
from chatroom.core.model.events import (
    Message,
    PrivateEvent,
    PrivateMessage,
    PrivateRedacted,
    PrivateTagMessage,
    SearchResult,
    StoredEvent,
    TagMessage,
)
from chatroom.core.model.facts import DecisionFacts, Seating, SpeakingFacts
from chatroom.core.model.member import Member
from chatroom.core.model.text import name_key
from chatroom.core.moderation.modlog import ModerationLog
from chatroom.core.policy import amending, moderation, newcomers, rules
from chatroom.core.policy.moderation import check_outside
from chatroom.core.policy.rules import oldest_kept
from chatroom.core.rooms import membership
from chatroom.core.rooms.store import RoomStore
from chatroom.core.server.bus import NO_COPY, Bus
from chatroom.core.server.store import ServerStore
from chatroom.core.services.devices import Devices
from chatroom.core.services.identities import Identities
from chatroom.core.services.premises import UNMODERATED, as_read, messages_of, ordinary
from chatroom.wire.lines import format_time
from chatroom.wire.tags import RELAY_TAG, Tags, with_bot


class MessageService:
    """What a door says, and asks of what was said."""

    log = Logger()

    def __init__(
        self,
        config: ServerConfig,
        clock: IReactorTime,
        rooms: RoomStore,
        messages: MessageStore,
        modlog: ModerationLog,
        records: AccountStore,
        server: ServerStore,
        settings: SettingStore,
        bus: Bus,
        apply: Applies,
        identities: Identities,
        devices: Devices,
        private: PrivateMessages,
        previews: LinkPreviews,
        notifications: Notifications,
        files: FileService | None,
        namespace: str,
    ) -> None:
        """Args:
        rooms: the rooms a speaker is in, and what a message to one is
            decided on.
        messages: what was said (a speaker's facts, history, search).
        modlog: the rooms' moderation logs (``/modlog``).
        records: the accounts as kept (when a newcomer registered).
        server: the user a name is (a tags-only message to a user).
        settings: the threads each account follows.
        bus: relays what is not kept (to a room's operators, typing).
        apply: the back-end's one write: every message said.
        namespace: the node's id, in the ids of messages not kept.
        """
        self.clock = clock
        #: ``--retention-age``: what a room keeps of its messages by their
        #: age, handed with each as an operand (:func:`rules.oldest_kept`).
        self.retention_age = config.retention_age
        self.rooms = rooms
        self.messages = messages
        self.records = records
        self.bus = bus
        self.apply = apply
        self.identities = identities
        self.devices = devices
        self.private = private
        self.previews = previews
        self.notifications = notifications
        self.files = files
        #: Replies, edits, deletions, reactions, typing and /modlog.
        self.life = MessageLife(
            config,
            clock,
            rooms,
            messages,
            modlog,
            bus,
            apply,
            identities.session,
            identities.actor,
            retried,
            self._append,
        )
        #: TAGMSG: tags alone, to a room or a user (chatroom.core.messages.tagmessages).
        self.tag_messages = TagMessages(
            clock, rooms, server, bus, apply, identities.session, self.life, namespace
        )
        #: Threads: /thread, /threads, following (chatroom.core.messages.threads).
        self.threads = MessageThreads(
            rooms,
            messages,
            server,
            settings,
            apply,
            self.life,
            identities.seat,
            identities.session,
            identities.ignoring,
            self._append,
            notifications.settings_changed,
        )
        #: Pinned messages: /pin, /unpin, /pins (chatroom.core.messages.pins).
        self.pins = Pins(
            clock,
            rooms,
            messages.pins,
            apply,
            self.life,
            identities.seat,
            identities.session,
            identities.actor,
        )

    async def say(
        self,
        member: Member,
        room: str,
        text: str,
        tags: Tags = (),
        action: bool = False,
        key: str = "",
    ) -> Acknowledged | None:
        """One message or action (a ``/me``) to every member of ``room``,
        with ``tags`` (an IRC ``NOTICE``, IRC clients' ``+`` tags) stored
        with it, stamped with the injected clock: its event and its stored
        form, appended; from a user outside the room, only to a room that
        takes messages from outside (``external``, IRC's ``-n``); a link
        only once its speaker is no newcomer (:mod:`chatroom.core.policy.newcomers`).
        With a ``key`` (``/txn``) it is said once per key, and answers its
        acknowledgement (:meth:`say_once`)."""
        if key:
            return await self.say_once(member, room, text, key, tags, action)
        member = self.identities.seat(member)
        rules.check_text(text)
        session = self.identities.session(member)
        await self._append(member, session, room, text, tags, action)
        return None

    async def say_once(
        self,
        member: Member,
        room: str,
        text: str,
        key: str,
        tags: Tags = (),
        action: bool = False,
    ) -> Acknowledged:
        """:meth:`say` with a ``key`` (``/txn``): said once per key of its
        sender, answered its acknowledgement
        (:mod:`chatroom.core.messages.transactions`). The busiest keyed
        path, so :func:`~chatroom.core.messages.transactions.acknowledged`'s
        work is done here, without its coroutine."""
        member = self.identities.seat(member)
        rules.check_text(text)
        session = self.identities.session(member)
        txn = transactions.asked(key, "action" if action else "message", room, text)
        assert txn is not None
        try:
            done = await self._append(
                member, session, room, text, tags, action, txn=txn
            )
        except ChatError as refusal:
            read = self.messages.key_record
            return await transactions.refused(read, txn, session, room, refusal)
        assert done is not None  # a keyed line is acknowledged
        return done

    async def relay(
        self, member: Member, room: str, nick: str, text: str, tags: Tags = ()
    ) -> None:
        """IRC's ``RELAYMSG``: ``text`` said in ``room`` as ``nick``, a name
        of another network's, through the relayer's membership, stored
        with :data:`~chatroom.wire.tags.RELAY_TAG` naming the relayer and
        ``tags`` (the client's own) after it
        (:mod:`chatroom.core.messages.relaying`).

        Raises:
            ChatError: in this order, ``NO_SUCH_ROOM``, ``PRIVS_NEEDED``,
                ``INVALID_NICK``, ``NOT_IN_ROOM``, and what a message of
                the room may be refused with.
        """
        member = self.identities.seat(member)
        session = self.identities.session(member)
        inside = self.messages.speaking(member, room).member
        if not inside:
            await self.rooms.facts(room)  # NO_SUCH_ROOM first, as at Ergo
        admin = self.identities.actor(member).admin
        await relaying.check_relayer(session, admin, self.records)
        relaying.check_nick(nick)
        rules.check_text(text)
        if not inside:
            raise errors.not_in_room()
        relayed = ((RELAY_TAG, session.name), *tags)
        await self._append(member, session, room, text, relayed, speaker=nick)

    async def said_before(
        self, member: Member, room: str, text: str, key: str, refusal: ChatError
    ) -> Acknowledged:
        """``/txn KEY /say ROOM TEXT`` to a room the sender is not in (left
        since it was said): the key's first acknowledgement if it said
        that, else ``refusal`` stands (:func:`~chatroom.core.messages.
        transactions.recalled`)."""
        txn = transactions.asked(key, "message", room, text)
        assert txn is not None
        session = self.identities.session(self.identities.seat(member))
        read = self.messages.key_record
        return await transactions.recalled(read, txn, session, room, refusal)

    def _keyed(
        self,
        txn: Txn,
        session: Session,
        place: str,
        doing: Coroutine[Any, Any, Acknowledged | None],
    ) -> Coroutine[Any, Any, Acknowledged]:
        """A keyed line's acknowledgement
        (:func:`~chatroom.core.messages.transactions.acknowledged`)."""
        read = self.messages.key_record
        return transactions.acknowledged(read, txn, session, place, doing)

    async def _check_link(self, member: Member, session: Session, text: str) -> None:
        """A message (said, a reply, a thread's, an edit's new text) with a
        link only once its speaker is no newcomer: ``NOT_YET`` before
        (:mod:`chatroom.core.policy.newcomers`). Without ``--newcomer-wait`` nobody
        waits: no message is searched for a link (a regular expression
        over its text, on every message)."""
        if self.identities.config.newcomer_wait and newcomers.has_link(text):
            newcomers.check(await self._newcomer_left(member, session))

    async def _newcomer_left(self, member: Member, session: Session) -> int:
        """Seconds the member must still wait as a newcomer (0: none;
        :mod:`chatroom.core.policy.newcomers`): from its account's registration,
        else from its name's sign-in; admins never wait."""
        wait = self.identities.config.newcomer_wait
        if not wait or self.identities.actor(member).admin:
            return 0
        since: float | None = None
        if session.account:
            since = await self.records.registered_at(session.account)
        else:
            seat = self.identities.sessions.seat_of(member)
            devices = seat.devices.values() if seat is not None else ()
            since = min((device.since for device in devices), default=None)
        return newcomers.seconds_left(wait, since, self.clock.seconds())

    async def _shares_a_room(self, member: Member, name: str) -> bool:
        """Whether ``name``'s user is in one of the member's rooms."""
        for room in self.rooms.rooms_of(self.identities.seat(member)):
            facts = await self.rooms.facts(room, name_key(name))
            if facts.target is not None and facts.target.present:
                return True
        return False

    async def _append(
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
        speaker: str = "",
    ) -> Acknowledged | None:
        """Read what this process holds of the speaker's room, decide
        (:meth:`_said`) and hand the back-end the change; decide again on
        the facts it answers if a premise failed, a bounded number of
        times (:data:`~chatroom.core.infra.retrying.DECISION_ATTEMPTS`). Every
        message of a room comes here (a reply's and a thread's too), so a
        newcomer's link is refused here once (:meth:`_check_link`).
        ``quoting``: the message a reply answers, or the root of the
        thread it is said in, whose author and first words go with it
        (:mod:`chatroom.core.messages.quoting`). ``txn``: a keyed line's,
        whose change rests on its key too; answered its acknowledgement.
        ``speaker``: who it is said as, if not the member (a relayed nick:
        :meth:`relay`), with no account and no ``bot`` tag of the member's."""
        await self._check_link(member, session, text)
        speaking = self.messages.speaking(member, room)
        # From outside: NOT_IN_ROOM if there is no such room, before the rest.
        facts = None if speaking.member else await self._outside_facts(room)
        now = self.clock.seconds()
        if self.files is not None:
            tags = (*tags, *await self.files.tags_for(text))
        account = "" if speaker else session.account_name
        # A bot account's words are tagged, at every door; a plain name is
        # no bot's, and is not asked (most speakers, on every message).
        if account and session.bot:
            tags = with_bot(tags)
        event = Message(
            speaking.room if facts is None else facts.room.name,
            speaker or session.name,
            format_time(now),
            text,
            action,
            tags,
            account=account,
        )
        if quoting is not None:  # a reply's, a thread's: most messages quote none
            event.quoted_user = quoting.user
            event.quoted_text = start_of(quoting.text)
        key = name_key(session.name)
        for _attempt in range(DECISION_ATTEMPTS):
            if speaking.member and not (speaking.moderated or speaking.quiet):
                # An ordinary message, as _said decides it, with no wait: its
                # premises made once per speaker, its subject once per room.
                said = (
                    Append(event, now, oldest=oldest_kept(self.retention_age, now)),
                )
                subject = messages_of(event.room)
                premises = ordinary(key)
                if txn is not None:  # a keyed line's: its key last
                    keyed = transactions.premise(txn, session, event.room, now)
                    premises = (*premises, keyed)
                change = DecidedChange(subject, premises, said, (key,))
            else:
                change = await self._said(member, session, speaking, event, now, facts)
                if txn is not None:
                    keyed = transactions.premise(txn, session, event.room, now)
                    change = replace(change, premises=(*change.premises, keyed))
            try:
                await self.apply(change, member, session)
                break
            except KeyDoneError as kept:
                assert txn is not None  # only a keyed change rests on a key
                return transactions.answer(txn, kept.record)
            except PremiseFailedError as failed:
                current = failed.facts
                if not isinstance(current, SpeakingFacts):  # none brought
                    current = self.messages.speaking(member, event.room)
                speaking, facts = current, None
        else:
            raise errors.unavailable()
        self.previews.noticed(event)  # its link's card follows, once fetched
        self.notifications.said_in_room(event.room, session.name, text, event)
        if txn is not None:
            return transactions.done(txn, event.room, event.id)
        return None

    async def _outside_facts(self, room: str) -> DecisionFacts:
        """The facts of room ``room``, which a speaker outside it speaks
        to; ``NOT_IN_ROOM`` if there is no such room."""
        try:
            return await self.rooms.facts(room)
        except ChatError as refusal:
            if refusal.code != "NO_SUCH_ROOM":
                raise
            raise errors.not_in_room() from None

    async def _said(
        self,
        member: Member,
        session: Session,
        speaking: SpeakingFacts,
        event: Message,
        now: float,
        facts: DecisionFacts | None = None,
    ) -> DecidedChange:
        """The change a message is. A member of a room that is not
        moderated speaks on that premise alone, decided on nothing but what
        this process holds (the actor is derived only when the room's
        facts are read: 1.8 % of a busy server's time under load,
        docs/performance.md); otherwise the room's facts decide
        (:func:`~chatroom.core.policy.moderation.check_outside`,
        :func:`~chatroom.core.policy.moderation.check_speak`) and the change rests
        on the room's incarnation and version as read (``facts``, if they
        were read for this attempt). A quiet member is announced first
        (:func:`~chatroom.core.rooms.membership.speaking`), on the premise that
        it is quiet still; any other member, on the premise that it is not."""
        key = name_key(session.name)
        subject = messages_of(event.room)
        if not speaking.member:
            facts = facts or await self._outside_facts(speaking.room)
            actor = self.identities.actor(member)
            check_outside(facts.room, actor, errors.not_in_room())
            moderation.check_speak(facts.room, actor)
            oldest = oldest_kept(self.retention_age, now)
            said = Append(event, now, outside=True, oldest=oldest)
            return DecidedChange(subject, as_read(facts), (said,), (key,))
        premises: tuple[Premise, ...] = (UNMODERATED,)
        if speaking.moderated:
            facts = facts or await self.rooms.facts(speaking.room)
            moderation.check_speak(facts.room, self.identities.actor(member))
            premises = as_read(facts)
        said = Append(event, now, oldest=oldest_kept(self.retention_age, now))
        if not speaking.quiet:
            premises = (*premises, QuietAmong((key,), ()))
            return DecidedChange(subject, premises, (said,), (key,))
        seating = Seating(speaking.room, 0, quiet=frozenset({key}))
        shown = membership.speaking(seating, key, session)
        ops = (*(Announce(key, joined) for joined in shown), said)
        quiet = QuietAmong((key,), (key,))
        return DecidedChange(subject, (*premises, quiet), ops, (key,))

    async def to_operators(
        self, member: Member, room: str, text: str, notice: bool = False
    ) -> None:
        """``text`` to ``room``'s owner and operators only, not kept (IRC's
        ``PRIVMSG @#room``; :mod:`chatroom.core.messages.operator_messages`)."""
        member = self.identities.seat(member)
        session, now = self.identities.session(member), self.clock.seconds()
        await say_to_operators(
            self.rooms, self.bus, member, session, room, text, notice, now
        )

    async def paste(
        self,
        member: Member,
        room: str,
        text: str,
        key: str = "",
        tags: Tags = (),
        action: bool = False,
    ) -> Acknowledged | None:
        """``/paste TEXT``: the lines of ``text`` (escaped as an IRCv3 tag
        value) as one message to ``room``, stored with its ``multiline``
        tag as an IRC ``draft/multiline`` batch is (:func:`multiline.paste`:
        ``BAD_ARGS`` when empty or over 32 lines or 4000 bytes,
        ``BAD_TEXT``), and ``tags`` after it (a bot's); an ``action``, a
        ``/me`` of several lines (the REST API's)."""
        said, lines = multiline.paste(text)
        tags = (*lines, *tags)
        if not key:
            await self.say(member, room, said, tags, action)
            return None
        member = self.identities.seat(member)
        rules.check_text(said)
        session = self.identities.session(member)
        kind = "paste action" if action else "paste"
        txn = transactions.asked(key, kind, room, text)
        assert txn is not None
        saying = self._append(member, session, room, said, tags, action, txn=txn)
        return await self._keyed(txn, session, room, saying)

    # -- messages with a life (chatroom.core.messages.life) ---------------------------

    async def reply(
        self,
        member: Member,
        room: str,
        event_id: int,
        text: str,
        tags: Tags = (),
        key: str = "",
    ) -> Acknowledged | None:
        """``/reply ID TEXT``: a message answering message ``event_id`` of the
        room (``NO_SUCH_MESSAGE`` if it is none), with ``tags`` (an IRC
        client's other ``+`` tags) stored after its ``reply``; once per
        ``key``, if given."""
        seat = self.identities.seat(member)
        txn = transactions.asked(key, f"reply {event_id}", room, text)
        if txn is None:
            await self.life.reply(seat, room, event_id, text, tags)
            return None
        replying = self.life.reply(seat, room, event_id, text, tags, txn)
        return await self._keyed(txn, self.identities.session(seat), room, replying)

    async def edit(
        self, member: Member, room: str, event_id: int, text: str, key: str = ""
    ) -> Acknowledged | None:
        """``/edit ID TEXT``: the member's own message ``event_id`` now reads
        ``text`` (``NO_SUCH_MESSAGE``, ``NOT_ALLOWED``; a newcomer's link
        ``NOT_YET``, as in a message said); once per ``key``, if given."""
        seat = self.identities.seat(member)
        session = self.identities.session(seat)
        txn = transactions.asked(key, f"edit {event_id}", room, text)
        if txn is None:
            await self._check_link(seat, session, text)
            await self.life.edit(seat, room, event_id, text)
            return None
        return await self._keyed(
            txn, session, room, self._edit(seat, room, event_id, text, txn)
        )

    async def _edit(
        self, seat: Member, room: str, event_id: int, text: str, txn: Txn
    ) -> Acknowledged | None:
        await self._check_link(seat, self.identities.session(seat), text)
        return await self.life.edit(seat, room, event_id, text, txn)

    async def redact(
        self, member: Member, room: str, event_id: int, reason: str
    ) -> None:
        """``/redact ID [REASON]``: message ``event_id`` is deleted for
        everyone (its author, the room's owner and operators, admins), and
        the files it links to with it."""
        seat = self.identities.seat(member)
        message = await self.life.redact(seat, room, event_id, reason)
        if self.files is not None:
            await self.files.redacted(message.text, amending.author_of(message))
        self.log.info(
            "{user} redacted {room} {id}", user=member.name, room=room, id=event_id
        )

    async def react(
        self,
        member: Member,
        room: str,
        event_id: int,
        reaction: str,
        adding: bool,
        key: str = "",
    ) -> Acknowledged | None:
        """``/react ID EMOJI`` (``adding``) or ``/unreact ID EMOJI``: rich
        members hear ``REACT`` (``UNREACT``) unless nothing changed
        (``NO_SUCH_MESSAGE``, ``BAD_ARGS``: a bad reaction, or too many);
        once per ``key``, if given."""
        seat = self.identities.seat(member)
        kind = f"{'react' if adding else 'unreact'} {event_id}"
        txn = transactions.asked(key, kind, room, reaction)
        if txn is None:
            await self.life.react(seat, room, event_id, reaction, adding)
            return None
        reacting = self.life.react(seat, room, event_id, reaction, adding, txn=txn)
        session = self.identities.session(seat)
        return await self._keyed(txn, session, room, reacting)

    async def typing(self, member: Member, room: str, state: str) -> None:
        """``/typing active|paused|done``: the room's other rich members hear
        ``TYPING`` (``active``/``paused`` at most every 3 seconds)."""
        await self.life.typing(self.identities.seat(member), room, state)

    async def tag_message(
        self,
        member: Member,
        room: str,
        tags: Tags,
        typing: str | None = None,
        reactions: Sequence[Reacting] = (),
    ) -> TagMessage:
        """Tags and no text (an IRC client's ``TAGMSG``) to ``room``'s other
        members, as they were, then what they mean: a typing notice in state
        ``typing``, each of ``reactions`` (message id, reaction, adding) as
        :meth:`react`; returns the message (for the sender's echo). What
        they mean is never refused aloud (:mod:`chatroom.core.messages.tagmessages`).

        Raises:
            ChatError: ``NOT_IN_ROOM``.
        """
        seat = self.identities.seat(member)
        return await self.tag_messages.to_room(seat, room, tags, typing, reactions)

    async def private_tag_message(
        self, member: Member, target: str, tags: Tags, typing: bool = False
    ) -> PrivateTagMessage:
        """Tags and no text to the user called ``target``, if connected;
        kept in their conversation (when either is an account) unless it
        is a typing notice (``typing``); returns the message (for the
        sender's echo)."""
        seat = self.identities.seat(member)
        return await self.tag_messages.to_user(seat, target, tags, typing)

    # -- what was said -----------------------------------------------------------------

    async def room_history(
        self, member: Member, room: str, count: int, before: int | None = None
    ) -> list[StoredEvent]:
        """Up to ``count`` stored events of ``room`` before id ``before`` (or
        the newest), oldest first, with their ids; none said by a name the
        member's account ignores (older pages are read in their place:
        :func:`~chatroom.core.infra.ignoring.heard_pages`).

        Raises:
            ChatError: ``BAD_ARGS`` (count not 1-200), ``NOT_IN_ROOM``.
        """
        rules.check_history_count(count)
        session = self.identities.session(member)
        seat = self.identities.seat(member)
        read = partial(self.messages.history, seat, session, room, count)
        return await heard_pages(read, self.identities.ignoring(member), count, before)

    async def search(
        self, member: Member, rooms: list[str], text: str
    ) -> list[SearchResult]:
        """``/search text`` over ``rooms`` (which the member is in): up to
        :data:`chatroom.core.messages.search.FOUND_LIMIT` ``FOUND`` events, newest
        first.

        Raises:
            ChatError: ``BAD_ARGS`` (an empty, too long or malformed search),
                ``NOT_IN_ROOM`` (an ``in:`` room the member is not in),
                ``UNAVAILABLE`` (a back-end that cannot search).
        """
        place = partial(self.rooms.joined_room, self.identities.seat(member))
        account = self.identities.session(member).account
        return await searching.run(
            self.messages, place, rooms, text, account, self.private.party_of
        )

    # -- private messages --------------------------------------------------------------

    async def private_message_once(
        self, member: Member, target: str, text: str, key: str
    ) -> tuple[PrivateMessage | None, Acknowledged]:
        """``/txn KEY /msg USER TEXT``: :meth:`private_message` once per key,
        answered the message sent (None: a repeat, nothing sent again) and
        its acknowledgement, naming the conversation ``@USER`` and the
        message's id there (``-``: kept nowhere, between plain names). The
        key goes with the change that tells or keeps the message
        (:meth:`PrivateMessages.send`): a repeat is answered from it, told
        nobody again."""
        txn = transactions.asked(key, "msg", target, text)
        assert txn is not None
        session = self.identities.session(member)
        try:
            event = await self.private_message(member, target, text, txn=txn)
        except KeyDoneError as kept:
            return None, transactions.answer(txn, kept.record)
        except ChatError as refusal:
            if refusal.code in ("UNAVAILABLE", "TXN_REUSED"):
                raise
            read = self.messages.key_record
            place = "@" + target
            return None, await transactions.recalled(read, txn, session, place, refusal)
        return event, transactions.done(txn, "@" + event.recipient, event.id)

    async def private_message(
        self,
        member: Member,
        target: str,
        text: str,
        tags: Tags = (),
        txn: Txn | None = None,
    ) -> PrivateMessage:
        """Deliver a private message (with ``tags``) to ``target``; returns it (for
        the sender's copy).

        The target's copy is delivered here; the sender's is the caller's
        to show, unless the sender is the target. To a registered account
        nobody is signed in to, it is kept for the account's next sign-in
        (``INBOX_FULL`` past ``kept_private``). A newcomer writes only to
        users it shares a room with, and no link (:mod:`chatroom.core.
        newcomers`); a message its target ignores reaches nobody, and its
        sender is not told (:mod:`chatroom.core.infra.ignoring`).
        """
        session = self.identities.session(member)
        if name_key(target) != name_key(session.name):  # a newcomer: neighbours only
            left = await self._newcomer_left(self.identities.seat(member), session)
            if left and (
                newcomers.has_link(text)
                or not await self._shares_a_room(member, target)
            ):
                newcomers.check(left)
        copy = NO_COPY
        if name_key(target) != name_key(session.name):  # else no copy but its own
            copy = self.devices.copy_to(member)  # those on other nodes: in one step
        try:
            event = await self.private.send(session, target, text, tags, copy, txn)
        except IgnoredError as ignored:  # the sender is not told
            self.devices.to_others(member, ignored.event)
            return ignored.event
        self.notifications.said_privately(event.recipient, event.sender, text, event)
        if name_key(event.recipient) != name_key(session.name):
            self.devices.to_others(member, event)  # the sender's other devices here
        return event

    async def private_history(
        self, member: Member, other: str, count: int, before: int | None = None
    ) -> list[PrivateEvent]:
        """``/history @USER N [before ID]``: the member's account's private
        conversation with ``other``, oldest first (its tags-only messages
        too, which IRC's event playback alone shows), none said by a name
        the account ignores (as :meth:`room_history`)."""
        session = self.identities.session(member)
        read = partial(self.private.history, session, other, count)
        return await heard_pages(read, self.identities.ignoring(member), count, before)

    async def redact_private(
        self, member: Member, other: str, event_id: int, reason: str = ""
    ) -> PrivateRedacted:
        """Delete message ``event_id`` of the member's conversation with
        ``other`` (its sender only; IRC's ``REDACT nick msgid``): ``other``
        is told, and the member's other devices; returns the event for the
        member's own door to show.

        Raises:
            ChatError: ``NOT_ALLOWED``, ``NO_SUCH_MESSAGE``, ``NO_SUCH_USER``.
        """
        session = self.identities.session(member)
        event = await self.private.redact(session, other, event_id, reason)
        if name_key(other) != name_key(session.name):
            self.devices.to_others(member, event)  # the sender's other devices
            await self.devices.to_other_nodes(member, event)
        return event

    async def private_targets(self, member: Member) -> list[PrivateEvent]:
        """The newest message of each of the member's account's private
        conversations (IRC's ``CHATHISTORY TARGETS``); [] for a plain name."""
        return await self.private.targets(self.identities.session(member))

    async def deliver_kept(
        self, member: Member, sent: Mapping[str, int] | None = None
    ) -> None:
        """After a sign-in (once the room list is out): the private
        messages kept for the member's account while it was away, then a
        ``multi`` device's rooms (each caught up from ``sent``'s position
        there, room key → event id, when that is later than the account's
        read marker: :mod:`chatroom.core.accounts.door_settings`)."""
        await self.private.deliver_kept(member, self.identities.session(member))
        await self.devices.arrived(member, sent)
