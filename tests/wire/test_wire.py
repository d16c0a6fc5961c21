"""Unit tests for the shared line grammar in ``chatroom.wire.lines``.

The client and the benchmark parse server lines with the same functions, so
a mistake here would garble what every user sees.
"""

from __future__ import annotations

import calendar

from twisted.trial import unittest

from chatroom.wire.lines import (
    EVENT_FIELDS,
    FREE_TEXT_EVENTS,
    LIST_EVENTS,
    ParsedLine,
    format_line,
    format_time,
    parse_event,
    parse_time,
)


class ParseEventTests(unittest.TestCase):
    """``parse_event`` splits fields and keeps the free text whole."""

    def test_message(self) -> None:
        """Only the last field of MSG may contain spaces."""
        self.assertEqual(
            parse_event("MSG tea Alice 2026-11-21T18:04:05.123Z hello  bob "),
            ParsedLine(
                "MSG",
                ("tea", "Alice", "2026-11-21T18:04:05.123Z"),
                "hello  bob ",
            ),
        )

    def test_fields_only(self) -> None:
        """Events without free text split on every space."""
        self.assertEqual(
            parse_event("MEMBERS tea alice bob carol"),
            ParsedLine("MEMBERS", ("tea", "alice", "bob", "carol")),
        )
        self.assertEqual(parse_event("JOINED tea 3 256").fields, ("tea", "3", "256"))

    def test_empty_free_text(self) -> None:
        """A ROOM line without a topic has empty text."""
        self.assertEqual(
            parse_event("ROOM general 0 256"),
            ParsedLine("ROOM", ("general", "0", "256")),
        )

    def test_text_only_events(self) -> None:
        """BYE, HELP and PONG are all free text."""
        self.assertEqual(
            parse_event("BYE server shutting down").text, "server shutting down"
        )
        self.assertEqual(
            parse_event("HELP /nick NAME  choose").text, "/nick NAME  choose"
        )
        self.assertEqual(parse_event("PONG"), ParsedLine("PONG", ()))

    def test_error(self) -> None:
        """ERR has the code as its field and the human text after it."""
        event = parse_event("ERR NAME_TAKEN Alice is taken, choose another name")
        self.assertEqual(event.fields, ("NAME_TAKEN",))
        self.assertEqual(event.text, "Alice is taken, choose another name")

    def test_hello(self) -> None:
        """HELLO: server name, version, then the greeting."""
        event = parse_event("HELLO chatroom 1 Welcome to chatroom. Choose a username.")
        self.assertEqual(event.fields, ("chatroom", "1"))
        self.assertEqual(event.text, "Welcome to chatroom. Choose a username.")

    def test_unknown_event(self) -> None:
        """An event this version does not know still parses, split on spaces."""
        self.assertEqual(
            parse_event("ROOM_GONE tea"), ParsedLine("ROOM_GONE", ("tea",))
        )
        self.assertEqual(parse_event("FUTURE a b"), ParsedLine("FUTURE", ("a", "b")))

    def test_part_reason(self) -> None:
        """PART's reason keeps its spaces."""
        event = parse_event("PART tea bob quit: off to bed")
        self.assertEqual(event.fields, ("tea", "bob"))
        self.assertEqual(event.text, "quit: off to bed")

    def test_id_and_tags(self) -> None:
        """``@ID;key=value`` gives the event its id and its tags, unescaped
        and in order; a key without a value is ""; ``@ID`` alone, no tags."""
        event = parse_event(r"@8;reply=7;note=a\sb\:c;flag MSG tea bob t hi")
        self.assertEqual(event.id, "8")
        self.assertEqual(event.tags, (("reply", "7"), ("note", "a b;c"), ("flag", "")))
        self.assertEqual((event.tag("note"), event.tag("missing")), ("a b;c", None))
        self.assertEqual(event.fields, ("tea", "bob", "t"))
        plain = parse_event("@12 ACTION tea bob t waves")
        self.assertEqual((plain.id, plain.tags, plain.text), ("12", (), "waves"))


class NamedFieldTests(unittest.TestCase):
    """A parsed line's fields are read by the names ``EVENT_FIELDS`` gives."""

    def test_field_by_name(self) -> None:
        """Each named field, and "" for one the line stops short of."""
        event = parse_event("KICK tea bob alice too many scones")
        self.assertEqual(
            (event.field("room"), event.field("user"), event.field("by")),
            ("tea", "bob", "alice"),
        )
        self.assertEqual(event.text, "too many scones")
        self.assertEqual(parse_event("KICK tea").field("by"), "")
        self.assertEqual(
            parse_event("PRIVMSG carol alice t hi").named_fields(),
            {"from": "carol", "to": "alice", "time": "t"},
        )

    def test_a_name_the_event_lacks_is_a_mistake(self) -> None:
        """Asking an event for a field it has not is an error, not "":
        a misspelt name would otherwise read as a missing field."""
        with self.assertRaises(KeyError):
            parse_event("JOIN tea bob").field("by")
        with self.assertRaises(KeyError):
            parse_event("FUTURE a b").field("room")

    def test_lists(self) -> None:
        """A list event's words after its named fields are ``listed``."""
        members = parse_event("MEMBERS tea alice bob carol")
        self.assertEqual(members.field("room"), "tea")
        self.assertEqual(members.listed, ("alice", "bob", "carol"))
        self.assertEqual(
            parse_event("GBANS name:eve account:mallory").listed,
            ("name:eve", "account:mallory"),
        )
        self.assertEqual(parse_event("BANS tea").listed, ())

    def test_every_free_text_and_list_event_is_named(self) -> None:
        """The three tables agree: free text and lists follow named fields."""
        self.assertLessEqual(FREE_TEXT_EVENTS | LIST_EVENTS, EVENT_FIELDS.keys())
        self.assertFalse(FREE_TEXT_EVENTS & LIST_EVENTS)


class FormatLineTests(unittest.TestCase):
    """``format_line`` builds CRLF-terminated UTF-8 lines."""

    def test_crlf_utf8(self) -> None:
        """Lines end in CRLF and are UTF-8 encoded."""
        self.assertEqual(
            format_line("MSG", "café", "Zoë", "t", text="✓ ok"),
            "MSG café Zoë t ✓ ok\r\n".encode(),
        )

    def test_no_trailing_space(self) -> None:
        """Empty free text leaves no trailing space."""
        self.assertEqual(
            format_line("ROOM", "general", "0", "256", text=""),
            b"ROOM general 0 256\r\n",
        )
        self.assertEqual(format_line("BYE"), b"BYE\r\n")

    def test_round_trip(self) -> None:
        """What format_line builds, parse_event reads back."""
        line = format_line("TOPIC", "tea", "alice", text="Tea and  biscuits")
        self.assertEqual(
            parse_event(line.decode().removesuffix("\r\n")),
            ParsedLine("TOPIC", ("tea", "alice"), "Tea and  biscuits"),
        )


class TimeTests(unittest.TestCase):
    """Times are UTC ISO-8601 with milliseconds."""

    def test_format(self) -> None:
        """The documented shape, in UTC."""
        self.assertEqual(format_time(0), "1970-01-01T00:00:00.000Z")
        self.assertEqual(
            format_time(calendar.timegm((2026, 11, 21, 18, 4, 5)) + 0.5),
            "2026-11-21T18:04:05.500Z",
        )

    def test_round_trip(self) -> None:
        """parse_time inverts format_time to the millisecond."""
        stamp = "2026-11-21T18:04:05.250Z"
        self.assertEqual(format_time(parse_time(stamp)), stamp)
        self.assertEqual(parse_time("1970-01-01T00:01:00.000Z"), 60.0)

    def test_milliseconds_not_lost_to_float_error(self) -> None:
        """.001 prints as .001, not .000 (float subtraction would lose it)."""
        for millis in range(1000):
            stamp = f"2026-11-21T18:04:05.{millis:03d}Z"
            self.assertEqual(format_time(parse_time(stamp)), stamp)
        self.assertEqual(format_time(1.123), "1970-01-01T00:00:01.123Z")
        self.assertEqual(format_time(59.9996), "1970-01-01T00:01:00.000Z")

    def test_stamps_in_one_millisecond_and_after(self) -> None:
        """Times in one millisecond share a stamp (made once); the next
        millisecond, and the same millisecond of another second, do not."""
        base = calendar.timegm((2026, 11, 21, 18, 4, 5))
        stamps = [format_time(base + t) for t in (0.1231, 0.1234, 0.1236, 1.1234)]
        self.assertEqual(
            stamps,
            [
                "2026-11-21T18:04:05.123Z",
                "2026-11-21T18:04:05.123Z",
                "2026-11-21T18:04:05.124Z",
                "2026-11-21T18:04:06.123Z",
            ],
        )
