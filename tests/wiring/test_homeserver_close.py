"""The homeserver's edge as the server stops
(chatroom.wiring.homeserver): a call still under way (a connection still
being made to a homeserver that is slow to answer) is given up, so
nothing of it outlives the server, and no call is made after; the calls
given up do not start the pings again."""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred
from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.core.bridging.appservice import HomeserverAwayError, Pinger
from chatroom.wiring.homeserver import AgentHomeserver
from tests.matrix.fake_homeserver import SETTINGS


class SlowAgent:
    """An agent whose requests are never answered (a connection being
    made), which records whether each was given up."""

    def __init__(self) -> None:
        self.asked: list[Deferred[Any]] = []
        self.given_up = 0

    def request(self, *args: Any, **kwargs: Any) -> Deferred[Any]:
        def cancel(_: Deferred[Any]) -> None:
            self.given_up += 1

        asked: Deferred[Any] = Deferred(cancel)
        self.asked.append(asked)
        return asked


class CloseTests(unittest.TestCase):
    def test_a_call_under_way_is_given_up_at_close(self) -> None:
        """The ping in flight when the server stops ends at once as the
        homeserver being away, its timeout with it; a call after the
        close is refused the same way, never sent."""
        clock = Clock()
        agent = SlowAgent()
        homeserver = AgentHomeserver(SETTINGS, clock, agent)  # type: ignore[arg-type]
        calling = Deferred.fromCoroutine(homeserver.call("GET", "/ping"))
        self.assertNoResult(calling)
        homeserver.close()
        self.failureResultOf(calling, HomeserverAwayError)
        self.assertEqual(agent.given_up, 1)
        self.assertEqual(clock.getDelayedCalls(), [])
        after = Deferred.fromCoroutine(homeserver.call("GET", "/ping"))
        self.failureResultOf(after, HomeserverAwayError)
        self.assertEqual(len(agent.asked), 1)

    def test_a_call_given_up_at_the_stop_starts_no_pings(self) -> None:
        """The bridge stops (its pinger first, then the homeserver's
        calls given up, as ``BridgeService.stopService`` does) while a
        send is under way: the send finds the homeserver away and says so
        to the pinger, which pings no more, and nothing is left on the
        clock (a full run once found a ping timer left after a node's
        stop)."""
        clock = Clock()
        agent = SlowAgent()
        homeserver = AgentHomeserver(SETTINGS, clock, agent)  # type: ignore[arg-type]
        pinger = Pinger(SETTINGS, clock, homeserver)
        pinger.start()
        sending = Deferred.fromCoroutine(homeserver.call("PUT", "/send"))
        pinger.stop()
        homeserver.close()
        self.failureResultOf(sending, HomeserverAwayError)
        pinger.away()  # as the sender does when a call finds it away
        self.assertEqual(clock.getDelayedCalls(), [])
        self.assertEqual(len(agent.asked), 2)
        pinger.start()  # the bridge started again pings again
        self.assertTrue(pinger.loop.running)
        pinger.stop()
