"""A room's messages of one turn shared as a run (:mod:`chatroom.core.model.runs`):
every member still gets exactly what it got when each message was written
to each member, in the same order.

The members here have real send queues on socket pairs (so they batch and
hold runs, as on a server) or on a test transport (which never batches),
and the room is the core's own :class:`~chatroom.core.infra.fanout.Audience`.
"""

from __future__ import annotations

import socket
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from twisted.internet import tcp
from twisted.internet.protocol import Protocol
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.trial import unittest

from chatroom.core.infra.fanout import Audience, fan_out, forget_idle_plans, redirected
from chatroom.core.model.events import (
    Event,
    Listing,
    LobbyChanges,
    Message,
    RoomRenamed,
    Welcome,
)
from chatroom.core.model.member import MessageWriter
from chatroom.doors.base.sendq import Flusher, SendQueue


def _line(event: Event) -> bytes:
    assert isinstance(event, Message)
    return f"MSG {event.user} {event.text}\r\n".encode()


def _shouted(event: Event) -> bytes:
    """Another rendering (another door's, another IRC variant's)."""
    assert isinstance(event, Message)
    return f"MSG {event.user} {event.text.upper()}\r\n".encode()


class _Member:
    """A session as the room sees it, with a real send queue; its own
    messages come back through ``deliver`` as an echo of its own form."""

    door = "line"

    def __init__(self, name: str, flusher: Flusher, batching: bool) -> None:
        self.name = name
        self.encoder = _line
        self.dropped = False
        #: Its connection is closing (its queue stopped).
        self.closed = False
        if batching:
            ours, self._theirs = socket.socketpair()
            ours.setblocking(False)
            self._theirs.setblocking(False)
            self._sockets = (ours, self._theirs)
            connection = tcp.Connection(ours, Protocol())
            connection.connected = True
            transport: Any = connection
        else:
            transport = self._string = StringTransport()
        self.queue = SendQueue(transport, 1 << 20, self, flusher)
        self.batching = batching

    def close(self) -> None:
        if self.batching:
            for sock in self._sockets:
                sock.close()

    def output_full(self) -> None:
        raise AssertionError("never full here")

    def message_writer(self) -> MessageWriter:
        return MessageWriter(self.name, self.encoder, self.queue.write, self.queue)

    def deliver(self, event: Event) -> None:
        assert isinstance(event, Message) and event.user == self.name
        self.queue.write(f"OWN {event.text}\r\n".encode())

    def disconnect(self, reason: str) -> None:
        self.dropped = True

    # The rest of a member, which a room's messages never call.
    views_every_room = False
    starts_blank = False

    def entered(self, welcome: Welcome) -> None:
        """Not called here."""

    def removed(self, room: str, listing: Listing | None) -> None:
        """Not called here."""

    def room_renamed(self, renamed: RoomRenamed) -> None:
        """Not called here."""

    def lobby_changed(self, changes: LobbyChanges) -> None:
        """Not called here."""

    def shown_marker(self, room: str, marker: int | None) -> None:
        """Not called here."""

    def left_elsewhere(self, room: str, listing: Listing | None) -> None:
        """Not called here."""

    def received(self) -> bytes:
        if not self.batching:
            return self._string.value()
        chunks = []
        while True:
            try:
                chunk = self._theirs.recv(1 << 20)
            except BlockingIOError:
                break
            chunks.append(chunk)
        return b"".join(chunks)


#: One step of a room's life: a message by member i (or by someone who is
#: not one, -1), a private line to member i, the turn's end, member i
#: leaving or coming in, member i changing rendering, the room quiet for
#: two of the node's periods (its plans and its list of ``deliver`` gone,
#: made again at its next event).
_SAY = st.tuples(st.just("say"), st.integers(-1, 4))
#: Messages most often, so that turns hold several (and runs).
_STEPS = st.one_of(
    _SAY,
    _SAY,
    _SAY,
    _SAY,
    st.tuples(st.just("private"), st.integers(0, 4)),
    st.tuples(st.just("turn"), st.just(0)),
    st.tuples(st.just("leave"), st.integers(0, 4)),
    st.tuples(st.just("come"), st.integers(0, 4)),
    st.tuples(st.just("render"), st.integers(0, 4)),
    st.tuples(st.just("close"), st.integers(0, 4)),
    st.tuples(st.just("quiet"), st.just(0)),
)


class RunTests(unittest.TestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.flusher = Flusher(self.clock)

    def room(self, members: list[_Member]) -> Audience[None]:
        """A room of ``members``."""
        room: Audience[None] = Audience()
        for member in members:
            room[member] = None
        return room

    def members(self, batching: list[bool]) -> list[_Member]:
        members = [
            _Member(f"m{i}", self.flusher, batches)
            for i, batches in enumerate(batching)
        ]
        for member in members:
            self.addCleanup(member.close)
        return members

    def test_a_turns_messages_arrive_in_one_send_shared_by_the_room(self) -> None:
        """Three messages in one turn: every other member gets all three,
        in order, at the turn's end; the author its own in its place."""
        members = self.members([True, True, True])
        room = self.room(members)
        for text in ("one", "two", "three"):
            fan_out(room, Message(room="tea", user="m0", time="t", text=text))
        self.assertEqual(members[1].received(), b"")  # not before the turn ends
        self.clock.advance(0)
        said = b"MSG m0 one\r\nMSG m0 two\r\nMSG m0 three\r\n"
        self.assertEqual(members[1].received(), said)
        self.assertEqual(members[2].received(), said)
        self.assertEqual(members[0].received(), b"OWN one\r\nOWN two\r\nOWN three\r\n")

    def test_a_line_between_two_messages_stays_between_them(self) -> None:
        """A private line to a member between two of a room's messages in
        one turn arrives between them, and the others get both messages."""
        members = self.members([True, True, True])
        room = self.room(members)
        fan_out(room, Message(room="tea", user="m0", time="t", text="one"))
        members[1].queue.write(b"PRIVMSG from m2\r\n")
        fan_out(room, Message(room="tea", user="m2", time="t", text="two"))
        self.clock.advance(0)
        self.assertEqual(
            members[1].received(),
            b"MSG m0 one\r\nPRIVMSG from m2\r\nMSG m2 two\r\n",
        )
        self.assertEqual(members[2].received(), b"MSG m0 one\r\nOWN two\r\n")
        self.assertEqual(members[0].received(), b"OWN one\r\nMSG m2 two\r\n")

    @settings(max_examples=300, deadline=None)
    @given(
        batching=st.lists(st.booleans(), min_size=5, max_size=5),
        steps=st.lists(_STEPS, max_size=60),
    )
    def test_every_member_gets_what_a_write_per_member_gave(
        self, batching: list[bool], steps: list[tuple[str, int]]
    ) -> None:
        """Any mix of messages, other lines, turns ending, members coming
        and going, changing rendering and closing: each member receives exactly
        the bytes it would if each message were written to it alone, in
        order."""
        members = self.members(batching)
        try:
            self.check(members, steps)
        finally:
            self.clock.advance(0)
            for member in members:
                member.close()

    def check(self, members: list[_Member], steps: list[tuple[str, int]]) -> None:
        room: Audience[None] = Audience()
        for first in members[:3]:
            room[first] = None
        expected: dict[str, list[bytes]] = {each.name: [] for each in members}
        for number, (step, i) in enumerate(steps):
            member = members[i] if i >= 0 else None
            if step == "say":
                author = member.name if member is not None else "outsider"
                text = f"text{number}"
                event = Message(room="tea", user=author, time="t", text=text)
                for each in (m for m in members if m in room and not m.closed):
                    mine = each.name == author
                    expected[each.name].append(
                        f"OWN {text}\r\n".encode() if mine else each.encoder(event)
                    )
                fan_out(room, event)
            elif step == "private":
                assert member is not None
                line = f"PRIVMSG {number}\r\n".encode()
                if not member.closed:
                    expected[member.name].append(line)
                member.queue.write(line)
            elif step == "turn":
                self.clock.advance(0)
            elif step == "leave" and member is not None and member in room:
                del room[member]
            elif step == "come" and member is not None and member not in room:
                room[member] = None
            elif step == "close" and member is not None and not member.queue.closed:
                member.queue.stop()  # its connection is closing: nothing more
                member.closed = True
            elif step == "render" and member is not None:
                member.encoder = _shouted if member.encoder is _line else _line
                redirected()
            elif step == "quiet":
                forget_idle_plans()
                forget_idle_plans()
        self.clock.advance(0)
        for member in members:
            self.assertFalse(member.dropped)
            self.assertEqual(
                member.received().decode(),
                b"".join(expected[member.name]).decode(),
                member.name,
            )

    def test_a_room_whose_queues_never_batch_keeps_no_run(self) -> None:
        """Members whose queues write at once (TLS, a test transport) get
        each message as it is said, across turns, and the room keeps none
        of them for a run nobody would hold."""
        members = self.members([False, False])
        room = self.room(members)
        for _turn in range(3):
            for text in ("one", "two", "three"):
                fan_out(room, Message(room="tea", user="m0", time="t", text=text))
                self.assertTrue(members[1].received().endswith(f"{text}\r\n".encode()))
                self.assertIsNone(room.message_plan().renderings[_line].run)
            self.clock.advance(0)

    def test_a_lone_message_makes_no_run(self) -> None:
        """A turn's first message of a room is written to each member (a
        lone message costs least that way); its second makes the run, which
        every member's queue holds, and a new turn starts over."""
        members = self.members([True, True])
        room = self.room(members)
        rendering = room.message_plan().renderings[_line]
        fan_out(room, Message(room="tea", user="outsider", time="t", text="one"))
        self.assertIsNone(rendering.run)
        fan_out(room, Message(room="tea", user="outsider", time="t", text="two"))
        run = rendering.run
        assert run is not None
        self.assertEqual(run.holders, 2)
        self.clock.advance(0)
        self.assertFalse(run.open)
        fan_out(room, Message(room="tea", user="outsider", time="t", text="three"))
        self.assertIs(rendering.run, run)  # the next turn's first: no new run
        self.clock.advance(0)
        for member in members:
            self.assertEqual(
                member.received(),
                b"MSG outsider one\r\nMSG outsider two\r\nMSG outsider three\r\n",
            )

    def test_a_run_every_queue_let_go_ends(self) -> None:
        """When every member holding a run was written something else, the
        room's next message starts a new run, which they all hold again."""
        members = self.members([True, True])
        room = self.room(members)
        for text in ("one", "two"):
            fan_out(room, Message(room="tea", user="outsider", time="t", text=text))
        first = room.message_plan().renderings[_line].run
        for member in members:
            member.queue.write(b"NOTICE\r\n")
        assert first is not None
        self.assertFalse(first.open)
        fan_out(room, Message(room="tea", user="outsider", time="t", text="three"))
        second = room.message_plan().renderings[_line].run
        assert second is not None
        self.assertIsNot(first, second)
        self.assertEqual(second.holders, 2)
        self.clock.advance(0)
        for member in members:
            self.assertEqual(
                member.received(),
                b"MSG outsider one\r\nMSG outsider two\r\nNOTICE\r\n"
                b"MSG outsider three\r\n",
            )

    def test_an_author_holding_the_run_gets_its_own_message_once(self) -> None:
        """A member holding the turn's run says something: it is shown its
        own message as its own (its ``deliver``), never as another's too."""
        members = self.members([True, True, True])
        room = self.room(members)
        for text in ("one", "two"):
            fan_out(room, Message(room="tea", user="m1", time="t", text=text))
        fan_out(room, Message(room="tea", user="m0", time="t", text="three"))
        self.clock.advance(0)
        self.assertEqual(
            members[0].received(), b"MSG m1 one\r\nMSG m1 two\r\nOWN three\r\n"
        )
        self.assertEqual(  # the author of the message that made the run
            members[1].received(), b"OWN one\r\nOWN two\r\nMSG m0 three\r\n"
        )
        self.assertEqual(
            members[2].received(),
            b"MSG m1 one\r\nMSG m1 two\r\nMSG m0 three\r\n",
        )

    def test_a_closing_connection_takes_nothing_of_the_run_after(self) -> None:
        """A member whose connection is closing (its queue stopped) while
        it holds the turn's run gets what came before, and nothing after."""
        members = self.members([True, True])
        room = self.room(members)
        for text in ("one", "two"):
            fan_out(room, Message(room="tea", user="outsider", time="t", text=text))
        members[0].queue.stop()  # a connection lost: no goodbye
        fan_out(room, Message(room="tea", user="outsider", time="t", text="three"))
        self.clock.advance(0)
        self.assertEqual(
            members[0].received(), b"MSG outsider one\r\nMSG outsider two\r\n"
        )

    def test_a_member_coming_in_mid_turn_gets_what_follows(self) -> None:
        """A member who joins the room while a run goes on gets the room's
        messages from then on, not those before."""
        members = self.members([True, True])
        room: Audience[None] = Audience()
        room[members[0]] = None
        for text in ("one", "two"):
            fan_out(room, Message(room="tea", user="outsider", time="t", text=text))
        room[members[1]] = None
        fan_out(room, Message(room="tea", user="outsider", time="t", text="three"))
        self.clock.advance(0)
        self.assertEqual(members[1].received(), b"MSG outsider three\r\n")
        self.assertEqual(
            members[0].received(),
            b"MSG outsider one\r\nMSG outsider two\r\nMSG outsider three\r\n",
        )
