"""The one encoding of typed events between cluster nodes
(chatroom.core.model.codec)."""

from __future__ import annotations

import json

from twisted.trial import unittest

from chatroom.core.model import codec, events, nodemessages
from chatroom.core.model.events import DepartureKind, MemberMode
from chatroom.core.model.hooks import Hook
from chatroom.core.moderation.modlog import ModAction, ModEntry

#: One event of every type that leaves the process, each field off its default.
EXAMPLES: list[codec.Encoded] = [
    events.Message(
        "tea", "bob", "T", "hi; there", True, (("reply", "3"),), "8", account="Bob"
    ),
    events.OperatorMessage(
        "tea", "bob", "T", frozenset({"alice", "carol"}), "psst", True, account="Bob"
    ),
    events.PrivateMessage(
        "bob", "alice", "T", "hello", (("notice", ""),), "2", account="Bob"
    ),
    events.Typing("tea", "bob", "active", True, account="Bob"),
    events.TagMessage("tea", "bob", (("+typing", "active"),), "T", "t7"),
    events.PrivateTagMessage("bob", "alice", (("+draft/react", "x"),), "T", "t8"),
    events.Joined("tea", "bob", account="Bob", realname="Bob Smith", away="lunch"),
    events.Departure(
        "tea", "bob", DepartureKind.KICK, "spam", "", "alice", account="Alice"
    ),
    events.Departure("tea", "bob", DepartureKind.PART, "", "coffee"),
    events.Departure("tea", "bob", DepartureKind.QUIT, "bye", own_words=True),
    events.Renamed("bob", "robert", account="Bob"),
    events.OwnerChanged("tea", "bob"),
    events.AccountChanged("bob", "Bob"),
    events.AwayChanged("bob", "lunch"),
    events.RealnameChanged("bob", "Bob Smith"),
    events.ProfileChanged("bob", "display-name", "Bob Smith"),
    events.RoomMetadataChanged("tea", "display-name", "Tea Room", "alice"),
    events.TopicChanged("tea", "bob", "oolong", "T", "9", account="Bob"),
    events.RoomDeleted("tea", "alice"),
    events.RoomRenamed("tea", "chai", "alice", "more spice"),
    events.RoomNotice("tea", "stored again"),
    events.Gap("tea", "?"),
    events.LeftElsewhere("tea"),
    events.MarkerMoved("tea", 42),
    events.NotifyChanged("tea", "none"),
    events.ModeChanged("tea", "bob", "alice", MemberMode.VOICE, account="Alice"),
    events.BanChanged("tea", "account:bob", "alice", banned=False, account="Alice"),
    events.SettingChanged(
        "tea", ("secret", "moderated"), ("on", "off"), "alice", account="Alice"
    ),
    events.Kicked("tea", "alice", "spam", account="Alice"),
    events.Invitation("tea", "bob", "alice", account="Alice"),
    events.Invited("tea", "alice", account="Alice"),
    events.Announcement("root", "maintenance at noon"),
    events.Wallops("root", "restarting soon"),
    events.LockdownChanged("accounts", "root", ("root", "boss")),
    events.ReportFiled(
        3, "tea", 8, "carol", "spam", "bob", "buy now", ("account:root",)
    ),
    events.ReportClosed(3, "tea", "alice", "warned", ("name:alice@t1",)),
    events.Edited("tea", "8", "bob", "T", "hi there", "10", account="Bob"),
    events.Redacted("tea", "8", "alice", "", "11", account="Alice"),
    events.Reaction("tea", "8", "carol", "👍", False, True, "12", account="Carol"),
    events.PinChanged("tea", "8", "alice", True, "the rules", account="Alice"),
    events.Preview(
        "tea",
        "8",
        "https://example.org/a",
        "A; b",
        "c\\nd",
        "https://example.org/i.png",
    ),
    events.CallStarted("tea", "c0ffee", "alice", "http://chat.example/"),
    events.CallJoined("tea", "c0ffee", "bob"),
    events.CallLeft("tea", "c0ffee", "bob"),
    events.CallEnded("tea", "c0ffee", "-", 754),
    events.CallMembers("tea", "c0ffee", ("alice", "bob")),
    events.CallMembersChanged("tea", "c0ffee", ("alice", "robert")),
    events.TurnGranted(600, "1764433445:alice", "pw/+=", ("turn:a:3478", "turns:b")),
    events.Signal("tea", "bob", '{"candidate": null}'),
    events.SearchResult("@bob", "2", "bob", "T", "hello"),
    ModEntry("T", "alice", ModAction.KICK, "bob", "spam"),
    Hook("tea", "ci", "s3cret", "alice"),
    events.PrivateRedacted("bob", "alice", "T", "hello", "2", "typo", account="Bob"),
    events.Watched("bob", events.Sighting.AWAY, "lunch", ("tea", "coffee")),
    nodemessages.EndSession("killed"),
    nodemessages.ShowRoom("tea"),
    nodemessages.EndDevice(2, "logged out"),
    nodemessages.NetworkBanned("ip:203.0.113.0/24", "0.000 root spam"),
    nodemessages.NetworkBanLifted("ip:203.0.113.0/24"),
    nodemessages.LockdownSet("accounts", "root"),
    nodemessages.IgnoresChanged("alice", ("mallory", "eve")),
    nodemessages.NewsHead(8, 2, "bob"),
    nodemessages.KickHead("n1:7"),
    nodemessages.StandHere("n2", ("robot", "weather")),
]


class CodecTests(unittest.TestCase):
    """Every typed event survives the trip through Redis as it was."""

    def test_every_type_round_trips(self) -> None:
        """Each example decodes to an equal value of the same type, and the
        list covers every type the codec knows."""
        for event in EXAMPLES:
            read = codec.decode(codec.encode(event))
            self.assertEqual(type(read), type(event))
            self.assertEqual(read, event)
        self.assertEqual({type(e) for e in EXAMPLES}, set(codec.TYPES.values()))

    def test_the_encoding_is_plain_json_with_named_fields(self) -> None:
        """What a Lua script or an operator reads: the type's name, then each
        field by name; enums as their value, a set sorted, tags as pairs."""
        data = codec.encode(EXAMPLES[7])
        self.assertEqual(
            json.loads(data),
            {
                "type": "Departure",
                "room": "tea",
                "user": "bob",
                "kind": "kick",
                "reason": "spam",
                "moved_to": "",
                "by": "alice",
                "own_words": False,
                "account": "Alice",
            },
        )
        audience = json.loads(codec.encode(EXAMPLES[1]))["audience"]
        self.assertEqual(audience, ["alice", "carol"])

    def test_a_reaction_and_a_deletion_carry_their_time_and_read_undated(
        self,
    ) -> None:
        """A reaction and a deletion carry the time they were accepted
        (what the age-out dates them by), before the author's account; one
        an older version stored without a time reads back undated and
        encodes again to the same bytes."""
        dated = events.Reaction("tea", "8", "carol", "x", time="T", id="12")
        self.assertEqual(
            codec.encode(dated),
            b'{"type":"Reaction","room":"tea","target":"8","user":"carol",'
            b'"reaction":"x","adding":true,"from_tags":false,"time":"T","id":"12"}',
        )
        self.assertEqual(codec.decode(codec.encode(dated)), dated)
        deleted = events.Redacted("tea", "8", "alice", time="T", account="A", id="9")
        self.assertEqual(codec.decode(codec.encode(deleted)), deleted)
        older = (
            b'{"type":"Redacted","room":"tea","target":"8","by":"alice",'
            b'"reason":"","id":"11"}'
        )
        read = codec.decode(older)
        assert isinstance(read, events.Redacted)
        self.assertEqual(read.time, "")
        self.assertEqual(codec.encode(read), older)

    def test_what_an_event_carries_for_its_rendering_is_left_out_when_empty(
        self,
    ) -> None:
        """A plain name's message and join encode as they did before events
        carried an account (a message stored then compares equal by its
        bytes); a signed-in author's account comes before the id."""
        said = events.Message("tea", "bob", "T", "hi", id="8")
        plain = (
            b'{"type":"Message","room":"tea","user":"bob","time":"T","text":"hi",'
            b'"action":false,"tags":[],"id":"8"}'
        )
        self.assertEqual(codec.encode(said), plain)
        self.assertEqual(codec.decode(plain), said)
        joined = events.Joined("tea", "bob")
        self.assertEqual(
            codec.encode(joined), b'{"type":"Joined","room":"tea","user":"bob"}'
        )
        said.account = "Bob"
        self.assertTrue(codec.encode(said).endswith(b',"account":"Bob","id":"8"}'))

    def test_unknown_types_and_fields_are_refused(self) -> None:
        """A node of another version is refused, not misread."""
        with self.assertRaises(ValueError):
            codec.decode(b'{"type":"Teleported","room":"tea"}')
        with self.assertRaises(ValueError):
            codec.decode(b'{"type":"Joined","room":"tea","user":"bob","x":1}')

    def test_damaged_entries_are_refused_not_half_read(self) -> None:
        """An entry cut short, with more after its object, or not an
        object is refused (a node logs and skips it), never read as the
        event its start holds."""
        joined = b'{"type":"Joined","room":"tea","user":"bob"}'
        for damaged in (joined[:-1], joined + b"x", joined + b" {}", b'{"type"]'):
            with self.assertRaises(ValueError, msg=damaged):
                codec.decode(damaged)
        self.assertEqual(
            codec.decode(b' {"type":"Joined","room":"tea","user":"bob"} '),
            events.Joined("tea", "bob"),
        )

    def test_fields_read_as_json_gives_them_and_fields_converted_mix(self) -> None:
        """An event whose fields are all as JSON gives them (a join) and
        one with fields to convert (a departure's kind, a message's tags)
        decode alike."""
        left = events.Departure("tea", "bob", DepartureKind.KICK, "spam", by="ann")
        said = events.Message("tea", "bob", "T", "hi", tags=(("a", "1"),))
        for event in (events.Joined("tea", "bob", account="Bob"), left, said):
            self.assertEqual(codec.decode(codec.encode(event)), event)
        decoded = codec.decode(codec.encode(left))
        assert isinstance(decoded, events.Departure)
        self.assertIs(decoded.kind, DepartureKind.KICK)


class CanonicalTests(unittest.TestCase):
    """What a script compares and numbers: the encoding's bytes."""

    def test_encoding_a_decoded_event_gives_the_same_bytes(self) -> None:
        """A node compares a stored message with the one it read by its
        bytes (an edit's target): the encoding is canonical."""
        for event in EXAMPLES:
            data = codec.encode(event)
            self.assertEqual(codec.encode(codec.decode(data)), data)

    def test_a_stored_event_awaiting_its_number_ends_with_its_empty_id(self) -> None:
        """A script numbers a stored event by filling its last field; one
        numbered already is refused."""
        said = events.Message("tea", "bob", "T", "hi")
        data = codec.unnumbered(said)
        self.assertTrue(data.endswith(codec.UNNUMBERED_END))
        numbered = data[: -len(b'""}')] + b'"8"}'
        self.assertEqual(
            codec.decode(numbered), events.Message("tea", "bob", "T", "hi", id="8")
        )
        with self.assertRaises(ValueError):
            codec.unnumbered(events.Message("tea", "bob", "T", "hi", id="3"))
