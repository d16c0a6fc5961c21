"""The node's txredisapi protocols (:mod:`chatroom.redisclient.resp`):
the same command bytes and the same replies as txredisapi's own, for the
options every link uses (``charset=None``, ``convertNumbers=False``)."""

from __future__ import annotations

import txredisapi
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.trial import unittest

from chatroom.redisclient.addresses import redis_address
from chatroom.redisclient.link import CommandsProtocol, RedisLink, _LinkFactory


def protocols() -> tuple[txredisapi.BaseRedisProtocol, CommandsProtocol]:
    """txredisapi's protocol, and ours as a link builds it (its reads
    counted on the link's hearing)."""
    options = {"charset": None, "convertNumbers": False}
    link = RedisLink(Clock(), redis_address("redis://127.0.0.1:1/0"), "commands")
    ours = CommandsProtocol(link, **options)
    return txredisapi.RedisProtocol(**options), ours


class LeanProtocolTests(unittest.TestCase):
    def test_commands_are_the_bytes_txredisapi_builds(self) -> None:
        theirs, ours = protocols()
        arguments = (
            "EVALSHA",
            "a" * 40,
            1,
            "{chatroom}:users",
            b"\x00\xff raw",
            "h\u00e9llo \u2603",
            "",
            b"",
            -3,
            10**20,
            1.5,
            True,
            None,
            bytearray(b"xy"),
        )
        self.assertEqual(
            ours._build_command(*arguments), theirs._build_command(*arguments)
        )
        self.assertEqual(ours._build_command(), theirs._build_command())

    def test_text_that_is_not_utf8_is_refused_as_txredisapi_refuses_it(self) -> None:
        _theirs, ours = protocols()
        with self.assertRaises(txredisapi.InvalidData):
            ours._build_command("\udc80")

    def test_replies_come_as_hiredis_reads_them(self) -> None:
        ours = protocols()[1]
        ours.makeConnection(StringTransport())
        got: list[object] = []
        ours.execute_command("EVALSHA", "x").addCallback(got.append)
        ours.execute_command("GET", "k").addCallback(got.append)
        ours.dataReceived(b"*3\r\n$2\r\nOK\r\n:7\r\n*1\r\n$2\r\n42\r\n$-1\r\n")
        self.assertEqual(got, [[b"OK", 7, [b"42"]], None])
        self.assertEqual(ours.link.hearing.reads, 1)  # Redis was heard from


class LinkClockTests(unittest.TestCase):
    def test_a_links_protocol_keeps_its_timers_on_the_links_clock(self) -> None:
        """txredisapi's protocols schedule on the global reactor their class
        keeps (a read resumed after a pause, a reply's timeout); a link's
        protocol schedules on the link's clock, so a node forked from a
        launcher that imported txredisapi (chatroom.wiring.prefork) never
        waits on the launcher's reactor."""
        clock = Clock()
        link = RedisLink(clock, redis_address("redis://127.0.0.1:1/0"), "commands")
        protocol = _LinkFactory(link).buildProtocol(None)
        fired: list[int] = []
        protocol.callLater(5, fired.append, 1)
        clock.advance(5)
        self.assertEqual(fired, [1])
