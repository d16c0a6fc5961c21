"""Unit tests for ids on the wire: parsing, rendering, and where a resume starts."""

from __future__ import annotations

from twisted.trial import unittest

from chatroom.core.model import codec
from chatroom.core.model.errors import ChatError
from chatroom.core.model.events import Joined, Message
from chatroom.core.policy.rules import CatchUp, catch_up
from chatroom.doors.line.arguments import (
    parse_caps,
    parse_event_id,
    parse_join,
)
from chatroom.doors.line.history import parse_history
from chatroom.doors.line.rendering import live_id_line, live_line
from chatroom.wire.lines import parse_event


class RenderingTests(unittest.TestCase):
    """``@ID`` is a second rendering, made from the first."""

    def test_id_line_is_the_line_with_a_prefix(self) -> None:
        """Both renderings are cached; events without an id have no prefix."""
        event = Message("tea", "alice", "t", "hi", id="42")
        self.assertEqual(event.encoded(live_id_line), b"@42 MSG tea alice t hi\r\n")
        self.assertEqual(event.encoded(live_line), b"MSG tea alice t hi\r\n")
        self.assertIs(event.encoded(live_id_line), event.encoded(live_id_line))
        join = Joined("tea", "bob")
        self.assertEqual(join.encoded(live_id_line), b"JOIN tea bob\r\n")

    def test_a_nodes_event_comes_back_as_it_was(self) -> None:
        """What a node publishes through Redis (the codec) is read back as
        the same typed event, id and tags included, never as a line."""
        event = Message("tea", "bob", "t", "old news", tags=(("reply", "3"),), id="7")
        read = codec.decode_event(codec.encode(event))
        self.assertEqual(read, event)
        self.assertEqual(read.encoded(live_id_line), b"@7 MSG tea bob t old news\r\n")

    def test_client_parses_the_prefix(self) -> None:
        """The shared grammar reads ``@ID`` into the event's id."""
        event = parse_event("@12 ACTION tea bob t waves hello")
        self.assertEqual(
            (event.name, event.fields, event.text, event.id),
            ("ACTION", ("tea", "bob", "t"), "waves hello", "12"),
        )
        self.assertEqual(parse_event("GAP tea ?").fields, ("tea", "?"))


class PositionsArgumentTests(unittest.TestCase):
    """The new commands' arguments, and their refusals."""

    def test_good(self) -> None:
        """Each form that is allowed."""
        self.assertEqual(parse_join("tea"), ("tea", None, None))
        self.assertEqual(parse_join("tea since 17"), ("tea", None, 17))
        self.assertEqual(parse_join("tea k3y"), ("tea", "k3y", None))
        self.assertEqual(parse_join("tea k3y since 17"), ("tea", "k3y", 17))
        self.assertEqual(parse_history("5"), (5, None))
        self.assertEqual(parse_history("5 before 9"), (5, 9))
        self.assertEqual(parse_caps("ids"), ["ids"])

    def test_bad(self) -> None:
        """Everything else is BAD_ARGS, with no guessing."""
        for call, args in [
            (parse_event_id, "1e3"),
            (parse_event_id, "٣"),  # a digit, but not an ASCII one
            (parse_event_id, "9" * 19),
            (parse_join, ""),
            (parse_join, "tea since"),
            (parse_join, "tea after 3"),
            (parse_history, ""),
            (parse_history, "-1"),
            (parse_history, "5 after 3"),
            (parse_caps, ""),
            (parse_caps, "ids colours"),
        ]:
            with self.assertRaises(ChatError) as raised:
                call(args)
            self.assertEqual(raised.exception.code, "BAD_ARGS", args)


class CatchUpTests(unittest.TestCase):
    """Where a resume starts, and what its gap says."""

    def test_cases(self) -> None:
        """Kept ids 11..30, a bound of 5."""
        cases = {
            30: CatchUp(31, ""),  # nothing missed
            27: CatchUp(28, ""),  # three missed, all replayed
            25: CatchUp(26, ""),  # exactly the bound
            20: CatchUp(26, "5"),  # ten missed: five left out
            10: CatchUp(26, "15"),  # just before the oldest kept: still known
            9: CatchUp(26, "?"),  # older than what is kept
            31: CatchUp(26, "?"),  # newer than anything: another database?
        }
        for since, expected in cases.items():
            self.assertEqual(catch_up(since, 11, 30, 5), expected, since)

    def test_empty_room(self) -> None:
        """A room with nothing kept (first = last + 1)."""
        self.assertEqual(catch_up(0, 1, 0, 5), CatchUp(1, ""))
        self.assertEqual(catch_up(7, 8, 7, 5), CatchUp(8, ""))
        self.assertEqual(catch_up(6, 8, 7, 5), CatchUp(8, "?"))  # 7 went
