"""Accounts, moderation and admins against the in-process registry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from twisted.internet.defer import Deferred
from twisted.internet.task import Clock
from twisted.trial import unittest

from tests.backends.contracts.moderation import CONFIG, PASSWORD, ModerationContract
from tests.support import FakeClient, local_server


class LocalModerationTests(ModerationContract, unittest.TestCase):
    """Every reply arrives within the call that sent the line."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.server = local_server(CONFIG, self.clock)


class ModerationRequireAccountTests(unittest.TestCase):
    """``--require-account``: plain names are refused, signed-in users may
    still rename."""

    def test_only_accounts_get_a_name(self) -> None:
        """A plain name gets ACCOUNT_REQUIRED; newcomers register a free name
        with ``/register NAME PASSWORD``, sign in later, and may /nick."""
        server = local_server(replace(CONFIG, require_account=True), Clock())
        alice = FakeClient(server)
        alice.received()
        alice.send("alice")
        self.assertEqual(
            alice.received(),
            [
                "ERR ACCOUNT_REQUIRED this server requires an account: "
                "/login NAME PASSWORD"
            ],
        )
        holder = FakeClient(server)
        holder.send(f"/register bob {PASSWORD}")
        self.assertIn("REGISTERED bob", holder.received())
        alice.send(f"/register bob {PASSWORD}x")
        self.assertEqual(alice.received()[0].split()[:2], ["ERR", "NAME_REGISTERED"])
        alice.send(f"/register alice {PASSWORD}")
        replies = alice.received()
        self.assertEqual(
            (replies[0], replies[-1]), ("WELCOME alice", "REGISTERED alice")
        )
        alice.send("/quit")
        again = FakeClient(server)
        again.send(f"/login alice {PASSWORD}")
        self.assertEqual(again.received()[1], "WELCOME alice")
        again.send("/nick ally")
        self.assertEqual(again.received(), ["NICK alice ally"])

    def test_registering_a_held_name_takes_nobody_over(self) -> None:
        """``/register NAME PASSWORD`` of a name a plain user holds is
        NAME_TAKEN, the holder keeps it, and no account is left behind."""
        server = local_server(CONFIG, Clock())
        holder = FakeClient(server)
        holder.send("carol")
        newcomer = FakeClient(server)
        newcomer.received()
        newcomer.send(f"/register carol {PASSWORD}")
        self.assertEqual(newcomer.received()[0].split()[:2], ["ERR", "NAME_TAKEN"])
        self.assertFalse(holder.closing)
        newcomer.send(f"/login carol {PASSWORD}")
        self.assertEqual(newcomer.received()[0].split()[:2], ["ERR", "NO_SUCH_ACCOUNT"])


class SignInRaceTests(unittest.TestCase):
    """A connection that goes while its password is being checked takes nothing."""

    def test_gone_before_the_hash_answers(self) -> None:
        """Nobody holds the name afterwards; the next sign-in gets it."""
        queued: list[tuple[Callable[[], Any], Deferred[Any]]] = []

        def run(function: Callable[[], Any]) -> Deferred[Any]:
            done: Deferred[Any] = Deferred()
            queued.append((function, done))
            return done

        server = local_server(CONFIG, Clock(), hashing=run)
        owner = FakeClient(server)
        owner.send(f"/register alice {PASSWORD}")
        function, done = queued.pop()
        done.callback(function())
        owner.send("/quit")
        owner.lose()
        leaving = FakeClient(server)
        leaving.send(f"/login alice {PASSWORD}")
        function, done = queued.pop()
        leaving.lose()
        done.callback(function())
        bob = FakeClient(server)
        bob.send("bob")
        bob.received()
        bob.send("/msg alice are you there?")  # kept, not sent into a dead session
        self.assertEqual(bob.received()[0].split()[:3], ["PRIVMSG", "bob", "alice"])
        later = FakeClient(server)
        later.received()
        later.send(f"/login alice {PASSWORD}")
        function, done = queued.pop()
        done.callback(function())
        lines = later.received()
        self.assertEqual(lines[0], "WELCOME alice")
        self.assertTrue(lines[-1].startswith("PRIVMSG bob alice "), lines)
