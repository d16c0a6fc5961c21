"""The Matrix bridge's rules: what the homeserver's pushes and questions
mean, decided once (a built-in application service, bridged.md).

The homeserver asks about aliases (:meth:`MatrixBridge.room_query`: a
bridged room's portal is made, once, as ``@chatroom:SERVER``, and the pair
kept in the ledger) and users (:meth:`MatrixBridge.user_query`), and pushes
transactions of events (:meth:`MatrixBridge.transaction`): each relayed
once, however often it is pushed, and at least once: claimed in the ledger
(:mod:`chatroom.core.bridging.store`) for a minute before it is relayed,
and noted as relayed after (a relay stopped between the two is made again
when the claim has run out: the transaction, unacknowledged, is pushed
again). A
message from Matrix is said in the portal's room as the Matrix user's
bridged name (``bob:example.org``), tagged ``bridged=matrix``, through the
back-end's one write, as a webhook's post is. The bridge's own users are
never mirrored back.

What an event writes in a room (a message, an edit, a reaction) rests on
a transaction key made from its event id (:func:`event_key`), as a
member's ``/txn`` line does (:mod:`chatroom.core.messages.transactions`):
the back-end keeps the key in the same write, so a relay made again after
the store took the write but before the ledger noted it (the server
killed, the store failing in between) finds it done, says nothing again,
and notes the ledger with the id the first write made. Its sender's
flood token is taken once per event too (:meth:`MatrixBridge._within_limits`).

The homeserver is reached through :class:`Homeserver`, an edge the wiring
hands in (:mod:`chatroom.wiring.homeserver`): the bridge pings it on start
and whenever it answers again after being away (:class:`Pinger`, on the
injected clock), so that it sends at once what it holds.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any, Protocol
from urllib.parse import quote

from twisted.internet import task
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatroom.core.bridging.store import (
    EVENTS,
    FROM_MATRIX,
    MAP_SECONDS,
    MATRIX_MEMBERS,
    PORTAL_ROOMS,
    PORTALS,
    RELAYING,
    RELAYING_SECONDS,
    SEEN_SECONDS,
    SENT,
    TO_MATRIX,
    TRANSACTIONS,
    BridgeStore,
)
from chatroom.core.messages import transactions
from chatroom.core.messages.life import amended, reacted
from chatroom.core.messages.quoting import start_of
from chatroom.core.messages.store import MessageStore
from chatroom.core.messages.transactions import Acknowledged
from chatroom.core.model import errors
from chatroom.core.model.bridged import (
    ALIAS_PREFIX,
    MATRIX,
    MatrixSettings,
    bridged_name,
    without_reply_fallback,
)
from chatroom.core.model.changes.base import (
    Apply,
    DecidedChange,
    FactsChangedError,
)
from chatroom.core.model.changes.bridge import BridgeLedger, Note, Unnoted
from chatroom.core.model.changes.messages import Append, RoomMessages
from chatroom.core.model.changes.transactions import KeyDoneError, KeyUnused
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.events import (
    Edited,
    Message,
    Reaction,
    Redacted,
    StoredEvent,
)
from chatroom.core.model.facts import RoomFacts
from chatroom.core.model.member import Member
from chatroom.core.model.multiline import as_message
from chatroom.core.model.text import name_key, without_control_characters
from chatroom.core.policy import amending, reactions
from chatroom.core.policy.flood import SharedSpeakerLimits
from chatroom.core.policy.moderation import Actor
from chatroom.core.policy.rules import oldest_kept
from chatroom.core.rooms.store import RoomStore
from chatroom.wire.lines import format_time
from chatroom.wire.pastes import MAX_BYTES, MAX_LINES, pasted_lines
from chatroom.wire.tags import BRIDGED_TAG, NOTICE_TAG, Tags, escape

#: How often the bridge pings a homeserver that has not answered (seconds).
PING_EVERY = 10.0

#: An answer to a token: the homeserver's error code, or None (it holds).
UNAUTHORIZED = "M_UNAUTHORIZED"
FORBIDDEN = "M_FORBIDDEN"

#: The kinds of event that count as a line of their sender against the
#: flood limits (what a member types to say them: a message, an edit, a
#: reply, a reaction). Membership and redactions are not counted: a drop
#: would leave the two sides disagreeing about who is in and what is kept.
FLOOD_COUNTED = frozenset({"m.room.message", "m.reaction"})
#: The Matrix users' flood counts are kept as ``matrix-flood:<name key>``
#: (:class:`~chatroom.core.policy.flood.SharedSpeakerLimits`).
FLOOD_COUNTED_AS = "matrix-flood"


class HomeserverAwayError(Exception):
    """The homeserver could not be reached, or failed (5xx)."""


class RelayingNowError(Exception):
    """An event of the transaction is being relayed by another request (a
    node's, or one that stopped half-way and whose claim has not run out):
    the transaction is not acknowledged, and the homeserver pushes it again."""


class Homeserver(Protocol):
    """The homeserver's client-server API as the bridge calls it, with its
    ``as_token`` (the wiring's edge)."""

    async def call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        user_id: str | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """The status and JSON of one call (``user_id``: as which of the
        bridge's users). Raises :class:`HomeserverAwayError`."""
        ...


#: A seated member's message (the messages' service's ``paste``): member,
#: room, the lines escaped as a tag value, a transaction key, tags, and
#: whether it is an action; what the key did.
Speak = Callable[[Member, str, str, str, Tags, bool], Awaitable[Acknowledged | None]]


class BridgedSeating(Protocol):
    """The Matrix users' seats in the portals' rooms: members with no
    connection (:class:`chatroom.core.bridging.seating.MatrixSeats`)."""

    async def seat(self, name: str, room: str) -> None:
        """``name`` (a bridged name) in room ``room`` (in already: nothing)."""

    async def unseat(self, name: str, room: str, reason: str) -> None:
        """``name`` out of room ``room``, for ``reason`` (out already: nothing)."""

    def member_in(self, name: str, room: str) -> Member | None:
        """``name``'s seat, if it is in room ``room`` here."""


class Running(Protocol):
    """A part of the bridge that runs on the clock while the server does."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


def is_bridged(room: RoomFacts) -> bool:
    """Whether anyone may join ``room``, and so it is bridged: a permanent
    room, or one without a key, not invite-only and not secret."""
    policy = room.policy
    return room.permanent or not (policy.key or policy.invite_only or policy.secret)


def token_refusal(settings: MatrixSettings, token: str | None) -> str | None:
    """What a request carrying ``token`` is refused with: ``M_UNAUTHORIZED``
    without one, ``M_FORBIDDEN`` with another than the ``hs_token``, else
    None (compared in constant time)."""
    if not token:
        return UNAUTHORIZED
    if not hmac.compare_digest(token.encode(), settings.hs_token.encode()):
        return FORBIDDEN
    return None


def message_text(content: dict[str, Any]) -> list[str]:
    """An ``m.room.message``'s lines as a message of chatroom holds them:
    a reply's fallback left out, control characters dropped, cut with
    ``…`` past a paste's bounds."""
    body = content.get("body")
    if not isinstance(body, str):
        return []
    relates = content.get("m.relates_to")
    if isinstance(relates, dict) and "m.in_reply_to" in relates:
        body = without_reply_fallback(body)
    lines = [
        without_control_characters(line).replace("\ufffd", "")
        for line in pasted_lines(body)
    ]
    lines = lines[:MAX_LINES]
    kept: list[str] = []
    size = 0
    for line in lines:
        room = MAX_BYTES - size
        raw = line.encode("utf-8")
        if len(raw) > room:
            kept.append(raw[: max(room - 3, 0)].decode("utf-8", "ignore") + "…")
            break
        kept.append(line)
        size += len(raw)
    return [line for line in kept if line] or []


def _level(value: Any, default: int) -> int:
    """A power level as ``m.room.power_levels`` holds it (an integer, or
    in old rooms a string of one); ``default`` if it is neither."""
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return default
    return default


def may_redact_others(levels: dict[str, Any], user_id: str) -> bool:
    """Whether a room's ``m.room.power_levels`` content ``levels`` lets
    ``user_id`` redact others' events: their level (``users``, else
    ``users_default``, else 0) is at least the ``redact`` level (else 50),
    as the Matrix spec reckons it."""
    users = levels.get("users")
    default = _level(levels.get("users_default"), 0)
    level = default
    if isinstance(users, dict) and user_id in users:
        level = _level(users[user_id], default)
    return level >= _level(levels.get("redact"), 50)


def event_key(event_id: str) -> str:
    """The transaction key of what Matrix event ``event_id`` writes in a
    room: the same every time it is relayed, on every node."""
    return "mx" + hashlib.sha256(event_id.encode()).hexdigest()[:40]


def key_premise(
    user: str, event_id: str, kind: str, room: str, words: str, now: float
) -> KeyUnused:
    """The premise a write of Matrix user ``user``'s (a bridged name) event
    ``event_id`` rests on: its key (:func:`event_key`) unused, kept as
    done by a line of ``kind`` to ``room`` saying ``words``
    (:func:`chatroom.core.messages.transactions.asked`). The keys are the
    account's that a seated Matrix user is signed in to (their bridged
    name's key, which no door's account can be called): the same whether
    the user is seated in the room or not, so an event said from outside
    and relayed again once they are seated (or the other way) finds its
    key done."""
    txn = transactions.asked(event_key(event_id), kind, room, words)
    assert txn is not None  # a key is given
    return KeyUnused(name_key(user), txn.key, txn.line, room, now)


def transaction_fingerprint(events: list[Any]) -> str:
    """What a transaction held, in a few bytes: its events' ids, hashed."""
    ids = [e.get("event_id") for e in events if isinstance(e, dict)]
    text = "\n".join(i for i in ids if isinstance(i, str))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class Pinger:
    """Pings the homeserver (``POST /_matrix/client/v1/appservice/{id}/ping``)
    until it answers, every :data:`PING_EVERY` seconds on the injected
    clock; started again whenever a call finds it away."""

    log = Logger()

    def __init__(
        self, settings: MatrixSettings, clock: IReactorTime, homeserver: Homeserver
    ) -> None:
        self.settings = settings
        self.homeserver = homeserver
        self.loop = task.LoopingCall(self._ping)
        self.loop.clock = clock
        #: Whether the homeserver answered the last call.
        self.answering = False
        #: Whether the bridge has stopped: a call given up by the stop
        #: finds the homeserver "away", and must not start pinging again.
        self.stopped = True

    def start(self) -> None:
        """Ping now, and every :data:`PING_EVERY` seconds until it answers."""
        self.stopped = False
        self._ping_until_answered()

    def stop(self) -> None:
        """No more pings, whatever a call under way finds after."""
        self.stopped = True
        self._quiet()

    def away(self) -> None:
        """A call found the homeserver away: ping until it is back (unless
        the bridge has stopped)."""
        self.answering = False
        if not self.stopped:
            self._ping_until_answered()

    def failed_a_push(self) -> None:
        """This server failed a transaction the homeserver pushed (its store
        away, say): the homeserver backs off before pushing it again
        (Synapse from 2 s, doubling up to 8.5 minutes) and pushes at once
        only when pinged meanwhile. Ping it in :data:`PING_EVERY` seconds,
        and until it answers, so what it holds comes within that time, not
        the back-off's; not at once, so a push that keeps failing is tried
        again at most that often."""
        if not self.stopped:
            self._ping_until_answered(now=False)

    def _ping_until_answered(self, now: bool = True) -> None:
        if not self.loop.running:
            self.loop.start(PING_EVERY, now=now)

    def _quiet(self) -> None:
        if self.loop.running:
            self.loop.stop()

    async def _ping(self) -> None:
        """One ping. Answered ``200``, the homeserver is back and has sent
        what it held: no more pings. Answered otherwise (it could not reach
        this server's ``--http`` door, say), it is there all the same, and
        sending resumes, but the ping is made again."""
        path = f"/_matrix/client/v1/appservice/{self.settings.service_id}/ping"
        try:
            status, answer = await self.homeserver.call("POST", path, {})
        except HomeserverAwayError as away:
            self.log.info("the Matrix homeserver is away: {why}", why=str(away))
            return
        self.answering = True
        if status == 200:
            self._quiet()
            return
        self.log.warn(
            "the Matrix homeserver answered a ping {status} {answer}",
            status=status,
            answer=answer,
        )


class MatrixBridge:
    """The application service: the homeserver's pushes and questions."""

    log = Logger()

    def __init__(
        self,
        settings: MatrixSettings,
        clock: IReactorTime,
        ledger: BridgeStore,
        rooms: RoomStore,
        messages: MessageStore,
        apply: Apply,
        homeserver: Homeserver,
        config: ServerConfig,
        pinger: Pinger,
        sender: Running,
        seating: BridgedSeating,
        find_user: Callable[[str], Awaitable[object | None]],
        speak: Speak,
        limits: SharedSpeakerLimits,
    ) -> None:
        """Args:
        pinger: pings the homeserver until it answers (the sender's too).
        sender: sends the portals' rooms' events to Matrix
            (:class:`chatroom.core.bridging.sender.Sender`).
        seating: the Matrix users' seats in the rooms, with no connection.
        find_user: the user called so, connected or registered (None:
            nobody).
        speak: a seated member's message, through the messages' service
            (its ``paste``): the room's rules apply.
        limits: each Matrix user's flood limits (``--burst``, ``--rate``),
            counted for every node, as :data:`FLOOD_COUNTED_AS`.
        """
        self.settings = settings
        self.clock = clock
        self.ledger = ledger
        self.rooms = rooms
        self.messages = messages
        self.apply = apply
        self.homeserver = homeserver
        self.retention_age = config.retention_age
        self.edit_window = config.edit_window
        self.pinger = pinger
        self.sender = sender
        self.seating = seating
        self.find_user = find_user
        self.speak = speak
        self.limits = limits
        #: How long an event's claim lasts while it is relayed (seconds).
        self.claim_seconds = RELAYING_SECONDS
        #: The next try at seating the Matrix members again, if one waits.
        self.restoring: IDelayedCall | None = None
        #: What each kind of event pushed does (the others: acknowledged).
        self.handlers: dict[str, Callable[[str, dict[str, Any]], Awaitable[None]]] = {
            "m.room.message": self._message,
            "m.reaction": self._reaction,
            "m.room.redaction": self._redaction,
            "m.room.member": self._membership,
        }

    def start(self) -> None:
        self.pinger.start()
        self.sender.start()
        self._restore()

    def _restore(self) -> None:
        """The Matrix members seated again (tried again :data:`PING_EVERY`
        seconds later while the store cannot answer)."""
        self.restoring = None
        seating = Deferred.fromCoroutine(self._seat_again())
        seating.addErrback(self._not_restored)

    def _not_restored(self, failure: Failure) -> None:
        refused = failure.value
        if isinstance(refused, errors.ChatError) and refused.code == "UNAVAILABLE":
            self.restoring = self.clock.callLater(PING_EVERY, self._restore)
            return
        self.log.failure("the Matrix members' seats", failure)

    def stop(self) -> None:
        if self.restoring is not None and self.restoring.active():
            self.restoring.cancel()
        self.pinger.stop()
        self.sender.stop()

    def refusal(self, token: str | None) -> str | None:
        """:func:`token_refusal` with the registration's ``hs_token``."""
        return token_refusal(self.settings, token)

    # -- the ledger --------------------------------------------------------------

    async def _note_once(self, book: str, key: str, value: str, seconds: int) -> bool:
        """Note ``value`` under ``key``: True if this call noted it, False
        if a note was there (this one's or another node's)."""
        change = DecidedChange(
            BridgeLedger(), (Unnoted(book, key),), (Note(book, key, value, seconds),)
        )
        try:
            await self.apply(change)
        except FactsChangedError:
            return False
        return True

    # -- the homeserver's pushes -------------------------------------------------

    async def transaction(self, txn_id: str, events: list[Any]) -> None:
        """A transaction pushed: each event relayed once (an event id seen
        before, in any transaction, is not relayed again), then the
        transaction noted with what it held: pushed again, it relays
        nothing. (Synapse on SQLite numbers its transactions from 1 again
        after a restart: an id seen before with other events is a new
        transaction, whose events are relayed, each once.)"""
        self.pinger.answering = True
        try:
            await self._relay_all(txn_id, events)
        except Exception:
            self.pinger.failed_a_push()  # so it comes again soon
            raise

    async def _relay_all(self, txn_id: str, events: list[Any]) -> None:
        held = transaction_fingerprint(events)
        if await self.ledger.noted(TRANSACTIONS, txn_id) == held:
            return
        for event in events:
            if isinstance(event, dict):
                await self._event(event)
        note = Note(TRANSACTIONS, txn_id, held, SEEN_SECONDS)
        await self.apply(DecidedChange(BridgeLedger(), (), (note,)))

    async def _seat_again(self) -> None:
        """At start: the Matrix users in each portal back in its room (the
        ledger keeps who is in)."""
        for room in await self.ledger.kept_notes(PORTALS):
            kept = await self.ledger.noted(MATRIX_MEMBERS, room)
            for name in json.loads(kept) if kept else []:
                try:
                    await self.seating.seat(name, room)
                except errors.ChatError as refused:
                    self.log.info(
                        "{user} could not sit in {room} again: {why}",
                        user=name,
                        room=room,
                        why=refused.text,
                    )

    async def _event(self, event: dict[str, Any]) -> None:
        kind, sender = event.get("type"), event.get("sender")
        event_id, room_id = event.get("event_id"), event.get("room_id")
        if not all(isinstance(x, str) for x in (kind, sender, event_id, room_id)):
            return
        handler = self.handlers.get(str(kind))
        if handler is None or self.settings.is_bridge_user(str(sender)):
            return
        if kind == "m.room.member" and self.settings.is_bridge_user(
            str(event.get("state_key"))
        ):
            return
        room_key = await self.ledger.noted(PORTAL_ROOMS, str(room_id))
        if room_key is None:  # no portal's: acknowledged, ignored
            return
        if not await self._claim(str(event_id), room_key):
            return
        await self._relay(str(kind), room_key, event)
        done = Note(EVENTS, str(event_id), room_key, SEEN_SECONDS)
        await self.apply(DecidedChange(BridgeLedger(), (), (done,)))

    async def _claim(self, event_id: str, room_key: str) -> bool:
        """Event ``event_id`` claimed for this request to relay: True, or
        False if it was relayed before. Claimed by another that goes on
        (or stopped half-way, until its claim runs out):
        :class:`RelayingNowError`. The claim is noted before the event is
        relayed, and the event as relayed once it is, so an event is
        relayed once, and at least once: a relay that stops between the
        two leaves a claim that runs out, and the homeserver, whose
        transaction was not acknowledged, pushes it again."""
        change = DecidedChange(
            BridgeLedger(),
            (Unnoted(EVENTS, event_id), Unnoted(RELAYING, event_id)),
            (Note(RELAYING, event_id, room_key, self.claim_seconds),),
        )
        try:
            await self.apply(change)
        except FactsChangedError:
            if await self.ledger.noted(EVENTS, event_id) is not None:
                return False
            raise RelayingNowError(event_id) from None
        return True

    async def _relay(self, kind: str, room_key: str, event: dict[str, Any]) -> None:
        """What event ``event`` of a portal says, said in its room, as the
        room's rules let it (past them: nothing, logged). The store away
        (``UNAVAILABLE``) fails the transaction, which the homeserver
        pushes again; an event that fails otherwise is logged and passed
        over, so that one event cannot hold up every later one."""
        sender = str(event["sender"])
        handler = self.handlers[kind]
        if kind in FLOOD_COUNTED and not await self._within_limits(event):
            self.log.info(
                "{user} is past the flood limits: their {kind} is not said in {room}",
                user=bridged_name(sender),
                kind=kind,
                room=room_key,
            )
            return
        try:
            await handler(room_key, event)
        except errors.ChatError as refused:  # the room's rules: not said
            if refused.code == "UNAVAILABLE":
                raise
            self.log.info(
                "a Matrix event was not relayed to {room}: {code}",
                room=room_key,
                code=refused.code,
            )
        except Exception:
            self.log.failure(
                "a Matrix event could not be relayed to {room}", room=room_key
            )

    async def _within_limits(self, event: dict[str, Any]) -> bool:
        """Whether event ``event`` is within its sender's flood limits: a
        token taken for it once in the window, on every node (taken again,
        by its relay made again after a failure half-way, through this
        node or another, it is counted already: within, and nothing more
        taken)."""
        sender = bridged_name(str(event["sender"]))
        return not await self.limits.take(sender, once=str(event["event_id"]))

    async def _once(self, change: DecidedChange, event: StoredEvent) -> str:
        """``change``, resting on its event's key (:func:`key_premise`, its
        last premise), applied: the id of ``event``, the one it appends;
        or, its key done already (a relay made again), nothing applied
        and the id the first write made."""
        try:
            await self.apply(change)
        except KeyDoneError as done:
            return done.record.id
        return event.id

    async def _note_both(self, room: str, chatroom_id: str, event_id: str) -> None:
        """A chatroom event's Matrix id, and the other way round."""
        where = f"{room} {chatroom_id}"
        notes = (
            Note(TO_MATRIX, where, event_id, MAP_SECONDS),
            Note(FROM_MATRIX, event_id, where, MAP_SECONDS),
        )
        await self.apply(DecidedChange(BridgeLedger(), (), notes))

    async def _chatroom_id(self, room: str, event_id: Any) -> str | None:
        """The id in room ``room`` of the message Matrix event ``event_id`` is."""
        if not isinstance(event_id, str):
            return None
        where = await self.ledger.noted(FROM_MATRIX, event_id)
        if where is None:
            return None
        of, _, chatroom_id = where.partition(" ")
        return chatroom_id if of == room and chatroom_id.isdigit() else None

    async def _stored(self, room: str, chatroom_id: str) -> Message | None:
        """Message ``chatroom_id`` of room ``room`` as it is kept (None: gone)."""
        _, found = await self.ledger.events_after(room, int(chatroom_id) - 1, 1)
        if found and isinstance(found[0], Message) and found[0].id == chatroom_id:
            return found[0]
        return None

    async def _message(self, room_key: str, event: dict[str, Any]) -> None:
        """``m.text`` and any other msgtype: a message; ``m.notice``: one
        tagged ``notice``; ``m.emote``: an action; a reply: tagged
        ``reply=ID``; an ``m.replace``: an edit. From a Matrix user seated
        in the room, it is said as any member's (the room's bans and
        moderation apply: what it refuses is not said); from one who is
        not (their join not seen), from outside the room, as a webhook's
        post is."""
        content = event.get("content")
        if not isinstance(content, dict):
            return
        relates = content.get("m.relates_to")
        if isinstance(relates, dict) and relates.get("rel_type") == "m.replace":
            await self._edit(room_key, event, relates, content)
            return
        lines = message_text(content)
        if not lines:
            return
        facts = await self.rooms.facts(room_key)
        words, tags = as_message(lines)
        if isinstance(relates, dict) and isinstance(relates.get("m.in_reply_to"), dict):
            answered = relates["m.in_reply_to"].get("event_id")
            replied = await self._chatroom_id(room_key, answered)
            if replied is not None:
                tags = (("reply", replied), *tags)
        msgtype = content.get("msgtype")
        if msgtype == "m.notice":
            tags = (*tags, (NOTICE_TAG, ""))
        name = bridged_name(str(event["sender"]))
        member = self.seating.member_in(name, room_key)
        event_id = str(event["event_id"])
        text = escape("\n".join(lines))
        if member is not None:  # a member: as any member says it
            extra = tuple(t for t in tags if t[0] != "multiline")
            acknowledged = await self.speak(
                member,
                facts.room.name,
                text,
                event_key(event_id),
                (*extra, (BRIDGED_TAG, MATRIX)),
                msgtype == "m.emote",
            )
            if acknowledged is not None and acknowledged.id.isdigit():
                await self._note_both(room_key, acknowledged.id, event_id)
            return
        now = self.clock.seconds()
        action = msgtype == "m.emote"
        said = Message(
            facts.room.name,
            name,
            format_time(now),
            words,
            action=action,
            tags=(*tags, (BRIDGED_TAG, MATRIX)),
        )
        oldest = oldest_kept(self.retention_age, now)
        append = (Append(said, now, outside=True, oldest=oldest),)
        kind = "paste action" if action else "paste"  # as the seated path's
        keyed = key_premise(name, event_id, kind, said.room, text, now)
        change = DecidedChange(RoomMessages(name_key(room_key)), (keyed,), append)
        await self._note_both(room_key, await self._once(change, said), event_id)

    async def _edit(
        self,
        room: str,
        event: dict[str, Any],
        relates: dict[str, Any],
        content: dict[str, Any],
    ) -> None:
        """An ``m.replace`` by the original's sender: an edit, within
        ``--edit-window``; by anyone else, nothing."""
        target = await self._chatroom_id(room, relates.get("event_id"))
        new = content.get("m.new_content")
        if target is None or not isinstance(new, dict):
            return
        lines = message_text({"body": new.get("body")})
        message = await self._stored(room, target)
        if not lines or message is None:
            return
        user = bridged_name(str(event["sender"]))
        now = self.clock.seconds()
        amending.check_edit(message, Actor(user), now, self.edit_window)
        text = " ".join(lines)
        tags = tuple(t for t in message.tags if t[0] != "multiline")
        replacement = replace(message, text=text, tags=tags)
        edit = Edited(
            message.room,
            message.id,
            user,
            format_time(now),
            text,
            quoted_text=start_of(message.text),
        )
        event_id = str(event["event_id"])
        keyed = key_premise(
            user, event_id, f"edit {message.id}", message.room, text, now
        )
        change = amended(message, replacement, edit, now)
        change = replace(change, premises=(*change.premises, keyed))
        await self._note_both(room, await self._once(change, edit), event_id)

    async def _reaction(self, room: str, event: dict[str, Any]) -> None:
        """An ``m.annotation`` of a bridged message: a reaction (a key that
        is no reaction at the line door is ignored)."""
        content = event.get("content")
        relates = content.get("m.relates_to") if isinstance(content, dict) else None
        if not isinstance(relates, dict) or relates.get("rel_type") != "m.annotation":
            return
        key = relates.get("key")
        target = await self._chatroom_id(room, relates.get("event_id"))
        if not isinstance(key, str) or target is None:
            return
        try:
            reactions.check_reaction(key)
        except errors.ChatError:
            return
        user = bridged_name(str(event["sender"]))
        if await self._react(room, target, user, key, str(event["event_id"]), True):
            await self.apply(
                DecidedChange(
                    BridgeLedger(),
                    (),
                    (
                        Note(
                            FROM_MATRIX,
                            str(event["event_id"]),
                            f"{room} {target} {key}",
                            MAP_SECONDS,
                        ),
                    ),
                )
            )

    async def _react(
        self, room: str, target: str, user: str, key: str, event_id: str, adding: bool
    ) -> bool:
        """``user``'s reaction ``key`` to message ``target`` given (or taken
        back), once per Matrix event ``event_id``: True if it is now, by
        this relay or by the event's relay before (its key done), False if
        there was nothing to change (the message gone, the reaction given
        already by another event, or none to take back)."""
        message = await self._stored(room, target)
        if message is None:
            return False
        now = self.clock.seconds()
        reaction = Reaction(
            message.room,
            message.id,
            user,
            key,
            adding,
            time=format_time(now),
            quoted_user=message.user,
            quoted_text=start_of(message.text),
        )
        kind = f"{'react' if adding else 'unreact'} {message.id}"
        keyed = key_premise(user, event_id, kind, message.room, key, now)
        facts = await self.messages.reaction_facts(
            message.room, message.id, key, name_key(user)
        )
        limit = reactions.REACTIONS_PER_MESSAGE
        if reactions.decide(facts, adding, limit) != reactions.CHANGED:
            # Nothing to change now: this event's own relay may have
            # changed it before, its ledger note not written.
            done = await self.messages.key_record(keyed.sender, keyed.key, message.room)
            return done is not None and done.line == keyed.line
        change = reacted(message, reaction, name_key(user), facts, now, limit)
        await self._once(replace(change, premises=(*change.premises, keyed)), reaction)
        return True

    async def _may_redact_others(self, room_id: str, user_id: str) -> bool:
        """Whether the portal's power levels, as the homeserver has them
        now, let ``user_id`` redact others' events (no answer: they do not)."""
        path = f"/_matrix/client/v3/rooms/{quote(room_id)}/state/m.room.power_levels"
        try:
            status, levels = await self.homeserver.call("GET", path)
        except HomeserverAwayError:
            self.pinger.away()
            return False
        return status == 200 and may_redact_others(levels, user_id)

    async def _redaction(self, room: str, event: dict[str, Any]) -> None:
        """A redaction of a bridged message (a deletion) by its author, or
        by a Matrix user whom the portal's power levels let redact others'
        events (as a room operator deletes another's message); or of a
        reaction (taken back)."""
        content = event.get("content")
        redacts = event.get("redacts")
        if redacts is None and isinstance(content, dict):
            redacts = content.get("redacts")
        if not isinstance(redacts, str):
            return
        where = await self.ledger.noted(FROM_MATRIX, redacts)
        if where is None:
            return
        parts = where.split(" ", 3)
        if parts[0] != room:
            return
        user = bridged_name(str(event["sender"]))
        if len(parts) == 3:  # a reaction: ROOM ID KEY
            await self._react(
                room, parts[1], user, parts[2], str(event["event_id"]), False
            )
            return
        message = await self._stored(room, parts[1])
        if message is None:
            return
        if name_key(message.user) != name_key(user) and not (
            await self._may_redact_others(str(event["room_id"]), str(event["sender"]))
        ):
            self.log.info(
                "{user} may not redact {author}'s message {id} in {room}",
                user=user,
                author=message.user,
                id=message.id,
                room=room,
            )
            return
        reason = content.get("reason") if isinstance(content, dict) else None
        now = self.clock.seconds()
        redaction = Redacted(
            message.room,
            message.id,
            user,
            reason if isinstance(reason, str) else "",
            time=format_time(now),
            quoted_user=message.user,
            quoted_time=message.time,
        )
        await self.apply(amended(message, None, redaction, now))
        await self._note_both(room, redaction.id, str(event["event_id"]))

    async def _membership(self, room: str, event: dict[str, Any]) -> None:
        """A Matrix user's join: a member of the room, with no connection;
        their leave, kick or ban: out of it (``left``, or the reason Matrix
        gave). Who is in is kept in the ledger."""
        content = event.get("content")
        user = event.get("state_key")
        if not isinstance(content, dict) or not isinstance(user, str):
            return
        name = bridged_name(user)
        kept = await self.ledger.noted(MATRIX_MEMBERS, room)
        members = set(json.loads(kept)) if kept else set()
        membership = content.get("membership")
        if membership == "join":
            await self.seating.seat(name, room)
            members.add(name)
        elif membership in ("leave", "ban"):
            reason = content.get("reason")
            await self.seating.unseat(
                name, room, reason if isinstance(reason, str) else ""
            )
            members.discard(name)
        else:
            return
        listed = json.dumps(sorted(members))
        if listed != kept:
            note = Note(MATRIX_MEMBERS, room, listed, 0)
            await self.apply(DecidedChange(BridgeLedger(), (), (note,)))

    # -- the homeserver's questions ----------------------------------------------

    async def room_query(self, alias: str) -> bool:
        """Whether ``alias`` is a bridged room's portal, made now if it is
        not yet (``createRoom`` as ``@chatroom:SERVER``; the pair kept)."""
        room = self.settings.alias_room(alias)
        if room is None:
            return False
        try:
            facts = (await self.rooms.facts(room)).room
        except errors.ChatError:
            return False
        if name_key(facts.name) != name_key(room) or not is_bridged(facts):
            return False
        key = name_key(facts.name)
        if await self.ledger.noted(PORTALS, key) is not None:
            return True
        body = {
            "room_alias_name": ALIAS_PREFIX + room,
            "preset": "public_chat",
            "visibility": "private",
            "name": facts.name,
        }
        topic = (await self.rooms.roster(facts.name)).topic
        if topic:
            body["topic"] = topic
        try:
            status, made = await self.homeserver.call(
                "POST", "/_matrix/client/v3/createRoom", body
            )
        except HomeserverAwayError:
            self.pinger.away()
            return False
        room_id = made.get("room_id")
        if status != 200 or not isinstance(room_id, str):
            self.log.warn(
                "the homeserver refused the portal of {room}: {status} {answer}",
                room=facts.name,
                status=status,
                answer=made,
            )
            return False
        newest, _ = await self.ledger.events_after(key, 0, 0)
        await self._note_once(SENT, key, str(newest), 0)
        await self._note_once(PORTAL_ROOMS, room_id, key, 0)
        await self._note_once(PORTALS, key, room_id, 0)
        return True

    async def user_query(self, user_id: str) -> bool:
        """Whether ``user_id`` is the puppet of a user of this server
        (connected, or registered): registered on the homeserver now."""
        name = self.settings.puppet_name(user_id)
        if name is None or await self.find_user(name) is None:
            return False
        return await self.register_puppet(user_id)

    async def register_puppet(self, user_id: str) -> bool:
        """The puppet registered (``M_USER_IN_USE`` is fine)."""
        localpart = user_id.removeprefix("@").partition(":")[0]
        body = {"type": "m.login.application_service", "username": localpart}
        try:
            status, answer = await self.homeserver.call(
                "POST", "/_matrix/client/v3/register", body
            )
        except HomeserverAwayError:
            self.pinger.away()
            return False
        return status == 200 or answer.get("errcode") == "M_USER_IN_USE"
