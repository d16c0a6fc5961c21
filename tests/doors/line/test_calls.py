"""Calls at the line door: ``/call``, its events and every refusal
(docs/protocol.md, "Calls"), on one process's server."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from chatroom.core.calls.turn import credentials
from chatroom.core.model.config import ServerConfig
from chatroom.wire.calls import SIGNAL_LINE_MAX
from chatroom.wire.lines import parse_event
from tests.support import NOW, ProtocolTestCase

OFFER = json.dumps({"description": {"type": "offer", "sdp": "v=0 secret-sdp-words"}})


def call_of(line: str) -> str:
    """The call id a ``CALL`` or ``CALL_MEMBERS`` line names."""
    return parse_event(line).field("call")


class CallTests(ProtocolTestCase):
    """A room's call, started, joined, left and ended."""

    def start(self, room: str = "tea", *names: str) -> tuple[list, str]:
        clients = self.create(room, *names)
        clients[0].send("/call start")
        lines = clients[0].received()
        return clients, call_of(lines[0])

    def test_start_tells_every_member(self) -> None:
        """``/call start``: every member hears ``CALL started`` (no page
        address: ``-``), the starter then ``CALL_MEMBERS`` naming itself."""
        alice, bob = self.create("tea", "alice", "bob")
        alice.send("/call start")
        lines = alice.received()
        call = call_of(lines[0])
        self.assertTrue(call.isalnum())
        self.assertEqual(
            lines,
            [f"CALL tea {call} started alice -", f"CALL_MEMBERS tea {call} alice"],
        )
        self.assertEqual(bob.received(), [f"CALL tea {call} started alice -"])
        bob.send("/call")
        self.assertEqual(bob.received(), [f"CALL_MEMBERS tea {call} alice"])

    def test_join_and_members_in_order(self) -> None:
        """``/call join``: every member hears ``joined``, the joiner then the
        participants, itself last; ``/call ROOM`` lists them too."""
        (alice, bob, carol), call = self.start("tea", "alice", "bob", "carol")
        bob.received(), carol.received()
        bob.send("/call join")
        joined = f"CALL tea {call} joined bob"
        self.assertEqual(bob.received(), [joined, f"CALL_MEMBERS tea {call} alice bob"])
        self.assertEqual(alice.received(), [joined])
        self.assertEqual(carol.received(), [joined])
        carol.send("/call tea")
        self.assertEqual(carol.received(), [f"CALL_MEMBERS tea {call} alice bob"])

    def test_start_while_on_joins_it(self) -> None:
        """A second ``/call start`` joins the call already on."""
        (_alice, bob), call = self.start("tea", "alice", "bob")
        bob.received()
        bob.send("/call start")
        self.assertEqual(
            bob.received(),
            [f"CALL tea {call} joined bob", f"CALL_MEMBERS tea {call} alice bob"],
        )

    def test_leave_and_end(self) -> None:
        """``/call leave``: ``left``; the last one's also ``ended`` with the
        seconds it lasted; then ``/call`` answers ``-``."""
        (alice, bob), call = self.start("tea", "alice", "bob")
        bob.send("/call join")
        alice.received(), bob.received()
        alice.send("/call leave")
        left = f"CALL tea {call} left alice"
        self.assertEqual(alice.received(), [left])
        self.assertEqual(bob.received(), [left])
        alice.send("/call")
        self.assertEqual(alice.received(), [f"CALL_MEMBERS tea {call} bob"])
        self.clock.advance(95)  # within --ping-interval: no PING between
        bob.send("/call leave")
        ended = [f"CALL tea {call} left bob", f"CALL tea {call} ended bob 95"]
        self.assertEqual(bob.received(), ended)
        self.assertEqual(alice.received(), ended)
        alice.send("/call")
        self.assertEqual(alice.received(), ["CALL_MEMBERS tea -"])
        alice.send("/call start")
        self.assertNotEqual(call_of(alice.received()[0]), call)

    def test_refusals(self) -> None:
        """Outsiders get ``NOT_IN_ROOM``; ``/call join`` with none on
        ``NO_SUCH_CALL``; ``/call leave`` in none ``NO_SUCH_CALL``; a second
        call ``NOT_ALLOWED``; nobody else hears any of it."""
        alice, bob = self.create("tea", "alice", "bob")
        (olga,) = self.create("other", "olga")
        alice.send("/call join")
        self.assertError(alice, "NO_SUCH_CALL")
        alice.send("/call leave")
        self.assertError(alice, "NO_SUCH_CALL")
        alice.send("/call start")
        call = call_of(alice.received()[0])
        bob.received()
        for line in ("/call tea", "/call join tea", "/call start tea"):
            olga.send(line)
            self.assertError(olga, "NOT_IN_ROOM")
        alice.send("/call start")
        self.assertError(alice, "NOT_ALLOWED")
        self.assertEqual(bob.received(), [])  # nobody else heard any of it
        olga.send("/call start")
        olga.received()
        olga.send("/join tea")
        lines = olga.received()
        self.assertEqual(lines[-1], f"CALL_MEMBERS tea {call} alice")
        olga.send("/call join tea")  # her call ended as she left its room
        self.assertIn(f"CALL_MEMBERS tea {call} alice olga", olga.received())
        lobby = self.connect("lou")
        lobby.send("/call")
        self.assertError(lobby, "NOT_IN_ROOM")

    def test_leaving_the_room_leaves_the_call(self) -> None:
        """``/leave``, ``/quit`` and a lost connection take a participant out,
        and the last one's end the call."""
        (alice, bob, carol), call = self.start("tea", "alice", "bob", "carol")
        for client in (bob, carol):
            client.send("/call join")
        alice.received(), bob.received(), carol.received()
        bob.send("/leave")
        self.assertIn(f"CALL tea {call} left bob", alice.received())
        carol.send("/quit bye")
        self.assertIn(f"CALL tea {call} left carol", alice.received())
        alice.lose()
        (mel,) = self.create("tea", "mel")
        mel.send("/call")
        self.assertEqual(mel.received(), ["CALL_MEMBERS tea -"])

    def test_kick_leaves_the_call(self) -> None:
        alice, bob = self.create("tea", "alice", "bob")
        bob.send("/call start")
        call = call_of(bob.received()[0])
        alice.received()
        alice.send("/kick bob")
        lines = alice.received()
        self.assertIn(f"CALL tea {call} left bob", lines)
        self.assertIn(f"CALL tea {call} ended bob 0", lines)

    def test_nothing_stored(self) -> None:
        """A call leaves nothing in the room's history."""
        (alice, bob), call = self.start("tea", "alice", "bob")
        alice.send("/call leave")
        alice.received(), bob.received()
        (carol,) = self.create("tea", "carol")
        carol.send("/history tea")
        self.assertFalse([line for line in carol.received() if call in line])


class SignalTests(ProtocolTestCase):
    """``/call signal``: to the one participant named, never anyone else."""

    def call(self) -> tuple:
        alice, bob, mel = self.create("tea", "alice", "bob", "mel")
        (olga,) = self.create("other", "olga")
        alice.send("/call start")
        bob.send("/call join")
        for client in (alice, bob, mel):
            client.received()
        return alice, bob, mel, olga

    def test_relayed_to_addressee_alone(self) -> None:
        alice, bob, mel, olga = self.call()
        alice.send(f"/call signal bob {OFFER}")
        self.assertEqual(alice.received(), [])
        self.assertEqual(bob.received(), [f"SIGNAL tea alice {OFFER}"])
        self.assertEqual(mel.received(), [])
        self.assertEqual(olga.received(), [])

    def test_refused(self) -> None:
        """Not both in one call: ``NOT_ALLOWED``; not one JSON object:
        ``BAD_ARGS``; nobody hears the refused words."""
        alice, bob, mel, olga = self.call()
        olga.send(f"/call signal alice {OFFER}")
        self.assertError(olga, "NOT_ALLOWED")
        mel.send(f"/call signal alice {OFFER}")
        self.assertError(mel, "NOT_ALLOWED")
        alice.send(f"/call signal mel {OFFER}")
        self.assertError(alice, "NOT_ALLOWED")
        for text in ("[1, 2]", "not json", '"a string"'):
            alice.send(f"/call signal bob {text}")
            self.assertError(alice, "BAD_ARGS")
        for client in (alice, bob, mel, olga):
            self.assertFalse(
                [line for line in client.received() if "secret-sdp" in line]
            )

    def test_long_signal_lines(self) -> None:
        """A ``/call signal`` line may be up to 32 KiB whatever ``--max-line``
        says; longer is ``BAD_ARGS``; any other line keeps ``--max-line``."""
        alice, bob, _mel, _olga = self.call()
        sdp = "a" * 9000
        offer = json.dumps({"description": {"type": "offer", "sdp": sdp}})
        alice.send(f"/call signal bob {offer}")
        self.assertEqual(bob.received(), [f"SIGNAL tea alice {offer}"])
        alice.send("x" * 5000)
        self.assertError(alice, "LINE_TOO_LONG")
        huge = json.dumps({"candidate": "b" * SIGNAL_LINE_MAX})
        alice.send(f"/call signal bob {huge}")
        self.assertError(alice, "BAD_ARGS")
        self.assertEqual(bob.received(), [])

    def test_after_leaving_refused(self) -> None:
        alice, bob, mel, _olga = self.call()
        mel.send("/call join")
        mel.received(), alice.received(), bob.received()
        mel.send("/leave")
        mel.received()
        self.assertIn(
            f"CALL tea {call_of(bob.received()[-1])} left mel", alice.received()
        )
        mel.send(f"/call signal alice {OFFER}")
        self.assertError(mel, "NOT_ALLOWED")
        alice.send(f"/call signal bob {OFFER}")
        self.assertEqual(bob.received(), [f"SIGNAL tea alice {OFFER}"])


class TurnTests(ProtocolTestCase):
    """``TURN`` with ``--turn-uri``: coturn's REST credentials."""

    config = ServerConfig(
        rate=0,
        turn_uri=("turn:127.0.0.1:3478", "turns:turn.example.org:5349?transport=tcp"),
        turn_secret="s3cret",
        turn_ttl=600,
    )

    def test_turn_line_before_members(self) -> None:
        alice, bob = self.create("tea", "alice", "bob")
        alice.send("/call start")
        lines = alice.received()
        turn = parse_event(lines[1])
        self.assertEqual(turn.name, "TURN")
        self.assertEqual(turn.field("seconds"), "600")
        username, password = turn.field("username"), turn.field("password")
        self.assertEqual(username, f"{int(NOW) + 600}:alice")
        expected = base64.b64encode(
            hmac.new(b"s3cret", username.encode(), hashlib.sha1).digest()
        ).decode()
        self.assertEqual(password, expected)
        self.assertEqual(turn.listed, self.config.turn_uri)
        self.assertTrue(lines[2].startswith("CALL_MEMBERS tea "))
        self.assertFalse([line for line in bob.received() if line.startswith("TURN")])


class CredentialTests(ProtocolTestCase):
    def test_coturn_formula(self) -> None:
        """coturn's documented example (turnserver's README: secret
        ``north``...): the password is base64(HMAC-SHA1(secret, username))."""
        made = credentials("logen", "bob", 1600000000, 3600)
        self.assertEqual(made.username, "1600003600:bob")
        digest = hmac.new(b"logen", b"1600003600:bob", hashlib.sha1).digest()
        self.assertEqual(made.password, base64.b64encode(digest).decode())


class DevicesTests(ProtocolTestCase):
    """A participant is one connection: an account's second device is
    refused, and its first's connection lost leaves the call."""

    def test_second_device_refused(self) -> None:
        password = "correct horse battery staple"
        laptop = self.connect("alice")
        laptop.send(f"/register {password}")
        laptop.send("/caps multi")
        laptop.send("/create tea")
        phone = self.connect()
        phone.send(f"/login alice {password}")
        phone.send("/caps multi")
        (bob,) = self.join("tea", "bob")
        laptop.received(), phone.received()
        laptop.send("/call start tea")
        call = call_of(laptop.received()[0])
        phone.received()
        phone.send("/call join tea")
        self.assertError(phone, "NOT_ALLOWED")
        bob.received()
        phone.send(f"/call signal bob {OFFER}")  # the phone is in no call
        self.assertError(phone, "NOT_ALLOWED")
        self.assertEqual(bob.received(), [])
        laptop.lose()
        ended = [f"CALL tea {call} left alice", f"CALL tea {call} ended alice 0"]
        self.assertEqual(bob.received(), ended)
        self.assertEqual(phone.received(), ended)  # still in the room
        phone.send("/call join tea")
        self.assertError(phone, "NO_SUCH_CALL")
