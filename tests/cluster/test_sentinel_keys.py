"""Keyed lines (``/txn``) behind Sentinel with ``--redis-replicas``: a
keyed message reaches the room's members only once a replica has it, so
one refused ``ERR UNAVAILABLE`` and sent again is seen once, under the id
its ``ACK`` names (docs/scaling.md, *Keys of /txn in Redis*).

Real processes throughout: a primary, a replica and three Sentinels
(``tests/cluster/sentinels.py``), two nodes connected with ``--redis
sentinel://...``, the replica stopped and started again.
"""

from __future__ import annotations

from twisted.internet import defer

from chatroom.wire.lines import parse_event
from tests.cluster.sentinels import SentinelTestCase, ask
from tests.cluster.test_sentinel import UNCONFIRMED, said
from tests.support import until

TEXT = "anyone keeping this?"
KEYED = f"/txn k1 /say tea {TEXT}"


def copies(client, text: str) -> list[str]:
    """The ids of the room messages ``text`` that ``client`` (``ids``) got."""
    return [
        line.split(" ", 1)[0][1:]
        for line in client.lines
        if line.startswith("@") and " MSG tea " in line and line.endswith(" " + text)
    ]


class KeyedBehindSentinelTests(SentinelTestCase):
    node_options = ("--rate", "0", "--node-ttl", "15", "--redis-timeout", "2")

    @defer.inlineCallbacks
    def test_a_keyed_message_no_replica_confirmed_reaches_nobody_until_sent_again(
        self,
    ):
        """With the replica gone, alice's keyed message is refused and
        reaches nobody (where a plain one said after it reaches bob); sent
        again once the replica is back, bob gets it once, under the id of
        alice's ``ACK``; a third send brings only that ``ACK``."""
        _one, _two, alice, bob = yield self.alice_and_bob_in("tea")
        bob.say("/caps ids")
        yield bob.expect_line("CAPS ")
        yield self.replica.stop()
        alice.say(KEYED)
        refused = yield alice.expect_line("ERR UNAVAILABLE ")
        self.assertEqual(refused, UNCONFIRMED + TEXT)
        alice.say("plain after it")  # published, though not confirmed
        yield alice.expect_line("ERR UNAVAILABLE ")
        yield bob.expect(lambda line: line.endswith(" plain after it"))
        self.assertEqual(copies(bob, TEXT), [])  # held: it would have come first

        yield self.replica.start()
        yield until(self.replica_in_sync, 10, "the replica back in sync")
        alice.say(KEYED)
        own = yield alice.expect(said("tea", "alice", TEXT))
        ack = yield alice.expect_line("ACK k1 ")
        _, key, target, event_id = ack.split(" ")[:4]
        self.assertEqual((key, target), ("k1", "tea"))
        self.assertEqual(parse_event(own).text, TEXT)
        yield bob.expect(lambda line: line.endswith(" " + TEXT))

        alice.say(KEYED)
        self.assertEqual((yield alice.expect_line("ACK k1 ")), ack)
        alice.say("and the last")
        yield alice.expect(said("tea", "alice", "and the last"))
        yield bob.expect(lambda line: line.endswith(" and the last"))
        self.assertEqual(copies(bob, TEXT), [event_id])
        bob.say("/history 20")
        yield bob.expect_line("HISTORY_END tea ")
        stored = [line for line in bob.lines if " HISTORY tea alice " in line]
        self.assertEqual(sum(line.endswith(" " + TEXT) for line in stored), 1)

    @defer.inlineCallbacks
    def test_one_key_twice_in_one_write_is_published_once(self):
        """alice sends one keyed line twice in one write on node one while
        bob listens on node two: both sends are answered the same ``ACK``,
        alice sees her copy once and bob his."""
        _one, _two, alice, bob = yield self.alice_and_bob_in("tea")
        bob.say("/caps ids")
        yield bob.expect_line("CAPS ")
        alice.transport.write(f"{KEYED}\r\n{KEYED}\r\n".encode())
        first = yield alice.expect_line("ACK k1 ")
        second = yield alice.expect_line("ACK k1 ")
        self.assertEqual(first, second)
        alice.say("marker")
        yield bob.expect(lambda line: line.endswith(" marker"))
        self.assertEqual(copies(bob, TEXT), [first.split(" ")[3]])
        own = [line for line in alice.lines if line.endswith(" " + TEXT)]
        self.assertEqual(len(own), 1)


class ChangesBehindSentinelTests(SentinelTestCase):
    """An edit is acknowledged only once a replica has it, as a message is
    (docs/scaling.md, *Keys of /txn in Redis*)."""

    node_options = ("--rate", "0", "--node-ttl", "15", "--redis-timeout", "2")

    @defer.inlineCallbacks
    def test_a_keyed_edit_is_acknowledged_once_a_replica_has_it(self):
        """With the replica gone, alice's keyed edit is refused
        ``UNAVAILABLE``, with no ``ACK`` (bob sees it, as he does a plain
        message said then); sent again once the replica is back, it is
        acknowledged by its key, and bob sees it once."""
        _one, _two, alice, bob = yield self.alice_and_bob_in("tea")
        for client in (alice, bob):
            client.say("/caps ids")
            yield client.expect_line("CAPS ")
        alice.say("to be edited")
        own = yield alice.expect(lambda line: line.endswith(" to be edited"))
        message = own.split(" ", 1)[0][1:]  # its @ID
        yield self.replica.stop()
        edit = f"/txn e1 /edit {message} edited while alone"
        alice.say(edit)
        refused = yield alice.expect_line("ERR UNAVAILABLE ")
        self.assertIn("no replica of Redis confirmed it", refused)
        self.assertFalse([line for line in alice.lines if line.startswith("ACK ")])

        yield self.replica.start()
        yield until(self.replica_in_sync, 10, "the replica back in sync")
        alice.say(edit)
        yield alice.expect_line("ACK e1 tea ")
        alice.say("and after it")
        yield bob.expect(lambda line: line.endswith(" and after it"))
        edits = [line for line in bob.lines if line.endswith(" edited while alone")]
        self.assertEqual(len(edits), 1, edits)


PRIVATE = "just between us"
KEYED_PRIVATE = f"/txn p1 /msg bob {PRIVATE}"
PASSWORD = "correct horse staple"


def private_copies(client, text: str) -> list[str]:
    """The ids of the private messages ``text`` that ``client`` (``ids``)
    got live."""
    return [
        line.split(" ", 1)[0][1:]
        for line in client.lines
        if line.startswith("@") and " PRIVMSG " in line and line.endswith(" " + text)
    ]


def in_history(lines: list[str]) -> list[str]:
    """The lines of a ``/history @alice`` (and the live ones) that hold
    alice's keyed private message to bob."""
    return [
        line
        for line in lines
        if " PRIVMSG alice bob " in line and line.endswith(" " + PRIVATE)
    ]


class PrivateBehindSentinelTests(SentinelTestCase):
    """A keyed private message between accounts is held as a room's is:
    its recipient gets it only once a replica has it (docs/scaling.md,
    *The Sentinel constraint*)."""

    node_options = ("--rate", "0", "--node-ttl", "15", "--redis-timeout", "2")

    @defer.inlineCallbacks
    def accounts(self):
        """alice (node one) and bob (node two), each signed in to an
        account of the same name, bob with ``ids``."""
        one, two = yield self.start_nodes(2)
        alice = yield self.client(one, "alice")
        bob = yield self.client(two, "bob")
        for client, name in ((alice, "alice"), (bob, "bob")):
            client.say(f"/register {PASSWORD}")
            yield client.expect_line(f"REGISTERED {name}")
            client.say("/caps ids")
            yield client.expect_line("CAPS ")
        return alice, bob

    @defer.inlineCallbacks
    def test_a_keyed_private_message_no_replica_confirmed_reaches_nobody(self):
        """With the replica gone, alice's keyed message to bob is refused
        and reaches nobody, where an unkeyed one sent after it reaches bob
        at once; sent again once the replica is back, bob gets it once,
        under the id of alice's ``ACK``, and ``/history`` holds it once; a
        third send brings only that ``ACK``."""
        alice, bob = yield self.accounts()
        yield self.replica.stop()
        alice.say(KEYED_PRIVATE)
        refused = yield alice.expect_line("ERR UNAVAILABLE ")
        self.assertEqual(refused, UNCONFIRMED + PRIVATE)
        alice.say("/msg bob plain after it")  # not held: told at once
        yield bob.expect(lambda line: line.endswith(" plain after it"))
        self.assertEqual(private_copies(bob, PRIVATE), [])

        yield self.replica.start()
        yield until(self.replica_in_sync, 10, "the replica back in sync")
        alice.say(KEYED_PRIVATE)
        own = yield alice.expect(
            lambda line: " PRIVMSG alice bob " in line and line.endswith(PRIVATE)
        )
        ack = yield alice.expect_line("ACK p1 ")
        _, key, target, event_id = ack.split(" ")[:4]
        self.assertEqual((key, target), ("p1", "@bob"))
        self.assertEqual(own.split(" ", 1)[0], "@" + event_id)
        yield bob.expect(lambda line: line.endswith(" " + PRIVATE))

        alice.say(KEYED_PRIVATE)
        self.assertEqual((yield alice.expect_line("ACK p1 ")), ack)
        alice.say("/msg bob and the last")
        yield bob.expect(lambda line: line.endswith(" and the last"))
        self.assertEqual(private_copies(bob, PRIVATE), [event_id])
        bob.say("/history @alice 20")
        yield bob.expect_line("HISTORY_END @alice ")
        kept = in_history(bob.lines)
        self.assertEqual(len(kept), 2)  # live, and once in the history
        self.assertEqual({line.split(" ", 1)[0] for line in kept}, {"@" + event_id})

    @defer.inlineCallbacks
    def test_a_keyed_message_between_plain_names_is_held_too(self):
        """Between plain names (kept nowhere but its key), with the
        replica gone, alice's keyed message is refused and bob gets
        nothing; sent again once the replica is back, bob gets it once
        and alice her copy and ``ACK q1 @bob -``, which a third send
        brings alone."""
        one, two = yield self.start_nodes(2)
        alice = yield self.client(one, "alice")
        bob = yield self.client(two, "bob")
        keyed = f"/txn q1 /msg bob {PRIVATE}"
        yield self.replica.stop()
        alice.say(keyed)
        refused = yield alice.expect_line("ERR UNAVAILABLE ")
        self.assertEqual(refused, UNCONFIRMED + PRIVATE)
        alice.say("/msg bob plain after it")
        yield bob.expect(lambda line: line.endswith(" plain after it"))
        told = [line for line in bob.lines if line.endswith(" " + PRIVATE)]
        self.assertEqual(told, [])

        yield self.replica.start()
        yield until(self.replica_in_sync, 10, "the replica back in sync")
        alice.say(keyed)
        yield alice.expect(
            lambda line: (
                line.startswith("PRIVMSG alice bob ") and line.endswith(PRIVATE)
            )
        )
        ack = yield alice.expect_line("ACK q1 ")
        self.assertEqual(ack, "ACK q1 @bob -")
        yield bob.expect(lambda line: line.endswith(" " + PRIVATE))
        alice.say(keyed)
        self.assertEqual((yield alice.expect_line("ACK q1 ")), ack)
        alice.say("/msg bob and the last")
        yield bob.expect(lambda line: line.endswith(" and the last"))
        told = [line for line in bob.lines if line.endswith(" " + PRIVATE)]
        self.assertEqual(len(told), 1, told)
        own = [
            line
            for line in alice.lines
            if line.startswith("PRIVMSG ") and line.endswith(" " + PRIVATE)
        ]
        self.assertEqual(len(own), 1, own)

    @defer.inlineCallbacks
    def test_a_keyed_message_for_an_absent_account_is_kept_once(self):
        """bob's account has nobody signed in: alice's keyed message to
        it, refused while the replica is gone, is kept for him only once
        sent again with the replica back; he signs in and gets it once,
        under the id of alice's ``ACK``."""
        alice, bob = yield self.accounts()
        bob.say("/quit")
        yield bob.closed

        @defer.inlineCallbacks
        def bob_gone():
            held = yield ask(self.primary.port, "HEXISTS", "chatroom:users", "bob")
            return held == 0

        yield until(bob_gone, 10, "bob's name released")
        yield self.replica.stop()
        alice.say(KEYED_PRIVATE)
        refused = yield alice.expect_line("ERR UNAVAILABLE ")
        self.assertEqual(refused, UNCONFIRMED + PRIVATE)
        yield self.replica.start()
        yield until(self.replica_in_sync, 10, "the replica back in sync")
        alice.say(KEYED_PRIVATE)
        ack = yield alice.expect_line("ACK p1 ")
        event_id = ack.split(" ")[3]

        _one, two = self.nodes
        back = yield self.client(two)
        back.say(f"/login bob {PASSWORD}")
        yield back.expect_line("WELCOME bob")
        back.say("/caps ids")
        yield back.expect_line("CAPS ")
        back.say("/msg alice back")
        yield alice.expect(lambda line: line.endswith(" back"))
        kept = [line for line in back.lines if line.endswith(" " + PRIVATE)]
        self.assertEqual(len(kept), 1, kept)
        back.say("/history @alice 20")
        yield back.expect_line("HISTORY_END @alice ")
        stored = in_history(back.lines)
        self.assertEqual([line.split(" ", 1)[0] for line in stored], ["@" + event_id])
