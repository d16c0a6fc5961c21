"""chatroom → Matrix: each portal's room's events sent by their authors'
puppets, in order, once.

A portal's room keeps its events (its history, in the ``--db`` file or
Redis): they are the queue. The ledger keeps how far each portal was sent
(:data:`~chatroom.core.bridging.store.SENT`); the sender reads the events
after it (:meth:`~chatroom.core.bridging.store.BridgeStore.events_after`)
and sends each in turn, with a transaction id made from the event
(``chatroom.ROOM.ID.KIND``), so a resend after a timeout or a restart is
answered with the first send's event id, and never doubles. Once the
homeserver has answered, the event's Matrix id is noted (both ways) and
the room's mark moves past it: a send the homeserver has not accepted
stays first in its room's queue, across restarts, and is tried again every
:data:`SEND_EVERY` seconds (the homeserver away: sending waits for its
ping's answer, :class:`~chatroom.core.bridging.appservice.Pinger`).

A portal's puppets follow its room's members, whatever their door: a
member who joins has their puppet join, one gone has it leave (the
sender compares the room's roster with the puppets the ledger says are
in, each pass).

Nothing costs the sending node a write: a message is stored as it always
is. In a cluster one node sends, the holder of a lease in the ledger
(:data:`~chatroom.core.bridging.store.LEASE`), taken over by another when
its node goes (it runs out after :data:`LEASE_SECONDS`).

The queue is the room's history, so it is subject to ``--retention``:
events trimmed before their turn (the homeserver away while more than
``--retention`` events were said, or longer than ``--retention-age``)
never reach Matrix, and the log warns how many
(:meth:`Sender._passed_over`). That is a decision: retention is the
operator's word on what the server keeps, and what it has deleted is in no
``/history`` and is sent nowhere afterwards; holding the trim back for
the bridge would keep, past that word, whatever a homeserver away for
days left unsent.

What a message from Matrix made (its ``bridged`` tag) is not sent back;
what the homeserver refuses for good (4xx) is logged and passed over, so a
room's queue never sticks.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from twisted.internet import task
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from chatroom.core.bridging.appservice import (
    Homeserver,
    HomeserverAwayError,
    Pinger,
)
from chatroom.core.bridging.store import (
    FROM_MATRIX,
    LEASE,
    MAP_SECONDS,
    PORTALS,
    PUPPETS,
    SENT,
    TO_MATRIX,
    BridgeStore,
)
from chatroom.core.model import errors
from chatroom.core.model.bridged import MatrixSettings, is_bridged_name
from chatroom.core.model.changes.base import Apply, DecidedChange, FactsChangedError
from chatroom.core.model.changes.bridge import BridgeLedger, Note, Unnoted
from chatroom.core.model.events import Edited, Message, Reaction, Redacted, StoredEvent
from chatroom.core.model.multiline import lines_of, said_lines
from chatroom.core.model.text import name_key
from chatroom.core.rooms.store import RoomStore
from chatroom.wire.tags import BRIDGED_TAG

#: Seconds between two looks at the portals' queues.
SEND_EVERY = 1.0
#: How long the sender's lease lasts unless renewed (seconds).
LEASE_SECONDS = 30
#: Events read from one room's queue at a time.
BATCH = 50


def _tag(tags: Any, key: str) -> str | None:
    for name, value in tags:
        if name == key:
            return str(value)
    return None


class StopSendingError(Exception):
    """The homeserver is away: this pass ends here, its event first in line."""


class Sender:
    """One node's sender to Matrix (it sends while it holds the lease)."""

    log = Logger()

    def __init__(
        self,
        settings: MatrixSettings,
        clock: IReactorTime,
        ledger: BridgeStore,
        apply: Apply,
        homeserver: Homeserver,
        pinger: Pinger,
        node: str,
        rooms: RoomStore,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.rooms = rooms
        self.ledger = ledger
        self.apply = apply
        self.homeserver = homeserver
        self.pinger = pinger
        self.node = node
        self.loop = task.LoopingCall(self.send_due)
        self.loop.clock = clock
        #: Puppets known registered, with their display names set.
        self.registered: set[str] = set()
        #: (room id, puppet) known joined.
        self.joined: set[tuple[str, str]] = set()
        self._leased_until = 0.0

    def start(self) -> None:
        if not self.loop.running:
            self.loop.start(SEND_EVERY, now=True).addErrback(
                lambda failure: self.log.failure("the Matrix sender stopped", failure)
            )

    def stop(self) -> None:
        if self.loop.running:
            self.loop.stop()

    async def _note(self, book: str, key: str, value: str, seconds: int = 0) -> None:
        await self.apply(
            DecidedChange(BridgeLedger(), (), (Note(book, key, value, seconds),))
        )

    async def _holds_lease(self) -> bool:
        """Whether this node sends: it takes the lease when it is free or
        its own, renewed each pass (a third of its time at the latest)."""
        now = self.clock.seconds()
        if self._leased_until - now > LEASE_SECONDS * 2 / 3:
            return True
        change = DecidedChange(
            BridgeLedger(),
            (Unnoted(LEASE, "sender", but=self.node),),
            (Note(LEASE, "sender", self.node, LEASE_SECONDS),),
        )
        try:
            await self.apply(change)
        except FactsChangedError:
            self._leased_until = 0.0
            return False
        self._leased_until = now + LEASE_SECONDS
        return True

    async def send_due(self) -> None:
        """One pass: every portal's queue sent as far as the homeserver
        takes it (nothing while it is away, or another node sends)."""
        if not self.pinger.answering:
            return
        try:
            if not await self._holds_lease():
                return
            portals = await self.ledger.kept_notes(PORTALS)
            for room, room_id in sorted(portals.items()):
                await self._send_room(room, room_id)
        except StopSendingError:
            self.pinger.away()
        except errors.ChatError as refused:  # the store away: the next pass
            self.log.info("the Matrix sender waits: {why}", why=refused.text)
        except Exception:
            self.log.failure("the Matrix sender's pass failed")

    async def _send_room(self, room: str, room_id: str) -> None:
        mark = await self.ledger.noted(SENT, room)
        if mark is None:  # a portal made before: from its newest event on
            newest, _ = await self.ledger.events_after(room, 0, 0)
            await self._note(SENT, room, str(newest))
            return
        newest, events = await self.ledger.events_after(room, int(mark), BATCH)
        last = int(mark)
        for event in events:
            notes = await self._send_event(room, room_id, event)
            # One write an event: what it became on Matrix, with the mark
            # past it (stopped before this write, the next pass sends it
            # again under the same transaction id, answered the same).
            marked = (*notes, Note(SENT, room, event.id))
            await self.apply(DecidedChange(BridgeLedger(), (), marked))
            if event.id.isdigit():
                self._passed_over(room, last, int(event.id))
                last = int(event.id)
        await self._seat_puppets(room, room_id)

    def _passed_over(self, room: str, sent: int, now: int) -> None:
        """Events between the one sent before (``sent``) and this one
        (``now``) that were no longer kept when their turn came: trimmed
        by ``--retention`` (or ``--retention-age``) while the homeserver
        was away, or deleted first. They never reach Matrix; the log warns
        how many (retention is the operator's word on what is kept, and a
        message it deleted is sent nowhere afterwards)."""
        if now - sent > 1:
            self.log.warn(
                "{count} events of {room} were gone from its history before "
                "they could be sent to Matrix (trimmed by --retention, or "
                "deleted): {first} to {last}",
                count=now - sent - 1,
                room=room,
                first=sent + 1,
                last=now - 1,
            )

    async def _seat_puppets(self, room: str, room_id: str) -> None:
        """The portal's puppets as the room's members are: a member's
        joins, one gone (left, kicked, quit, lost) leaves. Who is in is
        kept in the ledger (:data:`PUPPETS`), so a restart leaves nobody
        in twice, nor anybody behind."""
        try:
            roster = await self.rooms.roster(room)
        except errors.ChatError:  # the room is gone: its portal stays as it is
            return
        present = {
            self.settings.puppet(name): name
            for name in roster.members
            if not is_bridged_name(name)
        }
        kept = await self.ledger.noted(PUPPETS, room)
        seated = set(json.loads(kept)) if kept else set()
        here = {puppet for where, puppet in self.joined if where == room_id}
        for puppet, name in present.items():
            if puppet not in seated:
                await self._puppet_in(room_id, name)
        for puppet in (seated | here) - set(present):
            path = f"/_matrix/client/v3/rooms/{quote(room_id)}/leave"
            await self._call("POST", path, {}, puppet)
            self.joined.discard((room_id, puppet))
        if set(present) != seated:
            await self._note(PUPPETS, room, json.dumps(sorted(present)))

    # -- one event ---------------------------------------------------------------

    async def _call(
        self, method: str, path: str, body: dict[str, Any] | None, user_id: str | None
    ) -> tuple[int, dict[str, Any]]:
        try:
            return await self.homeserver.call(method, path, body, user_id)
        except HomeserverAwayError:
            raise StopSendingError() from None

    async def _puppet_in(self, room_id: str, name: str) -> str:
        """The puppet of ``name``, registered, named and joined to the portal."""
        puppet = self.settings.puppet(name)
        if puppet not in self.registered:
            localpart = puppet.removeprefix("@").partition(":")[0]
            body = {"type": "m.login.application_service", "username": localpart}
            await self._call("POST", "/_matrix/client/v3/register", body, None)
            path = f"/_matrix/client/v3/profile/{quote(puppet)}/displayname"
            await self._call("PUT", path, {"displayname": name}, puppet)
            self.registered.add(puppet)
        if (room_id, puppet) not in self.joined:
            path = f"/_matrix/client/v3/rooms/{quote(room_id)}/join"
            status, answer = await self._call("POST", path, {}, puppet)
            if status == 200:
                self.joined.add((room_id, puppet))
            else:
                self.log.info(
                    "{puppet} could not join {room}: {status} {answer}",
                    puppet=puppet,
                    room=room_id,
                    status=status,
                    answer=answer,
                )
        return puppet

    async def _matrix_event(self, room: str, target: str) -> str | None:
        return await self.ledger.noted(TO_MATRIX, f"{room} {target}")

    async def _send(
        self,
        room: str,
        room_id: str,
        event_id: str,
        kind: str,
        content: dict[str, Any],
        sender: str,
        matrix_type: str = "m.room.message",
    ) -> str | None:
        """One ``PUT …/send/TYPE/TXN`` as ``sender``: the Matrix event id
        (:func:`mapped` notes it both ways, with the event's mark), or
        None if refused for good."""
        txn = quote(f"chatroom.{room}.{event_id}.{kind}", safe="")
        path = f"/_matrix/client/v3/rooms/{quote(room_id)}/send/{matrix_type}/{txn}"
        status, answer = await self._call("PUT", path, content, sender)
        sent = answer.get("event_id")
        if status != 200 or not isinstance(sent, str):
            self.log.info(
                "the homeserver refused {kind} {room} {id}: {status} {answer}",
                kind=kind,
                room=room,
                id=event_id,
                status=status,
                answer=answer,
            )
            return None
        return sent

    async def _send_event(
        self, room: str, room_id: str, event: StoredEvent
    ) -> tuple[Note, ...]:
        """``event`` sent to Matrix (or nothing, for what is not sent):
        the ledger's notes of what it became there, written with its mark."""
        if isinstance(event, Message):
            if _tag(event.tags, BRIDGED_TAG) is not None:
                return ()  # from Matrix: noted as it came
            return await self._message(room, room_id, event)
        if isinstance(event, Edited):
            return await self._edit(room, room_id, event)
        if isinstance(event, Redacted):
            await self._redaction(room, room_id, event)
        elif isinstance(event, Reaction):
            return await self._reaction(room, room_id, event)
        return ()

    async def _message(
        self, room: str, room_id: str, event: Message
    ) -> tuple[Note, ...]:
        lines = lines_of(event.tags)
        text = "\n".join(said_lines(lines)) if lines is not None else event.text
        content: dict[str, Any] = {
            "msgtype": "m.emote" if event.action else "m.text",
            "body": text,
        }
        replied = _tag(event.tags, "reply")
        if replied is not None:
            answered = await self._matrix_event(room, replied)
            if answered is not None:
                content["m.relates_to"] = {"m.in_reply_to": {"event_id": answered}}
        puppet = await self._puppet_in(room_id, event.user)
        sent = await self._send(room, room_id, event.id, "message", content, puppet)
        return mapped(room, event.id, sent)

    async def _edit(self, room: str, room_id: str, event: Edited) -> tuple[Note, ...]:
        if ":" in event.user:
            return ()  # a Matrix user's edit: from Matrix
        edited = await self._matrix_event(room, event.target)
        if edited is None:
            return ()
        new = {"msgtype": "m.text", "body": event.text}
        content = {
            "msgtype": "m.text",
            "body": f"* {event.text}",
            "m.new_content": new,
            "m.relates_to": {"rel_type": "m.replace", "event_id": edited},
        }
        puppet = await self._puppet_in(room_id, event.user)
        sent = await self._send(room, room_id, event.id, "edit", content, puppet)
        return mapped(room, event.id, sent)

    async def _redaction(self, room: str, room_id: str, event: Redacted) -> None:
        if ":" in event.by:
            return
        gone = await self._matrix_event(room, event.target)
        if gone is None:
            return
        await self._redact(room, room_id, event.id, gone, event.by, event.reason)

    async def _redact(
        self, room: str, room_id: str, event_id: str, gone: str, by: str, reason: str
    ) -> None:
        """A redaction by ``by``'s puppet, or by the bridge's own user
        where the puppet may not (another's message)."""
        txn = quote(f"chatroom.{room}.{event_id}.redact", safe="")
        path = f"/_matrix/client/v3/rooms/{quote(room_id)}/redact/{quote(gone)}/{txn}"
        body = {"reason": reason} if reason else {}
        puppet = await self._puppet_in(room_id, by)
        status, _ = await self._call("PUT", path, body, puppet)
        if status == 403:
            await self._call("PUT", path + ".bridge", body, self.settings.bridge_user)

    async def _reaction(
        self, room: str, room_id: str, event: Reaction
    ) -> tuple[Note, ...]:
        if ":" in event.user:
            return ()
        key = f"{room} {event.target} {name_key(event.user)} {event.reaction}"
        if event.adding:
            target = await self._matrix_event(room, event.target)
            if target is None:
                return ()
            content = {
                "m.relates_to": {
                    "rel_type": "m.annotation",
                    "event_id": target,
                    "key": event.reaction,
                }
            }
            puppet = await self._puppet_in(room_id, event.user)
            sent = await self._send(
                room, room_id, event.id, "react", content, puppet, "m.reaction"
            )
            if sent is None:
                return ()
            # the reaction by its author and key too, for its /unreact
            return (
                *mapped(room, event.id, sent),
                Note(TO_MATRIX, key, sent, MAP_SECONDS),
            )
        reacted = await self.ledger.noted(TO_MATRIX, key)
        if reacted is not None:
            await self._redact(room, room_id, event.id, reacted, event.user, "")
        return ()


def mapped(room: str, event_id: str, sent: str | None) -> tuple[Note, ...]:
    """Event ``event_id`` of ``room`` became Matrix event ``sent`` (None:
    refused, nothing to note): noted both ways, for what points at it
    later (an edit, a reply, a reaction, a redaction, from either side)."""
    if sent is None:
        return ()
    here = f"{room} {event_id}"
    return (
        Note(TO_MATRIX, here, sent, MAP_SECONDS),
        Note(FROM_MATRIX, sent, here, MAP_SECONDS),
    )
