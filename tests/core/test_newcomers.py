"""Newcomers held back (``--newcomer-wait``): a new account's private
message to a stranger and its link wait; neighbours, old accounts and
admins do not (:mod:`chatroom.core.policy.newcomers`)."""

from __future__ import annotations

from dataclasses import replace

from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.core.model.config import ServerConfig
from chatroom.core.policy.newcomers import has_link, seconds_left
from tests.support import FakeClient, local_server

#: Keepalives out of the way of the clock's long steps.
CONFIG = ServerConfig(
    rate=0, admins=("root",), newcomer_wait=600, ping_interval=3600, ping_timeout=3600
)
PASSWORD = "horse-battery-staple"


class RuleTests(unittest.TestCase):
    def test_links(self) -> None:
        for text in ("see https://x.example/a", "HTTP://x.example", "www.example.com"):
            self.assertTrue(has_link(text), text)
        for text in ("http is a protocol", "a www of words", "mail me at a.b"):
            self.assertFalse(has_link(text), text)

    def test_seconds_left(self) -> None:
        self.assertEqual(seconds_left(600, 1000.0, 1000.5), 600)
        self.assertEqual(seconds_left(600, 1000.0, 1600.0), 0)
        self.assertEqual(seconds_left(0, 1000.0, 1000.0), 0)
        self.assertEqual(seconds_left(600, None, 1000.0), 0)


class HeldBackTests(unittest.TestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.server = local_server(CONFIG, self.clock)

    def registered(self, name: str) -> FakeClient:
        client = FakeClient(self.server)
        client.send(name)
        client.send(f"/register {PASSWORD}")
        client.received()
        return client

    def test_a_new_account_waits(self) -> None:
        """Its private message to a stranger and its link are refused
        with the seconds left; to someone in its room, and without a link,
        it writes at once; after the wait, everything."""
        stranger = self.registered("stranger")
        neighbour = self.registered("neighbour")
        neighbour.send("/join general")
        self.clock.advance(10)
        newbie = self.registered("newbie")
        newbie.send("/join general")
        newbie.received()
        newbie.send("/msg stranger hi")
        self.assertEqual(newbie.received(), ["ERR NOT_YET 600"])
        newbie.send("/msg neighbour hi")
        self.assertEqual(
            newbie.received()[0].split()[:3], ["PRIVMSG", "newbie", "neighbour"]
        )
        self.clock.advance(10)
        newbie.send("buy at https://spam.example")
        self.assertEqual(newbie.received(), ["ERR NOT_YET 590"])
        newbie.send("hello all")
        self.assertEqual(newbie.received()[0].split()[:3], ["MSG", "general", "newbie"])
        self.clock.advance(590)
        newbie.send("/msg stranger hi")
        self.assertEqual(
            newbie.received()[0].split()[:3], ["PRIVMSG", "newbie", "stranger"]
        )
        newbie.send("see https://fine.example")
        self.assertEqual(newbie.received()[0].split()[:3], ["MSG", "general", "newbie"])
        self.assertTrue(stranger.received())

    def test_no_way_around_the_link_rule(self) -> None:
        """A newcomer's link is refused however it would post it: an
        action, a paste, a reply, a thread's message, an edit of a message
        said without one, and a private message to a neighbour; after the
        wait each goes through."""
        neighbour = self.registered("neighbour")
        neighbour.send("/join general")
        newbie = self.registered("newbie")
        newbie.send("/caps rich")
        newbie.send("/join general")
        newbie.send("hello")
        said = [x for x in newbie.received() if " MSG general newbie " in x]
        first = said[0].split()[0][1:]
        link = "https://spam.example/"
        attempts = (
            f"/me shares {link}",
            f"/paste look\\n{link}",
            f"/reply {first} {link}",
            f"/thread {first} {link}",
            f"/edit {first} {link}",
            f"/msg neighbour {link}",
        )
        for line in attempts:
            newbie.send(line)
            self.assertEqual(newbie.received(), ["ERR NOT_YET 600"], line)
        neighbour.received()
        self.clock.advance(600)
        for line in attempts:
            newbie.send(line)
            answer = newbie.received()
            self.assertTrue(answer and not answer[0].startswith("ERR"), (line, answer))
        heard = [x for x in neighbour.received() if link in x]
        self.assertEqual(len(heard), 6, heard)

    def test_a_plain_name_waits_from_its_name(self) -> None:
        self.registered("stranger")
        plain = FakeClient(self.server)
        plain.send("drifter")
        plain.received()
        self.clock.advance(100)
        plain.send("/msg stranger hi")
        self.assertEqual(plain.received(), ["ERR NOT_YET 500"])

    def test_admins_and_a_server_without_the_wait(self) -> None:
        self.registered("stranger")
        root = self.registered("root")
        root.send("/msg stranger hi")
        self.assertEqual(
            root.received()[0].split()[:3], ["PRIVMSG", "root", "stranger"]
        )
        server = local_server(replace(CONFIG, newcomer_wait=0), self.clock)
        plain = FakeClient(server)
        plain.send("drifter")
        plain.send("/join general")
        plain.received()
        plain.send("https://x.example")
        self.assertEqual(plain.received()[0].split()[:3], ["MSG", "general", "drifter"])
