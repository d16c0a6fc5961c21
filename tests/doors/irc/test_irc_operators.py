"""Unit tests for IRC operators: ``OPER`` signs in to an ``--admins``
account; ``KILL``, ``WALLOPS``, the user modes, ``INFO``, and the operator
marks in ``WHO``, ``WHOIS`` and ``USERHOST``."""

from __future__ import annotations

from chatroom.core.model.config import ServerConfig
from tests.doors.irc.test_irc import IRCClient
from tests.doors.irc.test_irc_moderation import PASSWORD, AccountsCase
from tests.support import FakeClient


class OperatorCase(AccountsCase):
    """A server whose admin account is ``boss`` (registered here)."""

    config = ServerConfig(rate=0, admins=("boss",))

    def setUp(self) -> None:
        super().setUp()
        self.account("boss")
        self.account("carol")  # registered, but no admin

    def oper(self, nick: str) -> IRCClient:
        """``nick``, a plain IRC user until ``OPER boss PASSWORD``."""
        client = self.irc(nick)
        client.send(f"OPER boss {PASSWORD}")
        self.assertEqual(
            client.received(),
            [
                f":chatroom 900 {nick} {nick}!{nick}@chatroom boss "
                ":You are now logged in as boss",
                f":chatroom 381 {nick} :You are now an IRC operator (boss)",
                f":{nick}!{nick}@chatroom MODE {nick} :+o",
            ],
        )
        return client


class OperTests(OperatorCase):
    """OPER NAME PASSWORD: the admin account's password, the core's back-off."""

    def test_oper_signs_in_to_the_admin_account(self) -> None:
        """After OPER the nick is kept, the session is boss's (a server
        admin at every door: /kill works), and 221 shows +o."""
        ircop = self.oper("ircop")
        ircop.send("MODE ircop")
        self.assertEqual(ircop.received(), [":chatroom 221 ircop :+o"])
        self.irc("victim")
        ircop.send("KILL victim :bye")
        self.assertEqual(
            ircop.received(), [":chatroom NOTICE ircop :Killed victim: bye"]
        )

    def test_refusals(self) -> None:
        """A wrong password is 464, an account that is no admin's or nobody's
        is 491, a missing password 461; none signs in, the link stays open."""
        nick = self.irc("nick")
        nick.send(
            "OPER boss wrong",
            f"OPER carol {PASSWORD}",
            "OPER nobody secret",
            "OPER boss",
            "MODE nick",
        )
        self.assertEqual(
            nick.received(),
            [
                ":chatroom 464 nick :Password incorrect",
                ":chatroom 491 nick :Not an operator: carol is not a server admin "
                "account",
                ":chatroom 491 nick :Not an operator: nobody is not a server admin "
                "account",
                ":chatroom 461 nick OPER :Not enough parameters",
                ":chatroom 221 nick :+",
            ],
        )
        self.assertFalse(nick.closing)

    def test_guessing_meets_the_sign_in_back_off(self) -> None:
        """Wrong OPER passwords count as failed sign-ins: past the free
        tries the right password is refused too, until the wait is over,
        and /login to the account from here meets the same wait."""
        guesser = self.irc("guesser")
        for _ in range(5):
            guesser.send("OPER boss wrong")
        self.assertEqual(guesser.numerics(), ["464"] * 5)
        guesser.send(f"OPER boss {PASSWORD}")
        [refused] = guesser.received()
        self.assertIn(":chatroom 491 guesser :Not an operator: too many", refused)
        line = FakeClient(self.server)
        line.send(f"/login boss {PASSWORD}")
        self.assertIn("RATE_LIMITED", line.received()[-1])
        self.clock.advance(61)
        guesser.send(f"OPER boss {PASSWORD}")
        self.assertIn("381", guesser.numerics())

    def test_admin_signed_in_already(self) -> None:
        """An admin signed in at connection is +o already: OPER with the
        password says 381 again, and no MODE, since nothing changed."""
        boss = self.signed_in("boss")
        boss.send(f"OPER boss {PASSWORD}")
        self.assertEqual(
            boss.received(),
            [":chatroom 381 boss :You are now an IRC operator (boss)"],
        )


class UserModeTests(OperatorCase):
    """+w may be set; +o only by OPER, and -o is refused."""

    def test_user_modes(self) -> None:
        """+w and +i are echoed and shown in 221; +o by MODE does nothing;
        -o is 501 with the reason."""
        alice = self.irc("alice")
        alice.send("MODE alice +wi", "MODE alice +o", "MODE alice", "MODE alice -w")
        self.assertEqual(
            alice.received(),
            [
                ":alice!alice@chatroom MODE alice :+w+i",
                ":chatroom 221 alice :+iw",
                ":alice!alice@chatroom MODE alice :-w",
            ],
        )
        ircop = self.oper("ircop")
        ircop.send("MODE ircop -o", "MODE ircop")
        self.assertEqual(
            ircop.received(),
            [
                ":chatroom 501 ircop :-o: being an operator is your admin "
                "account's: sign out to end it",
                ":chatroom 221 ircop :+o",
            ],
        )


class WallopsTests(OperatorCase):
    """WALLOPS reaches +w users, from admins only."""

    def test_wallops_to_users_with_w(self) -> None:
        """An operator's WALLOPS reaches the IRC users with +w (itself
        included when it has +w), nobody else: the core hands it to every
        user, a line user shows nothing of it."""
        listener, deaf = self.irc("listener"), self.irc("deaf")
        lina = self.line("lina")
        listener.send("MODE listener +w")
        listener.received()
        ircop = self.oper("ircop")
        ircop.send("WALLOPS :server restart at noon")
        wallop = ":ircop!ircop@chatroom WALLOPS :server restart at noon"
        self.assertEqual(listener.received(), [wallop])
        self.assertEqual(deaf.received(), [])
        self.assertEqual(lina.received(), [])
        self.assertEqual(ircop.received(), [])
        ircop.send("MODE ircop +w", "WALLOPS :again")
        self.assertEqual(
            ircop.received(),
            [
                ":ircop!ircop@chatroom MODE ircop :+w",
                ":ircop!ircop@chatroom WALLOPS :again",
            ],
        )

    def test_wallops_refused_to_others(self) -> None:
        """Anyone but an admin gets 481, and nothing is sent; no text is 461."""
        listener, nick = self.irc("listener"), self.irc("nick")
        listener.send("MODE listener +w")
        listener.received()
        nick.send("WALLOPS :hi everyone", "WALLOPS")
        self.assertEqual(
            nick.received(),
            [
                ":chatroom 481 nick :Permission Denied: only server admins can "
                "/wallops",
                ":chatroom 461 nick WALLOPS :Not enough parameters",
            ],
        )
        self.assertEqual(listener.received(), [])


class OperatorShownTests(OperatorCase):
    """WHO flags, WHOIS 313, USERHOST, INFO."""

    def test_operator_marks(self) -> None:
        """An operator is * in WHO (after H or G), 313 in WHOIS, * in
        USERHOST; a plain user is none of these."""
        ircop = self.oper("ircop")
        ircop.send("AWAY :back soon")
        ircop.received()
        other = self.irc("other")
        other.send("WHO ircop", "WHO other", "USERHOST ircop other")
        self.assertEqual(
            other.received(),
            [
                ":chatroom 352 other * ircop chatroom chatroom ircop G* :0 ircop Real",
                ":chatroom 315 other ircop :End of WHO list",
                ":chatroom 352 other * other chatroom chatroom other H :0 other Real",
                ":chatroom 315 other other :End of WHO list",
                ":chatroom 302 other :ircop*=-ircop@chatroom other=+other@chatroom",
            ],
        )
        other.send("WHOIS ircop", "WHOIS other")
        self.assertEqual(
            [n for n in other.numerics() if n in ("313", "318")],
            ["313", "318", "318"],
        )

    def test_line_admin_is_an_operator_too(self) -> None:
        """A line user signed in to an admin account shows as an operator
        to IRC (it is the same admin): 313 and WHO's *."""
        boss = FakeClient(self.server)
        boss.send(f"/login boss {PASSWORD}")
        boss.send("/create tea")
        boss.received()
        other = self.irc("other")
        other.send("WHO #tea", "WHOIS boss")
        lines = other.received()
        self.assertIn(
            ":chatroom 352 other #tea boss chatroom chatroom boss H*@ :0 boss", lines
        )
        self.assertIn(":chatroom 313 other boss :is a server admin", lines)

    def test_info(self) -> None:
        """INFO is 371 lines then 374, for anyone."""
        nick = self.irc("nick")
        nick.send("INFO")
        numerics = nick.numerics()
        self.assertEqual(numerics[-1], "374")
        self.assertEqual(set(numerics[:-1]), {"371"})
