"""Server bans' rules: masks of networks, durations, and their ends on the
injected clock (:mod:`chatroom.core.moderation.netbans`,
:mod:`chatroom.core.moderation.serverbans`)."""

from __future__ import annotations

import os

from twisted.internet.defer import ensureDeferred
from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.backends.local.store import FLUSH_INTERVAL, SqliteStore
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.errors import ChatError
from chatroom.core.moderation.netbans import (
    BanTerms,
    ServerBan,
    bye,
    covers,
    network_mask,
    parse_duration,
    parse_request,
)
from chatroom.doors.base.hub import DoorHub
from tests.support import FakeClient, chat_core, in_place, local_server

CONFIG = ServerConfig(rate=0, admins=("root",))
PASSWORD = "horse-battery-staple"


class MaskTests(unittest.TestCase):
    """What ``ip:`` masks are kept as, and what they cover."""

    def test_masks_in_normal_form(self) -> None:
        """An address without its /32 or /128, a network by its first
        address, IPv6 compressed, an IPv4-mapped one as IPv4."""
        cases = {
            "ip:203.0.113.7": "ip:203.0.113.7",
            "ip:203.0.113.7/32": "ip:203.0.113.7",
            "ip:203.0.113.9/24": "ip:203.0.113.0/24",
            "ip:2001:DB8:0:0::1": "ip:2001:db8::1",
            "ip:2001:db8::1/48": "ip:2001:db8::/48",
            "ip:::ffff:203.0.113.7": "ip:203.0.113.7",
            "ip:::ffff:203.0.113.0/120": "ip:203.0.113.0/24",
        }
        self.assertEqual({typed: network_mask(typed) for typed in cases}, cases)

    def test_bad_and_too_wide_masks_are_refused(self) -> None:
        for typed in ("ip:", "ip:300.1.2.3", "ip:bob", "ip:10.0.0.0/7", "ip:2001::/15"):
            with self.assertRaises(ChatError) as refused:
                network_mask(typed)
            self.assertEqual(refused.exception.code, "BAD_ARGS", typed)

    def test_what_a_mask_covers(self) -> None:
        """An IPv4 network covers the IPv4-mapped form of its addresses;
        an address outside, another family, or no address at all is not."""
        self.assertTrue(covers("ip:127.0.0.0/30", "127.0.0.3"))
        self.assertTrue(covers("ip:127.0.0.0/30", "::ffff:127.0.0.2"))
        self.assertTrue(covers("ip:127.0.0.2", "127.0.0.2"))
        self.assertTrue(covers("ip:2001:db8::/32", "2001:db8:1::5"))
        self.assertFalse(covers("ip:127.0.0.0/30", "127.0.0.4"))
        self.assertFalse(covers("ip:127.0.0.2", "::2"))
        self.assertFalse(covers("ip:127.0.0.2", ""))
        self.assertFalse(covers("account:bob", "127.0.0.2"))


class DurationTests(unittest.TestCase):
    def test_units(self) -> None:
        self.assertEqual(
            [parse_duration(word) for word in ("30s", "10m", "2h", "7d", "4w")],
            [30, 600, 7200, 7 * 86400, 28 * 86400],
        )

    def test_a_word_that_is_no_duration_is_the_reason(self) -> None:
        self.assertIsNone(parse_duration("spam"))
        self.assertIsNone(parse_duration("3x"))
        self.assertEqual(
            parse_request("ip:10.0.0.1 spam from a proxy"),
            parse_request("ip:10.0.0.1  spam from a proxy"),
        )
        request = parse_request("bob 2h flooding #tea")
        self.assertEqual(
            (request.target, request.seconds, request.reason),
            ("bob", 7200, "flooding #tea"),
        )
        request = parse_request("bob spam")
        self.assertEqual((request.seconds, request.reason), (None, "spam"))

    def test_nothing_or_too_long_is_refused(self) -> None:
        for words in ("", "bob 0s", "bob 600w"):
            with self.assertRaises(ChatError) as refused:
                parse_request(words)
            self.assertEqual(refused.exception.code, "BAD_ARGS", words)


class TermsTests(unittest.TestCase):
    def test_terms_survive_their_encoding(self) -> None:
        terms = BanTerms("root", 1795707136.5, "spam: again and again")
        self.assertEqual(BanTerms.decoded(terms.encoded()), terms)
        self.assertEqual(BanTerms.decoded(BanTerms("root").encoded()), BanTerms("root"))

    def test_what_a_banned_user_is_told(self) -> None:
        self.assertEqual(bye("spam"), "banned from this server: spam")
        self.assertEqual(bye(""), "banned from this server: no reason given")
        self.assertEqual(
            ServerBan("ip:10.0.0.1", BanTerms("root", 0, "raid")).told,
            "banned from this server: raid",
        )


class TimedBanTests(unittest.TestCase):
    """A timed ban ends by itself on the server's clock, and is kept with
    its terms across a restart (``--db``)."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.server = local_server(CONFIG, self.clock)

    def root(self) -> FakeClient:
        root = FakeClient(self.server, "192.0.2.1")
        root.send(f"/login root {PASSWORD}")
        if "ERR NO_SUCH_ACCOUNT" in " ".join(root.received()):
            root.send("root")
            root.send(f"/register {PASSWORD}")
        root.received()
        return root

    def test_a_timed_network_ban_ends_by_itself(self) -> None:
        root = self.root()
        root.send("/gban ip:127.0.0.2 2s raid")
        self.assertEqual(
            root.received(), ["GBAN ip:127.0.0.2 root 2023-11-14T22:13:22.000Z"]
        )
        refused = FakeClient(self.server, "127.0.0.2")
        self.assertEqual(refused.received(), ["BYE banned from this server: raid"])
        self.clock.advance(1.5)
        self.assertEqual(
            FakeClient(self.server, "127.0.0.2").received(),
            ["BYE banned from this server: raid"],
        )
        self.clock.advance(0.5)
        self.assertTrue(
            FakeClient(self.server, "127.0.0.2").received()[0].startswith("HELLO ")
        )
        root.send("/gbans")
        self.assertEqual(root.received(), ["GBANS"])

    def test_a_timed_name_ban_ends_by_itself(self) -> None:
        """The name is refused until the end, then taken again."""
        root = self.root()
        bob = FakeClient(self.server)
        bob.send("bob")
        root.send("/gban bob 10m")
        self.assertEqual(root.received()[0].split()[:3], ["GBAN", "name:bob", "root"])
        self.assertIn("BYE banned from this server: no reason given", bob.received())
        again = FakeClient(self.server)
        again.received()
        again.send("bob")
        self.assertEqual(again.received()[0].split()[:2], ["ERR", "BANNED"])
        self.clock.advance(600)
        later = FakeClient(self.server)
        later.received()
        later.send("bob")
        self.assertEqual(later.received()[0], "WELCOME bob")

    def test_lifted_before_its_end(self) -> None:
        """``/gunban`` lifts a timed ban; its timer then lifts nothing (a
        ban of the same mask made since stays)."""
        root = self.root()
        root.send("/gban ip:127.0.0.2 10s")
        root.send("/gunban ip:127.0.0.2")
        root.send("/gban ip:127.0.0.2")
        self.assertEqual(
            root.received(),
            [
                "GBAN ip:127.0.0.2 root 2023-11-14T22:13:30.000Z",
                "GUNBAN ip:127.0.0.2 root",
                "GBAN ip:127.0.0.2 root",
            ],
        )
        self.clock.advance(20)
        root.send("/gbans")
        self.assertEqual(root.received(), ["GBANS ip:127.0.0.2"])

    def test_kept_across_a_restart(self) -> None:
        """The ban, its end and its reason come back with the store; a
        ban past its end while the server was down holds nothing."""
        path = os.path.join(self.mktemp() + "-dir", "chat.sqlite3")
        os.makedirs(os.path.dirname(path))

        def started() -> DoorHub:
            self.clock.advance(FLUSH_INTERVAL)  # what was pending is written
            store = SqliteStore(path, self.clock, in_place, 50)
            self.addCleanup(store.db.close)
            return local_server(CONFIG, self.clock, store)

        self.server = started()
        made = self.clock.seconds()
        root = self.root()
        root.send("/gban ip:127.0.0.0/30 1h raid")
        root.send("/gban ip:10.0.0.1 1m")
        root.received()
        self.clock.advance(120)  # the 1m ban ends (lifted by its timer)
        root.send("/gban ip:10.0.0.2 1m")
        root.received()
        self.server.stop()  # the server stops: its timers with it
        self.clock.advance(120)  # the second 1m ban ends while it is down
        restarted = started()
        self.assertEqual(
            FakeClient(restarted, "127.0.0.3").received(),
            ["BYE banned from this server: raid"],
        )
        for host in ("10.0.0.1", "10.0.0.2"):
            self.assertTrue(
                FakeClient(restarted, host).received()[0].startswith("HELLO")
            )
        listed = self.successResultOf(
            ensureDeferred(chat_core(restarted).bans.listed())
        )
        self.assertEqual(
            listed,
            [ServerBan("ip:127.0.0.0/30", BanTerms("root", made + 3600, "raid"))],
        )
