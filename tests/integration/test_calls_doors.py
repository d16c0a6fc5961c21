"""Calls at every door of the real service, over sockets (docs/protocol.md,
"Calls"; docs/irc.md): a call started from a page's socket (``/ws``) is told
to line members, plain and ``rich``, with the page's address, to IRC as a
``NOTICE``; a member joining mid-call gets ``CALL_MEMBERS``; long signalling
lines cross ``/ws`` to the addressee alone; the end is told everywhere."""

from __future__ import annotations

import json

from twisted.internet import defer

from tests.integration.test_doors import DoorsTestCase


def call_id(line: str) -> str:
    return line.split(" ")[2]


class CallsAtEveryDoorTests(DoorsTestCase):
    @defer.inlineCallbacks
    def test_told_at_every_door(self):
        alice = yield self.browser("alice")
        alice.say("/create news")
        yield alice.expect_line("MEMBERS news")
        plain = yield self.client("lina")
        plain.say("/join news")
        yield plain.expect_line("MEMBERS news")
        rich = yield self.client("rory")
        rich.say("/caps rich")
        yield rich.expect_line("CAPS ")
        rich.say("/join news")
        yield rich.expect_line("MEMBERS news")
        ivy = yield self.irc("ivy")
        ivy.say("JOIN #news")
        yield ivy.expect(lambda line: " 366 " in line)
        alice.say("/call start")
        started = yield alice.expect_line("CALL news ")
        call, page = call_id(started), started.split(" ")[-1]
        self.assertIn(
            page,
            (
                f"http://127.0.0.1:{self.http_port}/",
                f"http://localhost:{self.http_port}/",
            ),
        )
        self.assertEqual(started, f"CALL news {call} started alice {page}")
        yield alice.expect_line(f"CALL_MEMBERS news {call} alice")
        for member in (plain, rich):
            line = yield member.expect_line("CALL news ")
            self.assertEqual(line, started)
        notice = yield ivy.expect(lambda line: " NOTICE #news :" in line)
        self.assertEqual(
            notice,
            f":chatroom NOTICE #news :alice started a call in #news: join it from"
            f" the web page, {page}",
        )
        plain.say("/call news")
        yield plain.expect_line(f"CALL_MEMBERS news {call} alice")
        late = yield self.client("lou")
        late.say("/join news")
        yield late.expect_line(f"CALL_MEMBERS news {call} alice")
        # a signal of an SDP's size crosses /ws to the addressee alone
        bob = yield self.browser("bob")
        bob.say("/join news")
        yield bob.expect_line(f"CALL_MEMBERS news {call} alice")
        bob.say("/call join")
        yield bob.expect_line(f"CALL_MEMBERS news {call} alice bob")
        offer = json.dumps(
            {"description": {"type": "offer", "sdp": "v=0 " + "a" * 6000}}
        )
        bob.say(f"/call signal alice {offer}")
        signal = yield alice.expect_line("SIGNAL news bob ")
        self.assertEqual(signal, f"SIGNAL news bob {offer}")
        bob.say("/call leave")
        yield alice.expect_line(f"CALL news {call} left bob")
        alice.say("/call leave")
        for member in (plain, rich, late):
            line = yield member.expect_line(f"CALL news {call} ended ")
            self.assertTrue(line.startswith(f"CALL news {call} ended alice "), line)
            self.assertFalse([x for x in member.lines if x.startswith("SIGNAL")])
        notice = yield ivy.expect(lambda line: "ended after" in line)
        # however long the call took on this machine (the wall clock's)
        self.assertRegex(
            notice,
            r"^:chatroom NOTICE #news :the call in #news ended after \d+ seconds?$",
        )
        self.assertFalse([x for x in ivy.lines if "joined" in x or "SIGNAL" in x])
        plain.say("/call news")
        yield plain.expect_line("CALL_MEMBERS news -")

    @defer.inlineCallbacks
    def test_closing_the_page_leaves(self):
        """The only participant's socket closes: the call ends by itself."""
        alice = yield self.browser("alice")
        alice.say("/create bye")
        yield alice.expect_line("MEMBERS bye")
        bob = yield self.client("bob")
        bob.say("/join bye")
        yield bob.expect_line("MEMBERS bye")
        alice.say("/call start")
        started = yield bob.expect_line("CALL bye ")
        call = call_id(started)
        alice.transport.loseConnection()
        yield bob.expect_line(f"CALL bye {call} left alice")
        yield bob.expect_line(f"CALL bye {call} ended alice ")
        bob.say("/call")
        yield bob.expect_line("CALL_MEMBERS bye -")
