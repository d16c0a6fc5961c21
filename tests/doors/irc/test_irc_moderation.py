"""Unit tests for IRC's side of accounts, moderation and server admins.

As in :mod:`tests.doors.irc.test_irc`: real IRC sessions and real line-protocol
sessions on ``StringTransport`` share one server on a ``task.Clock``, so
each test checks the lines each kind of user really gets, both ways
across the doors. Passwords are hashed in place with a cheap Argon2id.
"""

from __future__ import annotations

import base64
from dataclasses import replace
from typing import cast

from argon2 import PasswordHasher
from twisted.internet.defer import Deferred
from twisted.logger import ILogObserver, globalLogPublisher

from chatroom.core.model.config import ServerConfig
from chatroom.core.model.errors import ChatError
from chatroom.core.policy.moderation import Actor
from chatroom.doors.irc.moderation import ban_target
from tests.doors.irc.test_irc import IRCClient, IRCTestCase
from tests.support import FakeClient, chat_core, in_process_only, local_backend

PASSWORD = "correct-horse"


class AccountsCase(IRCTestCase):
    """An IRC test case whose server hashes cheaply and can make accounts."""

    def setUp(self) -> None:
        super().setUp()
        self.server.registry.accounts.hasher = PasswordHasher(
            time_cost=1, memory_cost=8, parallelism=1
        )
        # SCRAM's keys at RFC 7677's floor: these tests do not time PBKDF2.
        self.server.registry.accounts.scram_iterations = 4096

    def account(self, name: str, password: str = PASSWORD) -> None:
        """Register ``name`` from a line session that then quits."""
        client = FakeClient(self.server)
        client.send(name)
        client.send(f"/register {password}")
        self.assertIn(f"REGISTERED {name}", client.received())
        client.send("/quit")

    def signed_in(self, nick: str, password: str = PASSWORD) -> IRCClient:
        """An IRC client signed in with PASS, its welcome read."""
        client = IRCClient(self.factory)
        client.send(f"PASS {password}", f"NICK {nick}", f"USER {nick} 0 * :{nick}")
        lines = client.received()
        self.assertIn(f":chatroom 001 {nick} ", lines[0])
        return client


class IRCModerationSignInTests(AccountsCase):
    """PASS, SASL and names that belong to accounts."""

    def test_pass_signs_in(self) -> None:
        """PASS with NICK the account: welcome, 900, and signed in."""
        self.account("alice")
        client = IRCClient(self.factory)
        client.send(f"PASS {PASSWORD}", "NICK alice", "USER a 0 * :A")
        lines = client.received()
        self.assertIn(":chatroom 001 alice ", lines[0])
        self.assertEqual(
            lines[-1],
            ":chatroom 900 alice alice!alice@chatroom alice "
            ":You are now logged in as alice",
        )
        self.assertEqual(
            self.server.registry.sessions.account_of(client.session), "alice"
        )

    def test_pass_names_the_account(self) -> None:
        """PASS account:password signs in whatever the nick."""
        self.account("alice")
        client = IRCClient(self.factory)
        client.send(f"PASS alice:{PASSWORD}", "NICK ally", "USER a 0 * :A")
        self.assertIn(":chatroom 001 ally ", client.received()[0])
        self.assertEqual(
            self.server.registry.sessions.account_of(client.session), "alice"
        )

    @in_process_only("the in-process back-end's users")
    def test_wrong_password(self) -> None:
        """464 and the link closes; the name stays free."""
        self.account("alice")
        client = IRCClient(self.factory)
        client.send("PASS not-the-one", "NICK alice", "USER a 0 * :A")
        self.assertEqual(
            client.received(),
            [
                ":chatroom 464 * :Password incorrect",
                "ERROR :Closing Link: 127.0.0.1 (Password incorrect)",
            ],
        )
        self.assertTrue(client.closing)
        self.assertNotIn("alice", local_backend(self.server).server.users)

    def test_guessing_is_slowed(self) -> None:
        """After five failures, the next try is refused before any check,
        with the wait; once it has passed, the right password works."""
        self.account("alice")
        for _ in range(5):
            client = IRCClient(self.factory)
            client.send("PASS guess-guess", "NICK alice", "USER a 0 * :A")
            self.assertEqual(client.numerics()[0], "464")
        client = IRCClient(self.factory)
        client.send(f"PASS {PASSWORD}", "NICK alice", "USER a 0 * :A")
        notice, error = client.received()
        self.assertIn(
            "NOTICE * :RATE_LIMITED too many failed sign-ins from your address", notice
        )
        self.assertTrue(error.startswith("ERROR :Closing Link: 127.0.0.1 (too many"))
        self.clock.advance(2)
        self.signed_in("alice")

    def test_registered_nick_needs_its_password(self) -> None:
        """433 saying why for a registered nick, at registration and NICK."""
        self.account("alice")
        client = IRCClient(self.factory)
        client.send("NICK alice", "USER a 0 * :A")
        (refusal,) = client.received()
        self.assertEqual(
            refusal,
            ":chatroom 433 * alice :Nickname is registered to an account: to use "
            "it, connect with its password as the server password (PASS)",
        )
        client.send("NICK alice_")
        self.assertEqual(client.numerics()[0], "001")
        client.send("NICK Alice")
        self.assertIn("433 alice_ Alice :Nickname is registered", client.received()[0])

    @in_process_only("the in-process back-end's seat of the account")
    def test_signing_in_elsewhere_adds_a_device(self) -> None:
        """An IRC sign-in to an account a line session is signed in to is
        one more device: nobody is closed, the room hears no PART, and the
        IRC session is joined to the account's rooms as a bouncer would; a
        line /login after it is a third device."""
        self.account("alice")
        line = FakeClient(self.server)
        line.send(f"/login alice {PASSWORD}")
        line.send("/join general")
        bob = self.line("bob", "general")
        line.received()
        irc = IRCClient(self.factory)
        irc.send(f"PASS {PASSWORD}", "NICK alice", "USER alice 0 * :alice")
        joined = irc.received()
        self.assertIn(":alice!alice@chatroom JOIN :#general", joined)
        self.assertTrue(any(" 353 alice = #general :" in x for x in joined), joined)
        self.assertFalse(line.closing)
        self.assertFalse([x for x in line.received() if x.startswith("BYE")])
        self.assertFalse([x for x in bob.received() if x.startswith("PART")])
        again = FakeClient(self.server)
        again.send(f"/login alice {PASSWORD}")
        self.assertFalse(irc.closing)
        seat = local_backend(self.server).server.users["alice"]
        self.assertEqual(len(getattr(seat, "devices", ())), 3)
        bob.send("hello alice")
        self.assertTrue(
            any(x.endswith("PRIVMSG #general :hello alice") for x in irc.received())
        )

    def test_sasl_plain(self) -> None:
        """CAP REQ sasl, AUTHENTICATE PLAIN: 900 and 903, then registration."""
        self.account("alice")
        client = IRCClient(self.factory)
        client.send("CAP LS 302", "NICK alice", "USER a 0 * :A", "CAP REQ :sasl")
        *offer, ack = client.received()  # CAP LS 302 over two lines
        offered = [word.lstrip(":") for word in " ".join(offer).split()]
        self.assertIn("sasl=PLAIN,SCRAM-SHA-256", offered)
        self.assertEqual(ack, ":chatroom CAP * ACK :sasl")
        client.send("AUTHENTICATE PLAIN")
        self.assertEqual(client.received(), ["AUTHENTICATE +"])
        wrong = base64.b64encode(b"\0alice\0nope-nope").decode()
        client.send(f"AUTHENTICATE {wrong}")
        self.assertEqual(
            client.received(),
            [":chatroom 904 * :SASL authentication failed: wrong password"],
        )
        right = base64.b64encode(f"alice\0alice\0{PASSWORD}".encode()).decode()
        client.send("AUTHENTICATE PLAIN", f"AUTHENTICATE {right}")
        self.assertEqual(
            client.received()[1:],
            [
                ":chatroom 900 * alice!alice@chatroom alice "
                ":You are now logged in as alice",
                ":chatroom 903 * :SASL authentication successful",
            ],
        )
        client.send("CAP END")
        lines = client.received()
        self.assertIn(":chatroom 001 alice ", lines[0])
        self.assertNotIn(" 900 ", "".join(lines))  # said once, already
        self.assertEqual(
            self.server.registry.sessions.account_of(client.session), "alice"
        )

    def test_sasl_message_of_two_full_lines_waits_for_plus(self) -> None:
        """A PLAIN message of exactly 800 base64 bytes (two full lines, as
        irctest testPlainLarge800 sends) is answered once, after the
        closing ``AUTHENTICATE +``, not after its second line; a third full
        line is too long."""
        self.account("alice")
        client = IRCClient(self.factory)
        client.send("CAP LS 302", "NICK alice", "USER a 0 * :A", "CAP REQ :sasl")
        client.received()
        payload = base64.b64encode(b"alice\0alice\0" + b"x" * 588).decode()
        self.assertEqual(len(payload), 800)
        client.send("AUTHENTICATE PLAIN")
        self.assertEqual(client.received(), ["AUTHENTICATE +"])
        client.send(f"AUTHENTICATE {payload[:400]}", f"AUTHENTICATE {payload[400:]}")
        self.assertEqual(client.received(), [])
        client.send("AUTHENTICATE +")
        self.assertEqual(
            client.received(),
            [":chatroom 904 * :SASL authentication failed: wrong password"],
        )
        client.send("AUTHENTICATE PLAIN")
        self.assertEqual(client.received(), ["AUTHENTICATE +"])
        client.send(*(f"AUTHENTICATE {payload[:400]}",) * 3)
        self.assertEqual(
            client.received(), [":chatroom 904 * :SASL authentication failed: too long"]
        )

    def test_passwords_are_never_logged(self) -> None:
        """Neither a right nor a wrong password appears in any log event."""
        events: list[dict[str, object]] = []
        observer = cast(ILogObserver, events.append)
        globalLogPublisher.addObserver(observer)
        self.addCleanup(globalLogPublisher.removeObserver, observer)
        self.account("alice")
        IRCClient(self.factory).send("PASS wrong-guess", "NICK alice", "USER a 0 * :A")
        self.signed_in("alice")
        IRCClient(self.factory).send(
            f"PASS alice:{PASSWORD}x", "NICK al", "USER a 0 * :A"
        )
        self.assertTrue(any("signed in" in repr(e) for e in events), events)
        for event in events:
            text = repr(event)
            self.assertNotIn(PASSWORD, text)
            self.assertNotIn("wrong-guess", text)


class RequireAccountTests(AccountsCase):
    config = ServerConfig(rate=0, require_account=True)

    def test_plain_nick_refused(self) -> None:
        """--require-account: a plain nick is told how to sign in, and closed;
        PASS gets in."""
        client = IRCClient(self.factory)
        client.send("NICK carol", "USER c 0 * :C")
        fail, notice, error = client.received()
        self.assertEqual(
            fail,
            ":chatroom FAIL * ACCOUNT_REQUIRED :this server requires an account",
        )
        self.assertIn(":chatroom NOTICE * :This server requires an account", notice)
        self.assertEqual(error, "ERROR :Closing Link: 127.0.0.1 (Account required)")
        self.server.config = replace(self.config, require_account=False)
        chat_core(self.server).reconfigure(self.server.config)
        self.account("alice")
        self.server.config = self.config
        chat_core(self.server).reconfigure(self.config)
        self.signed_in("alice")


class IRCModerationTests(AccountsCase):
    """KICK, MODE, JOIN keys and INVITE, both ways across the doors."""

    def room(self) -> tuple[IRCClient, IRCClient, FakeClient]:
        """IRC alice owns #tea; IRC carol and line bob are in it."""
        alice, carol = self.irc("alice"), self.irc("carol")
        alice.send("JOIN #tea")
        carol.send("JOIN #tea")
        bob = self.line("bob", "tea")
        alice.received(), carol.received()
        return alice, carol, bob

    def test_irc_kicks_line_user(self) -> None:
        """The IRC owner's KICK: IRC sees KICK, the line user KICKED and the
        room list, the others KICK."""
        alice, carol, bob = self.room()
        alice.send("KICK #tea bob :too loud")
        expected = [":alice!alice@chatroom KICK #tea bob :too loud"]
        self.assertEqual(alice.received(), expected)
        self.assertEqual(carol.received(), expected)
        lines = bob.received()
        self.assertEqual(lines[0], "KICKED tea alice too loud")
        self.assertTrue(lines[1].startswith("ROOMS "))

    def test_line_user_kicks_irc_user(self) -> None:
        """An IRC user kicked sees KICK to their own nick and is out of the
        channel (no PART on top); others see KICK."""
        bob, (carol, dave) = self.line_room("bob", "carol", "dave")
        bob.send("/kick carol flooding")
        self.assertEqual(bob.received(), ["KICK tea carol bob flooding"])
        expected = [":bob!bob@chatroom KICK #tea carol :flooding"]
        self.assertEqual(carol.received(), expected)
        self.assertEqual(dave.received(), expected)
        self.assertEqual(carol.session.rooms, {})
        carol.send("PRIVMSG #tea :still here?")
        self.assertEqual(carol.numerics(), ["404"])

    def test_kick_refusals(self) -> None:
        """482 for a member who may not; 441 for a nick not in the channel;
        the owner cannot be kicked, even by an operator."""
        alice, carol, bob = self.room()
        carol.send("KICK #tea bob")
        self.assertEqual(
            carol.received(),
            [":chatroom 482 carol #tea :only the owner and operators of tea can /kick"],
        )
        alice.send("KICK #tea nobody,carol :out")
        lines = alice.received()
        self.assertEqual(
            lines[0], ":chatroom 441 alice nobody #tea :They aren't on that channel"
        )
        self.assertEqual(lines[1], ":alice!alice@chatroom KICK #tea carol :out")
        alice.send("MODE #tea +o bob")
        bob.received()
        bob.send("/kick alice")
        self.assertEqual(
            bob.received(), ["ERR NOT_ALLOWED alice owns tea: nobody can kick them"]
        )

    def test_op_and_deop(self) -> None:
        """MODE +o/-o is /op and /deop: both doors see it; NAMES and WHO show
        operators as @; an operator may then kick."""
        alice, carol, bob = self.room()
        alice.send("MODE #tea +o carol")
        expected = [":alice!alice@chatroom MODE #tea +o :carol"]
        self.assertEqual(alice.received(), expected)
        self.assertEqual(carol.received(), expected)
        self.assertEqual(bob.received(), ["OP tea carol alice"])
        carol.send("NAMES #tea", "WHO #tea")
        lines = carol.received()
        self.assertEqual(lines[0], ":chatroom 353 carol = #tea :@alice @carol bob")
        self.assertIn(" carol H@ :0 carol", lines[3])
        carol.send("KICK #tea bob")
        self.assertEqual(
            carol.received(), [":carol!carol@chatroom KICK #tea bob :carol"]
        )
        alice.received()
        alice.send("MODE #tea -o carol", "MODE #tea -o carol")
        self.assertEqual(
            alice.received(),
            [
                ":alice!alice@chatroom MODE #tea -o :carol",
                ":chatroom NOTICE alice :BAD_ARGS carol is not an operator of tea",
            ],
        )

    def test_room_given_away(self) -> None:
        """An admin gives the room to carol's account: IRC members see
        alice's -o and carol's +o in one MODE. Given on to an account whose
        user is elsewhere, they see carol lose her mark and no mark for a
        nick that is not in the channel; NAMES agrees."""
        self.account("carol")
        self.account("dave")
        alice = self.irc("alice")
        carol = self.signed_in("carol")
        alice.send("JOIN #tea")
        carol.send("JOIN #tea")
        alice.received(), carol.received()
        admin = Actor("root", "root", admin=True)
        self.successResultOf(
            Deferred.fromCoroutine(
                self.server.registry.moderation.give_room_as(admin, "tea", "carol")
            )
        )
        expected = [":chatroom MODE #tea -o+o alice :carol"]
        self.assertEqual(alice.received(), expected)
        self.assertEqual(carol.received(), expected)
        self.successResultOf(
            Deferred.fromCoroutine(
                self.server.registry.moderation.give_room_as(admin, "tea", "dave")
            )
        )
        self.assertEqual(alice.received(), [":chatroom MODE #tea -o :carol"])
        alice.send("NAMES #tea")
        self.assertEqual(alice.received()[0], ":chatroom 353 alice = #tea :alice carol")

    def test_line_op_shown_as_mode(self) -> None:
        """A line owner's /op of an IRC user is MODE +o from them."""
        bob, (carol,) = self.line_room("bob", "carol")
        bob.send("/op carol")
        self.assertEqual(carol.received(), [":bob!bob@chatroom MODE #tea +o :carol"])

    def test_bans(self) -> None:
        """+b kicks the user and keeps them out (474); the list is 367/368 in
        IRC masks; -b lets them back."""
        alice, carol, bob = self.room()
        alice.send("MODE #tea +b carol!*@*")
        self.assertEqual(
            carol.received(),
            [
                ":alice!alice@chatroom MODE #tea +b :carol!*@*",
                ":alice!alice@chatroom KICK #tea carol :banned",
            ],
        )
        self.assertEqual(bob.received()[0], "BAN tea name:carol alice")
        carol.send("JOIN #tea")
        self.assertEqual(
            carol.received(),
            [
                ":chatroom 474 carol #tea :Cannot join channel (+b): "
                "you are banned from tea"
            ],
        )
        self.account("dave")
        alice.send("MODE #tea +b $a:Dave", "MODE #tea b")
        alice.received()
        alice.send("MODE #tea +b")
        self.assertEqual(
            alice.received(),
            [
                ":chatroom 367 alice #tea :carol!*@*",
                ":chatroom 367 alice #tea :$a:dave",
                ":chatroom 368 alice #tea :End of channel ban list",
            ],
        )
        dave = self.signed_in("dave")
        dave.send("NICK notdave", "JOIN #tea")
        self.assertEqual(dave.numerics()[-1], "474")  # renaming escapes nothing
        alice.send("MODE #tea -b *!carol@chatroom")
        self.assertEqual(
            alice.received(), [":alice!alice@chatroom MODE #tea -b :carol!*@*"]
        )
        carol.send("JOIN #tea")
        self.assertEqual(carol.numerics()[0], "JOIN")

    def test_ban_masks(self) -> None:
        """The masks IRC users type, read as the core's users and masks."""
        self.assertEqual(ban_target("$a:Alice"), "account:Alice")
        self.assertEqual(ban_target("name:bob"), "name:bob")
        self.assertEqual(ban_target("bob"), "bob")
        self.assertEqual(ban_target("bob!*@*"), "bob")
        self.assertEqual(ban_target("*!~bob@chatroom"), "bob")
        self.assertEqual(ban_target("*!*bob@chatroom"), "bob")  # irssi's /ban
        with self.assertRaises(ChatError):
            ban_target("*!*@*")
        alice, _, _ = self.room()
        alice.send("MODE #tea +b b*b!*@*")
        self.assertEqual(
            alice.received(),
            [
                ":chatroom NOTICE alice :BAD_ARGS b*b!*@*: ban a nick, nick!*@*, "
                "*!nick@* or $a:account (no wildcards)"
            ],
        )

    def test_invite_only(self) -> None:
        """+i keeps others out (473) until INVITE: 341 to the inviter, INVITE
        to the invitee (IRC) or INVITED (line); the room gets a notice."""
        alice, carol, bob = self.room()
        alice.send("MODE #tea +i")
        self.assertEqual(alice.received(), [":alice!alice@chatroom MODE #tea :+i"])
        self.assertEqual(carol.received(), [":alice!alice@chatroom MODE #tea :+i"])
        self.assertEqual(bob.received(), ["SET tea invite-only on alice"])
        dave = self.irc("dave")
        dave.send("JOIN #tea")
        self.assertEqual(dave.numerics(), ["473"])
        carol.send("INVITE dave #tea")
        self.assertEqual(carol.numerics(), ["482"])
        alice.send("INVITE dave #tea")
        self.assertEqual(alice.received(), [":chatroom 341 alice dave :#tea"])
        self.assertEqual(dave.received(), [":alice!alice@chatroom INVITE dave :#tea"])
        dave.send("JOIN #tea")
        self.assertEqual(dave.numerics()[0], "JOIN")
        alice.received()
        erin = self.line("erin")
        alice.send("INVITE erin #tea", "INVITE nobody #tea")
        self.assertEqual(alice.numerics(), ["341", "401"])
        self.assertEqual(erin.received(), ["INVITED tea alice"])

    def test_keys(self) -> None:
        """+k: JOIN needs the key (475 without it, or a wrong one); MODE shows
        it to the owner and * to others; -k lifts it."""
        alice, carol, bob = self.room()
        alice.send("MODE #tea +k sesame")
        self.assertEqual(alice.received(), [":alice!alice@chatroom MODE #tea +k :*"])
        self.assertEqual(carol.received(), [":alice!alice@chatroom MODE #tea +k :*"])
        self.assertEqual(bob.received(), ["SET tea key on alice"])
        alice.send("MODE #tea")
        self.assertEqual(
            alice.received(),
            [
                ":chatroom 324 alice #tea +nk :sesame",
                f":chatroom 329 alice #tea :{int(self.clock.seconds())}",
            ],
        )
        carol.send("MODE #tea")
        self.assertEqual(carol.received()[0], ":chatroom 324 carol #tea +nk :*")
        dave = self.irc("dave")
        dave.send("JOIN #tea", "JOIN #tea nope")
        self.assertEqual(
            dave.received(),
            [
                ":chatroom 475 dave #tea :Cannot join channel (+k): tea needs the "
                "right key: /join tea KEY"
            ]
            * 2,
        )
        dave.send("JOIN #other,#tea x,sesame")
        self.assertIn(":dave!dave@chatroom JOIN :#tea", dave.received())
        alice.received()
        alice.send("MODE #tea -k")
        self.assertEqual(alice.received(), [":alice!alice@chatroom MODE #tea -k :*"])

    def test_topic_lock_and_fixed_modes(self) -> None:
        """+t: only owner and operators set the topic (482 for others); +n
        and -n are /set external off and on (a line's on/off letters are one
        change, one MODE, after the rest), +l 5 is the room's limit, unknown
        letters 472."""
        alice, carol, _ = self.room()
        alice.send("MODE #tea +t")
        self.assertEqual(carol.received(), [":alice!alice@chatroom MODE #tea :+t"])
        carol.send("TOPIC #tea :mine now")
        self.assertEqual(
            carol.received(), [":chatroom 482 carol #tea :the topic of tea is locked"]
        )
        alice.received()
        alice.send("MODE #tea", "MODE #tea +n-n+l 5", "MODE #tea +q x")
        self.assertEqual(
            [line.split(" ", 3)[1:] for line in alice.received()],
            [
                ["324", "alice", "#tea :+nt"],
                ["329", "alice", f"#tea :{int(self.clock.seconds())}"],
                ["MODE", "#tea", "+l :5"],
                ["MODE", "#tea", ":+n-n"],
                ["472", "alice", "q :is unknown mode char to me"],
            ],
        )
