"""Invitations at the IRC door: ``--registration invite|closed`` refuses
draft/account-registration's ``REGISTER`` (and NickServ's) with the
matching ``FAIL`` until the connection ``REDEEM``s a code; with one, the
account is registered and joins the invitation's channel."""

from __future__ import annotations

from dataclasses import replace

from twisted.internet import defer

from chatroom.core import operating
from tests.doors.irc.test_irc import IRCClient
from tests.doors.irc.test_irc_conformance import ConformanceCase, params

PASSPHRASE = "correct horse battery staple"


class InviteOnlyTests(ConformanceCase):
    config = replace(ConformanceCase.config, rooms=("hall",), registration="invite")

    def code(self, uses: int = 1, room: str = "") -> str:
        made = self.server.invitations.make(
            operating.operator(self.config), uses, 24, room
        )
        code, _ = self.successResultOf(defer.ensureDeferred(made))
        return code

    def test_register_needs_an_invitation(self) -> None:
        """``REGISTER`` without one: ``FAIL REGISTER INVITE_REQUIRED``;
        NickServ's says so too; nothing is registered."""
        bar = self.irc("bar")
        bar.send(f"REGISTER * * {PASSPHRASE}")
        line = bar.received()[0]
        self.assertEqual(line.split(" ")[1], "FAIL")
        self.assertEqual(params(line)[:3], ("REGISTER", "INVITE_REQUIRED", "bar"))
        bar.send(f"PRIVMSG NickServ :REGISTER {PASSPHRASE}")
        self.assertIn("takes an invitation", bar.received()[0])
        found = self.server.registry.accounts.store.get("bar")
        self.assertIsNone(self.successResultOf(defer.ensureDeferred(found)))

    def test_redeem_then_register_joins_the_channel(self) -> None:
        """``REDEEM <code>``: ``REDEEM SUCCESS``; ``REGISTER`` then succeeds,
        ``900``, and the new account is in the invitation's channel; the
        code, of one use, admits nobody else."""
        code = self.code(room="hall")
        bar = self.irc("bar")
        bar.send(f"REDEEM {code}")
        self.assertEqual(params(bar.received()[0])[:2], ("SUCCESS", code))
        bar.send(f"REGISTER * * {PASSPHRASE}")
        lines = bar.received()
        self.assertEqual(params(lines[0]), ("SUCCESS", "bar", "Account created"))
        self.assertEqual(lines[1].split(" ")[1], "900")
        self.assertEqual(lines[2], ":bar!bar@My.Little.Server JOIN :#hall")
        self.assertEqual(lines[3].split(" ")[1], "353")
        qux = self.irc("qux")
        qux.send(f"REDEEM {code}")
        self.assertEqual(
            params(qux.received()[0])[:3], ("REDEEM", "INVALID_CODE", code)
        )

    def test_nickserv_redeem_and_register(self) -> None:
        """NickServ's ``REDEEM`` then ``REGISTER`` registers too."""
        code = self.code()
        bar = self.irc("bar")
        bar.send(f"PRIVMSG NickServ :REDEEM {code}")
        self.assertIn("Invitation accepted", bar.received()[0])
        bar.send(f"PRIVMSG NickServ :REGISTER {PASSPHRASE}")
        self.assertIn("Account created", bar.received()[0])


class RegisterBeforeConnectTests(InviteOnlyTests):
    """``--irc-register-before-connect`` on an invite-only server."""

    config = replace(InviteOnlyTests.config, irc_register_before_connect=True)

    def test_register_before_connecting_joins_at_the_welcome(self) -> None:
        """``REDEEM`` and ``REGISTER`` before ``USER``: the account is made
        (``REGISTER SUCCESS``, ``900 *``) and joins the invitation's
        channel once the connection completes, after the welcome and its
        MOTD, as one registered once connected does."""
        code = self.code(room="hall")
        bar = IRCClient(self.factory)
        bar.send("CAP LS 302", f"REDEEM {code}")
        bar.received()
        bar.send("NICK bar", f"REGISTER * * {PASSPHRASE}")
        lines = bar.received()
        self.assertEqual(params(lines[0]), ("SUCCESS", "bar", "Account created"))
        self.assertFalse([line for line in lines if " JOIN " in line])
        bar.send("USER b 0 * :b", "CAP END")
        lines = bar.received()
        self.assertIn(":My.Little.Server 001 bar ", lines[0])
        commands = [line.split(" ")[1] for line in lines]
        joined = lines.index(":bar!bar@My.Little.Server JOIN :#hall")
        self.assertLess(commands.index("376"), joined)  # after the MOTD's end
        self.assertEqual(commands[joined + 1 :][:1], ["353"])
        self.assertEqual(self.server.registry.sessions.account_of(bar.session), "bar")


class ClosedTests(ConformanceCase):
    config = replace(ConformanceCase.config, registration="closed")

    def test_register_is_disallowed(self) -> None:
        """``--registration closed``: ``FAIL REGISTER DISALLOWED``."""
        bar = self.irc("bar")
        bar.send(f"REGISTER * * {PASSPHRASE}")
        self.assertEqual(
            params(bar.received()[0])[:3], ("REGISTER", "DISALLOWED", "bar")
        )
