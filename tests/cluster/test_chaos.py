"""A small chaos run in the suite (issue 35): real processes, real faults.

``python -m chatroom.bench.chaos`` with a few dozen clients: a Redis
primary, its replica and three Sentinels, three ``twistd chatroom`` nodes,
one node killed with ``SIGKILL`` and then the primary; then three nodes
on a Redis Cluster of six servers, its rooms on each of its three
primaries, and the primary of a shard serving rooms killed, then the
server slot's. What a user would
notice is asserted from its figures: nothing acknowledged is lost, nothing
arrives twice or out of order, and every client could send again after
each fault.
"""

from __future__ import annotations

import json
import os
import sys

from twisted.internet import defer, utils
from twisted.trial import unittest

from chatroom.bench.chaos import (
    SERVER_SHARD_KILLED,
    SHARD_KILLED,
    ChaosClient,
    KeyedChaosClient,
    Plan,
    table,
    tally,
)
from tests.cluster.support import NO_REDIS, REDIS_SERVER
from tests.integration.test_twistd import REPO_ROOT


class SmallChaosRunTests(unittest.TestCase):
    """The chaos run, small: 36 clients in 6 rooms over 3 nodes."""

    timeout = 120

    if REDIS_SERVER is None and not os.environ.get("CHATROOM_REQUIRE_REDIS"):
        skip = NO_REDIS

    @defer.inlineCallbacks
    def test_node_primary_and_shard_killed_lose_nothing_acknowledged(self):
        """kill -9 of a node, then of Redis's primary under steady chat, then
        of a Redis Cluster's primary serving rooms, then of the server
        slot's (the rooms on all three primaries): every acknowledged
        message reaches every member of its room once and in order, and
        every client sends again after each fault."""
        figures = self.mktemp()
        env = dict(os.environ, PYTHONPATH=REPO_ROOT.path)
        arguments = [
            "-m", "chatroom.bench.chaos",
            "--clients", "36", "--rooms", "6", "--interval", "0.3",
            "--node-ttl", "1.5", "--down-after", "400", "--settle", "30",
            "--json", figures,
        ]  # fmt: skip
        out, err, status = yield utils.getProcessOutputAndValue(
            sys.executable, arguments, env=env, path=REPO_ROOT.path
        )
        report = (out + err).decode(errors="replace")
        self.assertEqual(status, 0, report)
        with open(figures) as written:
            faults = {fault["name"]: fault for fault in json.load(written)}
        node = faults["node killed (kill -9 of 1 of 3)"]
        primary = faults["Redis primary killed (Sentinel)"]
        shard = faults[SHARD_KILLED]
        server = faults[SERVER_SHARD_KILLED]
        spread = report.partition("rooms per primary: ")[2].partition("\n")[0]
        self.assertEqual(len(spread.split(", ")), 3, report)  # each serves rooms
        for fault in (node, primary, shard, server):
            self.assertGreater(fault["acknowledged"], 0, report)
            self.assertEqual(fault["delivered"], fault["expected"], report)
            self.assertEqual(
                (fault["lost"], fault["duplicates"], fault["out_of_order"]),
                (0, 0, 0),
                report,
            )
            self.assertLess(fault["recovered"], 20, report)  # all back, bounded
            # Half the clients resend with keys: each key acknowledged, and
            # each reached every other member once, under its ACK's id.
            self.assertGreater(fault["keyed_acknowledged"], 0, report)
            keyed = [
                fault[f"keyed_{what}"]
                for what in (
                    "lost", "doubled", "unsure", "other_id", "two_ids",
                    "never_acknowledged",
                )
            ]  # fmt: skip
            self.assertEqual(keyed, [0] * 6, report)
        self.assertIn(SHARD_KILLED, report.rsplit("steady chat", 1)[-1])  # a row


class DuplicateSightingsTests(unittest.TestCase):
    """The run's table says what each duplicate was, so one message seen
    twice and one id given to two messages can be told apart."""

    def test_both_sightings_are_listed(self) -> None:
        client = ChaosClient(3, "r3", [1], 1.0)
        client.receive(7, "u1", "s4", live=True)
        client.receive(7, "u2", "s9", live=False)  # the same id, another message
        fault = tally("Redis primary killed (Sentinel)", [client], 0.0, 1e12, 0.0)
        self.assertEqual(fault.duplicates, 1)
        listed = table([fault], Plan())
        self.assertIn("u3 in r3: id 7 as 'MSG u1 s4', then 'HISTORY u2 s9'", listed)


class KeyedTallyTests(unittest.TestCase):
    """A keyed message a member got twice (two ids), one it got under
    another id than the ACK's, and one never acknowledged, each counted."""

    def test_keyed_faults_are_counted(self) -> None:
        sender = KeyedChaosClient(1, "r1", [1], 1.0)
        member = ChaosClient(2, "r1", [1], 1.0)
        for number in (1, 2, 3):
            sender.first_sent[number] = 1.0
        sender.acked.update({1: 2.0, 2: 2.0})
        sender.ack_ids.update({1: {10}, 2: {11}})
        member.receive(10, "u1", "s1", live=True)
        member.receive(12, "u1", "s1", live=True)  # s1 again, as another message
        member.receive(13, "u1", "s2", live=True)  # not the id its ACK named
        member.receive(14, "u1", "s3", live=True)  # never acknowledged
        fault = tally("steady chat", [sender, member], 0.0, 1e12, 0.0)
        self.assertEqual(
            (fault.keyed_acknowledged, fault.keyed_lost, fault.keyed_doubled),
            (2, 0, 1),
        )
        self.assertEqual((fault.keyed_other_id, fault.keyed_unsure), (1, 1))
        self.assertEqual(fault.keyed_never_acknowledged, 1)
        self.assertEqual(fault.acknowledged, 0)  # its own copies are no ACK
