"""Invitations at the IRC door: ``--registration invite|closed`` refuses
draft/account-registration's ``REGISTER`` (and NickServ's) with the
matching ``FAIL`` until the connection ``REDEEM``s a code; with one, the
account is registered and joins the invitation's channel."""

from __future__ import annotations

from dataclasses import replace

from twisted.internet import defer

from chatroom.core import operating
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
        found = self.server.registry.account_store.get("bar")
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


class ClosedTests(ConformanceCase):
    config = replace(ConformanceCase.config, registration="closed")

    def test_register_is_disallowed(self) -> None:
        """``--registration closed``: ``FAIL REGISTER DISALLOWED``."""
        bar = self.irc("bar")
        bar.send(f"REGISTER * * {PASSPHRASE}")
        self.assertEqual(
            params(bar.received()[0])[:3], ("REGISTER", "DISALLOWED", "bar")
        )
