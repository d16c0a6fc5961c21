"""Unit tests for the IRC door: raw IRC lines in, raw IRC lines out.

Real :class:`IRCProtocol` objects over ``StringTransport`` share one
:class:`DoorHub` (timers on a ``task.Clock``) with real line-protocol
sessions (:class:`tests.support.FakeClient`), so every test that crosses
doors checks what each kind of user would really see.
"""

from __future__ import annotations

from dataclasses import replace

from twisted.internet.address import IPv4Address
from twisted.internet.testing import StringTransport
from twisted.trial import unittest

from chatroom.core.model.config import ServerConfig
from chatroom.core.model.events import Message
from chatroom.doors.base.hub import DoorHub
from chatroom.doors.irc.protocol import IRCFactory, IRCPort, IRCProtocol
from tests.support import (
    NOW,
    FakeClient,
    SettlingClock,
    device,
    in_process_only,
    local_backend,
    local_server,
    settle,
)


class IRCClient:
    """One IRC client: a real ``IRCProtocol`` on a ``StringTransport``."""

    _next_port = 50000

    def __init__(self, factory: IRCFactory | IRCPort, host: str = "127.0.0.1") -> None:
        """``factory``: the door's, or one ``--irc`` port's (for ``sts``);
        ``host``: the address it connects from."""
        IRCClient._next_port += 1
        self.transport = StringTransport(
            peerAddress=IPv4Address("TCP", host, IRCClient._next_port)
        )
        self.session: IRCProtocol = factory.buildProtocol(None)
        self.session.makeConnection(self.transport)

    def send(self, *lines: str) -> None:
        for line in lines:
            self.session.dataReceived(line.encode("utf-8") + b"\r\n")
            settle()

    def received(self) -> list[str]:
        settle()
        data = self.transport.value()
        self.transport.clear()
        if not data:
            return []
        assert data.endswith(b"\r\n"), data
        return data.decode("utf-8").split("\r\n")[:-1]

    def numerics(self) -> list[str]:
        """The command (or numeric) of each line received."""
        return [line.split(" ")[1] for line in self.received()]

    @property
    def closing(self) -> bool:
        settle()
        return bool(self.transport.disconnecting)


class IRCTestCase(unittest.TestCase):
    """A server on a fake clock, with IRC and line-protocol users.

    The users of a test connect to :attr:`servers` in turn (:meth:`next_door`):
    here one in-process server; in :mod:`tests.cluster.two_nodes`, two nodes
    sharing a ``redis-server``, so the same test proves the cluster.
    """

    config = ServerConfig(rate=0)

    def setUp(self) -> None:
        self.clock = SettlingClock()
        self.clock.advance(NOW)
        self.servers = self.start_servers()
        self.server = self.servers[0]
        self.doors = [IRCFactory(server) for server in self.servers]
        self.factory = self.doors[0]
        self._turns = 0

    def start_servers(self) -> list[DoorHub]:
        """The servers the test's users share: one, on the in-process back-end."""
        return [local_server(self.config, self.clock)]

    def started(self) -> None:
        """Start the servers as the service does (their timers, the VAPID
        key read), for the tests that need it; two nodes always are."""
        for server in self.servers:
            server.start()
            self.addCleanup(server.stop)

    def _next(self) -> int:
        turn = self._turns % len(self.servers)
        self._turns += 1
        return turn

    def next_door(self) -> IRCFactory:
        """The IRC door the next user connects to (each server's in turn)."""
        return self.doors[self._next()]

    def next_server(self) -> DoorHub:
        """The server the next line user connects to (each in turn)."""
        return self.servers[self._next()]

    def msgid(self, room: str, event_id: int | str) -> str:
        """The ``msgid`` IRC clients see for ``room``'s stored event
        ``event_id`` (the line door's id)."""
        return self.factory.renderer.msgids.of(room, event_id)

    def irc(self, nick: str | None = None) -> IRCClient:
        """An IRC client, registered as ``nick`` if given."""
        client = IRCClient(self.next_door())
        if nick is not None:
            client.send(f"NICK {nick}", f"USER {nick} 0 * :{nick} Real")
            lines = client.received()
            self.assertIn(f":chatroom 001 {nick} ", lines[0])
        return client

    def line_room(self, owner: str, *nicks: str) -> tuple[FakeClient, list[IRCClient]]:
        """Room ``tea``, created by line user ``owner``, with IRC users
        ``nicks`` in it; everything they were sent so far is read."""
        line = self.line(owner)
        line.send("/create tea")
        clients = [self.irc(nick) for nick in nicks]
        for client in clients:
            client.send("JOIN #tea")
        for client in clients:
            client.received()
        line.received()
        return line, clients

    def line(self, name: str, room: str | None = None) -> FakeClient:
        client = FakeClient(self.next_server())
        client.send(name)
        if room is not None:
            client.send(f"/join {room}")
        client.received()
        return client


class IRCRegistrationTests(IRCTestCase):
    """NICK, USER, CAP and the welcome."""

    @in_process_only("the session the back-end holds for the name")
    def test_welcome(self) -> None:
        """001-005 then the MOTD; ISUPPORT says our name rules."""
        client = IRCClient(self.factory)
        client.send("NICK alice", "USER alice 0 * :Alice Liddell")
        lines = client.received()
        commands = [line.split(" ")[1] for line in lines]
        self.assertEqual(commands[:5], ["001", "002", "003", "004", "005"])
        self.assertEqual(commands[-1], "376")
        isupport = lines[4]
        for token in (
            "CASEMAPPING=rfc7613",
            "NICKLEN=32",
            "CHANTYPES=#",
            "CHANNELLEN=33",
        ):
            self.assertIn(token, isupport)
        self.assertEqual(
            device(local_backend(self.server).server.users["alice"]), client.session
        )

    def test_cap_holds_registration(self) -> None:
        """After CAP LS, registration waits for CAP END; an unknown
        capability is NAK."""
        client = IRCClient(self.factory)
        client.send("CAP LS 302", "NICK alice", "USER alice 0 * :A")
        *more, last = client.received()  # 302 continues a long list
        for line in more:
            self.assertTrue(line.startswith(":chatroom CAP * LS * :"), line)
        self.assertTrue(last.startswith(":chatroom CAP * LS :"), last)
        offered = [w for line in (*more, last) for w in line.split(" :")[1].split()]
        for cap in (
            "sasl=PLAIN,SCRAM-SHA-256",
            "away-notify",
            "draft/account-registration",
        ):
            self.assertIn(cap, offered)
        client.send("CAP REQ :chghost")
        self.assertEqual(client.received(), [":chatroom CAP * NAK :chghost"])
        client.send("CAP END")
        self.assertEqual(client.numerics()[0], "001")

    def test_nick_taken(self) -> None:
        """433 for a nick anyone holds (any door, any case); another works."""
        self.line("Alice")
        client = IRCClient(self.factory)
        client.send("NICK alice", "USER a 0 * :A")
        self.assertEqual(
            client.received(), [":chatroom 433 * alice :Nickname is already in use"]
        )
        client.send("NICK alice_")
        self.assertEqual(client.numerics()[0], "001")

    def test_bad_nicks(self) -> None:
        """432 for names we cannot hold: too long, or IRC punctuation."""
        client = IRCClient(self.factory)
        client.send("USER a 0 * :A")
        for nick in ("a" * 33, "[bracket]", "ni|ck"):
            client.send(f"NICK {nick}")
            (reply,) = client.received()
            self.assertTrue(reply.startswith(f":chatroom 432 * {nick} :"), reply)

    def test_commands_before_registering(self) -> None:
        """451 for anything but the registration commands."""
        client = IRCClient(self.factory)
        client.send("JOIN #tea", "FOO")
        self.assertEqual(client.numerics(), ["451", "451"])

    def test_password_for_a_plain_name(self) -> None:
        """PASS with a nick nobody registered: a plain name, and a notice
        saying the password signed in to nothing."""
        client = IRCClient(self.factory)
        client.send("PASS secret-words", "NICK alice", "USER a 0 * :A")
        lines = client.received()
        self.assertEqual(
            lines[0],
            ":chatroom NOTICE * :No account is registered as alice: the "
            "server password was not used, and you are not signed in",
        )
        self.assertIn(":chatroom 001 alice ", lines[1])
        self.assertEqual(self.server.registry.sessions.account_of(client.session), "")

    def test_nick_change_seen_once(self) -> None:
        """A rename reaches a member sharing two rooms once, both doors."""
        alice = self.irc("alice")
        bob = self.irc("bob")
        carol = self.line("carol", "general")
        alice.send("JOIN #general,#tea")
        bob.send("JOIN #general,#tea")
        for client in (alice, bob, carol):
            client.received()
        alice.send("NICK alicia")
        self.assertEqual(bob.received(), [":alice!alice@chatroom NICK :alicia"])
        self.assertEqual(alice.received(), [":alice!alice@chatroom NICK :alicia"])
        self.assertEqual(carol.received(), ["NICK alice alicia"])

    def test_a_renamed_user_is_not_sent_its_own_messages(self) -> None:
        """Without ``echo-message`` a client shows what it says itself:
        after a rename in a channel the server still sends it none of its
        own messages, and the others see them from the new nick."""
        alice, bob = self.irc("alice"), self.irc("bob")
        for client in (alice, bob):
            client.send("JOIN #tea")
        alice.send("PRIVMSG #tea :before")
        self.assertEqual(
            bob.received()[-1], ":alice!alice@chatroom PRIVMSG #tea :before"
        )
        alice.send("NICK alicia")
        alice.received()
        bob.received()
        alice.send("PRIVMSG #tea :after")
        said = ":alicia!alicia@chatroom PRIVMSG #tea :after"
        self.assertEqual(bob.received(), [said])
        self.assertEqual(alice.received(), [])

    def test_server_time_asked_in_a_channel_stamps_the_next_message(self) -> None:
        """A capability asked for once in a channel (``CAP REQ`` after
        registration) changes how the next message there reaches it."""
        alice, bob = self.irc("alice"), self.irc("bob")
        for client in (alice, bob):
            client.send("JOIN #tea")
        bob.send("PRIVMSG #tea :plain")
        self.assertEqual(alice.received()[-1], ":bob!bob@chatroom PRIVMSG #tea :plain")
        alice.send("CAP REQ :server-time")
        self.assertEqual(alice.received(), [":chatroom CAP alice ACK :server-time"])
        bob.send("PRIVMSG #tea :stamped")
        (line,) = alice.received()
        self.assertRegex(line, r"^@time=\S+Z :bob!bob@chatroom PRIVMSG #tea :stamped$")

    def test_nick_change_alone(self) -> None:
        """In no room, the NICK comes straight back."""
        alice = self.irc("alice")
        alice.send("NICK alicia")
        self.assertEqual(alice.received(), [":alice!alice@chatroom NICK :alicia"])


class ChannelTests(IRCTestCase):
    """JOIN, PART, PRIVMSG, NOTICE, TOPIC and friends, across doors."""

    @in_process_only("the room's owner as the back-end holds it")
    def test_join_creates_and_owns(self) -> None:
        """A channel with no room creates it; NAMES shows the creator as @."""
        alice = self.irc("alice")
        alice.send("JOIN #tea")
        self.assertEqual(
            alice.received(),
            [
                ":alice!alice@chatroom JOIN :#tea",
                ":chatroom 353 alice = #tea :@alice",
                ":chatroom 366 alice #tea :End of /NAMES list",
            ],
        )
        self.assertEqual(
            device(local_backend(self.server).rooms.by_key["tea"].owner), alice.session
        )

    def test_join_existing_with_topic_and_history(self) -> None:
        """Joining a native room: JOIN, topic with who set it when (333),
        NAMES, then history as the messages they were (from their nicks,
        their time in front), after the NAMES reply as Ergo sends it."""
        bob = self.line("bob")
        bob.send("/create tea")
        bob.send("/topic biscuits")
        bob.send("hello")
        bob.received()
        alice = self.irc("alice")
        alice.send("JOIN #tea,#general")
        lines = alice.received()
        self.assertEqual(
            lines[:6],
            [
                ":alice!alice@chatroom JOIN :#tea",
                ":chatroom 332 alice #tea :biscuits",
                f":chatroom 333 alice #tea bob :{int(self.clock.seconds())}",
                ":chatroom 353 alice = #tea :@bob alice",
                ":chatroom 366 alice #tea :End of /NAMES list",
                ":bob!bob@chatroom PRIVMSG #tea :[18:04] hello",
            ],
        )
        self.assertIn(":alice!alice@chatroom JOIN :#general", lines)
        self.assertEqual(bob.received(), ["JOIN tea alice"])

    @in_process_only("changes the in-process back-end's config")
    def test_join_errors(self) -> None:
        """471 full, 476 a bad name, 403 no #; joining twice says nothing."""
        self.server.config = replace(self.config, room_capacity=1)
        local_backend(self.server).config = self.server.config
        self.line("bob").send("/create full")
        alice = self.irc("alice")
        alice.send("JOIN #full,#bad!name,tea")
        lines = alice.received()
        self.assertEqual([line.split(" ")[1] for line in lines], ["471", "476", "403"])
        alice.send("JOIN #general", "JOIN #general")
        self.assertEqual(len(alice.received()), 3)  # JOIN, 353, 366 once

    def test_messages_both_ways(self) -> None:
        """IRC → line and IRC; line → IRC; no echo to the IRC sender. IRC's
        bold is stored as Markdown's and reaches IRC clients as bold."""
        alice, dave = self.irc("alice"), self.irc("dave")
        alice.send("JOIN #general")
        dave.send("JOIN #general")
        bob = self.line("bob", "general")
        alice.received(), dave.received()
        alice.send("PRIVMSG #general :hello \x02there\x02")
        self.assertEqual(alice.received(), [])
        self.assertEqual(
            dave.received(),
            [":alice!alice@chatroom PRIVMSG #general :hello \x02there\x02"],
        )
        (line,) = bob.received()
        self.assertRegex(line, r"^MSG general alice \S+ hello \*\*there\*\*$")
        bob.send("hi alice")
        self.assertEqual(
            alice.received(), [":bob!bob@chatroom PRIVMSG #general :hi alice"]
        )

    def test_actions_both_ways(self) -> None:
        """CTCP ACTION ↔ /me."""
        alice = self.irc("alice")
        alice.send("JOIN #general")
        bob = self.line("bob", "general")
        alice.received()
        alice.send("PRIVMSG #general :\x01ACTION waves\x01")
        self.assertRegex(bob.received()[0], r"^ACTION general alice \S+ waves$")
        bob.send("/me bows")
        self.assertEqual(
            alice.received(),
            [":bob!bob@chatroom PRIVMSG #general :\x01ACTION bows\x01"],
        )

    def test_private_messages(self) -> None:
        """PRIVMSG to a nick, both ways; 401 for nobody; other CTCP refused."""
        alice = self.irc("alice")
        bob = self.line("bob")
        alice.send("PRIVMSG bob :psst")
        self.assertRegex(bob.received()[0], r"^PRIVMSG alice bob \S+ psst$")
        self.assertEqual(alice.received(), [])
        bob.send("/msg alice hi")
        self.assertEqual(alice.received(), [":bob!bob@chatroom PRIVMSG alice :hi"])
        alice.send("PRIVMSG nobody :hi", "PRIVMSG bob :\x01VERSION\x01")
        self.assertEqual(
            alice.received(),
            [
                ":chatroom 401 alice nobody :No such nick/channel",
                ":chatroom NOTICE alice :CTCP VERSION is not relayed by this server",
            ],
        )

    def test_send_errors(self) -> None:
        """404 to a channel one is not in, 411/412; a NOTICE is never answered."""
        alice = self.irc("alice")
        alice.send("PRIVMSG #general :hi", "PRIVMSG", "PRIVMSG #general")
        self.assertEqual(alice.numerics(), ["404", "411", "412"])
        alice.send("NOTICE #general :hi", "NOTICE nobody :hi", "NOTICE")
        self.assertEqual(alice.received(), [])

    def test_notice_to_channel(self) -> None:
        """A NOTICE travels as a message (our protocol has one kind)."""
        alice = self.irc("alice")
        alice.send("JOIN #general")
        bob = self.line("bob", "general")
        alice.send("NOTICE #general :fyi")
        self.assertRegex(bob.received()[0], r"^MSG general alice \S+ fyi$")

    def test_part_and_quit(self) -> None:
        """PART is echoed and seen as PART (its words after ``left:`` at the
        line door); QUIT closes with ERROR."""
        alice = self.irc("alice")
        alice.send("JOIN #general")
        bob = self.line("bob", "general")
        alice.received()
        alice.send("PART #general :bye now")
        self.assertEqual(
            alice.received(), [":alice!alice@chatroom PART #general :bye now"]
        )
        self.assertEqual(bob.received(), ["PART general alice left: bye now"])
        alice.send("PART #general")
        self.assertEqual(alice.numerics(), ["442"])
        alice.send("JOIN #general")
        bob.received(), alice.received()
        alice.send("QUIT :gone fishing")
        self.assertEqual(bob.received(), ["PART general alice quit: gone fishing"])
        self.assertEqual(
            alice.received(), ["ERROR :Closing Link: 127.0.0.1 (Quit: gone fishing)"]
        )
        self.assertTrue(alice.closing)

    def test_topic(self) -> None:
        """TOPIC sets (everyone sees it, the setter too) and queries."""
        alice = self.irc("alice")
        alice.send("JOIN #general", "TOPIC #general")
        self.assertIn(":chatroom 331 alice #general :No topic is set", alice.received())
        bob = self.line("bob", "general")
        alice.received()
        alice.send("TOPIC #general :tea time")
        self.assertEqual(
            alice.received(), [":alice!alice@chatroom TOPIC #general :tea time"]
        )
        self.assertEqual(bob.received(), ["TOPIC general alice tea time"])
        alice.send("TOPIC #general")
        self.assertEqual(
            alice.received(),
            [
                ":chatroom 332 alice #general :tea time",
                f":chatroom 333 alice #general alice :{int(self.clock.seconds())}",
            ],
        )
        alice.send("TOPIC #nowhere :x")
        self.assertEqual(alice.numerics(), ["442"])
        alice.send("TOPIC #general :" + "x" * 301)
        self.assertEqual(
            alice.received(),
            [":chatroom NOTICE alice :BAD_ARGS topics are at most 300 characters"],
        )

    def test_list_names_who_whois(self) -> None:
        """LIST, NAMES, WHO and WHOIS describe rooms and users of every door."""
        self.line("bob", "general")
        alice = self.irc("alice")
        alice.send("JOIN #tea", "TOPIC #tea :cakes")
        alice.received()
        alice.send("LIST")
        self.assertEqual(
            alice.received(),
            [
                ":chatroom 321 alice Channel :Users  Name",
                ":chatroom 322 alice #general 1 :",
                ":chatroom 322 alice #tea 1 :cakes",
                ":chatroom 323 alice :End of /LIST",
            ],
        )
        alice.send("NAMES #general")
        self.assertEqual(alice.received()[0], ":chatroom 353 alice = #general :bob")
        alice.send("WHO #tea")
        self.assertEqual(
            alice.received(),
            [
                ":chatroom 352 alice #tea alice chatroom chatroom alice H@ "
                ":0 alice Real",
                ":chatroom 315 alice #tea :End of WHO list",
            ],
        )
        alice.send("WHOIS bob")
        self.assertEqual(alice.numerics(), ["311", "319", "312", "318"])
        alice.send("WHOIS nobody")
        self.assertEqual(alice.numerics(), ["401", "318"])

    def test_modes(self) -> None:
        """MODE shows +n (no room limit: the capacity is the server's); the
        ban list is empty; changing a mode is 482 with the core's reason for
        someone who may not."""
        alice = self.irc("alice")
        bob = self.irc("bob")
        alice.send("JOIN #tea")
        bob.send("JOIN #tea")
        alice.received(), bob.received()
        bob.send("MODE #tea", "MODE #tea b", "MODE #tea +k secret", "MODE #tea +o bob")
        self.assertEqual(
            bob.received(),
            [
                ":chatroom 324 bob #tea :+n",
                f":chatroom 329 bob #tea :{int(self.clock.seconds())}",
                ":chatroom 368 bob #tea :End of channel ban list",
                ":chatroom 482 bob #tea :only the owner and operators of tea can "
                "/set key",
                ":chatroom 482 bob #tea :only the owner of tea can /op",
            ],
        )
        alice.send("MODE #tea +q")
        self.assertEqual(alice.numerics(), ["472"])
        alice.send("MODE alice +i", "MODE alice", "MODE alice +x", "MODE bob")
        self.assertEqual(
            alice.received(),
            [
                ":alice!alice@chatroom MODE alice :+i",
                ":chatroom 221 alice :+i",
                ":chatroom 501 alice :Unknown MODE flag",
                ":chatroom 502 alice :Can't change mode for other users",
            ],
        )

    def test_owner_passes(self) -> None:
        """When the owner leaves, the new owner is announced as MODE +o."""
        bob, (alice,) = self.line_room("bob", "alice")
        bob.send("/leave")
        self.assertEqual(
            alice.received(),
            [
                ":bob!bob@chatroom PART #tea :left",
                ":chatroom MODE #tea +o :alice",
            ],
        )

    def test_room_deleted(self) -> None:
        """A deleted room: a notice, then the IRC user parts it."""
        bob, (alice,) = self.line_room("bob", "alice")
        bob.send("/delete tea")
        self.assertEqual(
            alice.received(),
            [
                ":chatroom NOTICE #tea :bob deleted the room",
                ":alice!alice@chatroom PART #tea :room deleted",
            ],
        )
        self.assertEqual(alice.session.rooms, {})

    @in_process_only("broadcasts an event straight into an in-process room")
    def test_rendered_once(self) -> None:
        """One event to many IRC members is rendered once, the same bytes."""
        clients = [self.irc(f"user{n}") for n in range(3)]
        for client in clients:
            client.send("JOIN #general")
        for client in clients:
            client.received()
        event = Message("general", "someone", "2026-11-21T18:04:05.500Z", "hi")
        local_backend(self.server).rooms.by_key["general"].broadcast(event)
        renderings = [event.encoded(self.factory.renderer.render)]
        self.assertEqual(len(event._encoded or {}), 1)
        for client in clients:
            self.assertEqual(client.transport.value(), renderings[0])
