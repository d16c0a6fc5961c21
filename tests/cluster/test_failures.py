"""When a node dies or Redis goes away: what users on the other nodes see.

A node is killed for real (``kill -9`` of a ``twistd chatroom`` process);
Redis is killed and restarted empty, under live traffic.
"""

from __future__ import annotations

from functools import partial

from twisted.internet import defer, reactor, task, utils

from chatroom.wire.lines import parse_event
from tests.cluster.redis_cluster import REDIS_CLI
from tests.cluster.support import ClusterTestCase
from tests.support import connect_client, redis_backend, until


class NodeFailureTests(ClusterTestCase):
    """A node that vanishes is harvested by the others."""

    @defer.inlineCallbacks
    def test_killed_node_is_harvested(self):
        """kill -9 a node: its users PART with a reason and their names come free."""
        survivor = yield self.node()
        process, port = yield self.doomed_node()
        carol = yield connect_client(reactor, port, "carol")
        self.clients.append(carol)
        alice = yield self.client(survivor, "alice")
        alice.say("/join general")
        yield alice.expect_line("JOINED general ")
        carol.say("/join general")
        yield alice.expect_line("JOIN general carol")
        carol.say("last words")
        yield alice.expect_line("MSG general carol ")

        assert process.transport is not None
        process.transport.signalProcess("KILL")
        # How soon (its TTL and the next beat) is held on a test clock, in
        # tests/cluster/test_harvest_timing.py: a loaded machine delays
        # what the wall clock sees here without the node being late.
        part = yield alice.expect_line("PART general carol ")
        self.assertEqual(part, "PART general carol server doomed went away")
        newcomer = yield self.client(survivor, "carol")
        listed = yield newcomer.expect_line("ROOM general ")
        self.assertEqual(listed, "ROOM general 1 256")

    @defer.inlineCallbacks
    def test_clean_shutdown_hands_users_back_at_once(self):
        """A node shut down on purpose releases its users without waiting for a TTL."""
        one, two, alice, _bob = yield self.alice_and_bob_in()
        yield two.stopService()
        part = yield alice.expect_line("PART general bob ")
        self.assertEqual(part, "PART general bob server node2 shut down")
        yield self.client(one, "bob")  # the name is free again


class RedisFailureTests(ClusterTestCase):
    """Redis goes away and comes back empty; the nodes carry on."""

    timeout = 45

    @defer.inlineCallbacks
    def test_redis_restarted_under_live_traffic(self):
        """Sessions survive, commands say UNAVAILABLE meanwhile, chat resumes."""
        one, two, alice, bob = yield self.alice_and_bob_in("live")

        sent: list[str] = []

        def chatter() -> None:
            sent.append(f"tick {len(sent)}")
            alice.say(sent[-1])

        ticker = task.LoopingCall(chatter)
        ticker.start(0.02)
        yield bob.expect_line("MSG live alice ")
        yield self.redis.stop()
        unavailable = yield alice.expect_line("ERR UNAVAILABLE ")
        self.assertIn("try again", unavailable)
        bob.say("/list")
        yield bob.expect_line("ERR UNAVAILABLE ")
        yield self.redis.start()  # same port, no data: everything is gone

        for client in (alice, bob):
            notice = yield client.expect_line("NOTICE live ")
            self.assertIn("may have been missed", notice)
        # Traffic flows again, and both see the same messages from here on.
        after = yield bob.expect_line("MSG live alice ")
        ticker.stop()
        marker = parse_event(after).text
        alice.say("done")
        yield bob.expect(lambda line: line.endswith(" done"))
        yield alice.expect(lambda line: line.endswith(" done"))

        def stream(client):
            lines = [
                parse_event(line).text
                for line in client.lines
                if line.startswith("MSG live alice ")
            ]
            return lines[lines.index(marker) :]

        self.assertEqual(stream(alice), stream(bob))
        self.assertEqual(stream(bob)[-1], "done")

        # Names and places were restored from the nodes, not lost with Redis.
        impostor = yield self.client(two)
        impostor.say("alice")
        refused = yield impostor.expect_line("ERR ")
        self.assertTrue(refused.startswith("ERR NAME_TAKEN "))
        # Arrival order and owner are rebuilt in the order the nodes resumed.
        bob.say("/who")
        members = yield bob.expect_line("MEMBERS live ")
        self.assertEqual(sorted(members.split()[2:]), ["alice", "bob"])
        owner = yield bob.expect_line("OWNER live ")
        self.assertIn(owner.split()[2], ("alice", "bob"))
        watcher = yield self.client(one, "watcher")
        listed = yield watcher.expect_line("ROOM live ")
        self.assertEqual(listed, "ROOM live 2 256")


class PartitionTests(ClusterTestCase):
    """A node cut off from Redis for longer than its TTL, then back."""

    @defer.inlineCallbacks
    def test_name_taken_meanwhile_is_never_held_twice(self):
        """The cut-off user's name goes to someone else; on return it gets BYE."""
        one, two = yield self.start_nodes(2)
        alice = yield self.client(one, "alice")
        alice.say("/join general")
        yield alice.expect_line("JOINED general ")
        bob = yield self.client(two, "bob")
        bob.say("/join general")
        yield bob.expect_line("JOINED general ")
        server = one.server
        # Cut node one off: its Redis connections go, and stay gone (closed,
        # so Redis holds none of them: node two need not wait --stall-grace).
        links = [
            redis_backend(server).commands,
            redis_backend(server).subscriber,
            redis_backend(server).heartbeat,
        ]
        yield defer.gatherResults([link.stopService() for link in links])
        alice.say("/list")
        yield alice.expect_line("ERR UNAVAILABLE ")
        part = yield bob.expect_line("PART general alice ")
        self.assertEqual(part, "PART general alice server node1 went away")
        usurper = yield self.client(two, "alice")  # the name came free
        self.assertEqual(usurper.lines[-1], "WELCOME alice")

        for link in links:
            link.startService()
        bye = yield alice.expect_line("BYE ")
        self.assertIn("your name was given to someone else", bye)
        yield alice.closed
        usurper.say("/msg alice still mine")
        line = yield usurper.expect_line("PRIVMSG alice alice ")
        self.assertTrue(line.endswith(" still mine"))


class MissedEventsTests(ClusterTestCase):
    """A node that lost Redis fetches what it missed and delivers it in order."""

    @defer.inlineCallbacks
    def test_dropped_links_during_traffic_lose_nothing(self):
        """Node two's Redis links drop and stay down while alice (on node one)
        keeps talking; bob (on node two) then gets every message, in order,
        once, without GAP or NOTICE."""
        _one, two, alice, bob = yield self.alice_and_bob_in("live")
        sent: list[str] = []

        def chatter() -> None:
            sent.append(f"tick {len(sent)}")
            alice.say(sent[-1])

        ticker = task.LoopingCall(chatter)
        ticker.start(0.01)
        yield bob.expect_line("MSG live alice ")
        backend = redis_backend(two.server)
        yield defer.gatherResults(
            [
                backend.commands.stopService(),
                backend.subscriber.stopService(),
            ]
        )
        cut_at = len(sent)
        yield until(
            lambda: defer.succeed(len(sent) > cut_at + 10),
            10,
            "traffic going on while Redis is cut off",
        )
        backend.commands.startService()
        backend.subscriber.startService()
        yield backend.when_available()
        resumed_at = len(sent)
        yield until(
            lambda: defer.succeed(len(sent) > resumed_at + 5),
            10,
            "traffic going on once Redis is back",
        )
        ticker.stop()
        alice.say("done")
        yield bob.expect(lambda line: line.endswith(" done"))
        yield alice.expect(lambda line: line.endswith(" done"))

        def said(client):
            return [
                parse_event(line).text
                for line in client.lines
                if line.startswith("MSG live alice ")
            ]

        self.assertEqual(said(bob), said(alice))
        self.assertEqual(said(bob), [*sent, "done"])
        self.assertFalse(
            [x for x in bob.lines if x.startswith(("NOTICE", "GAP"))], bob.lines[-5:]
        )


class ListingCase(ClusterTestCase):
    @defer.inlineCallbacks
    def room_names(self, client):
        """The room names of a fresh ``/list`` reply to ``client``."""
        client.say("/list")
        count = int((yield client.expect_line("ROOMS ")).split()[1])
        names = []
        for _ in range(count):
            names.append((yield client.expect_line("ROOM ")).split()[1])
        return names


class KeptRoomsTests(ListingCase):
    """Rooms emptied by a node's shutdown wait ``--grace`` for their members."""

    node_options = ("--rate", "0", "--node-ttl", "1.5", "--grace", "2")

    @defer.inlineCallbacks
    def test_rooms_outlive_their_node_for_the_grace(self):
        """Node one stops; its users' rooms stay listed with topic, history and
        owner; the one rejoined stays, the other goes once the grace is over,
        and the absent owner's room passes to who is there."""
        one, two = yield self.start_nodes(2)
        alice = yield self.client(one, "alice")
        alice.say("/create tea2")
        yield alice.expect_line("JOINED tea2 ")
        alice.say("/topic kept")
        yield alice.expect_line("TOPIC tea2 ")
        alice.say("hello")
        yield alice.expect_line("MSG tea2 alice ")
        carol = yield self.client(one, "carol")
        carol.say("/create cake")
        yield carol.expect_line("JOINED cake ")
        yield one.stopService()
        bob = yield self.client(two, "bob")
        names = yield self.room_names(bob)
        self.assertEqual(sorted(names), ["cake", "general", "tea2"])
        bob.say("/join tea2")
        yield bob.expect_line("MEMBERS tea2 bob")
        history = yield bob.expect_line("HISTORY ")
        self.assertTrue(
            history.startswith("HISTORY tea2 alice ") and "hello" in history
        )
        self.assertEqual((yield bob.expect_line("TOPIC ")), "TOPIC tea2 alice kept")

        @defer.inlineCallbacks
        def cake_gone():
            return "cake" not in (yield self.room_names(bob))

        yield until(cake_gone, 10, "cake gone after the grace, at a heartbeat")
        self.assertEqual(sorted((yield self.room_names(bob))), ["general", "tea2"])
        bob.say("/who")
        self.assertEqual((yield bob.expect_line("OWNER ")), "OWNER tea2 bob")

    @defer.inlineCallbacks
    def test_a_store_from_before_the_index_still_lets_its_rooms_go(self):
        """A room left waiting in a store from before the index of waiting
        rooms (``P keeping``: no index, no mark that it was made) goes once
        its grace is over: the first heartbeat indexes what waits."""
        one, two = yield self.start_nodes(2)
        carol = yield self.client(one, "carol")
        carol.say("/create cake")
        yield carol.expect_line("JOINED cake ")
        yield one.stopService()
        commands = redis_backend(two.server).commands.connection
        self.assertIn(b"cake", (yield commands.zrange("chatroom:keeping", 0, -1)))
        yield commands.delete("chatroom:keeping", "chatroom:keeping-indexed")
        bob = yield self.client(two, "bob")
        self.assertIn("cake", (yield self.room_names(bob)))

        @defer.inlineCallbacks
        def gone():
            return "cake" not in (yield self.room_names(bob))

        yield until(gone, 10, "the waiting room gone after its grace")

    @defer.inlineCallbacks
    def test_an_index_entry_of_a_room_that_waits_no_more_goes(self):
        """An entry of the waiting rooms' index whose room does not wait
        (what a step ending a wait would leave, stopped before the index's)
        is dropped by the node that finds it due, and the room stays."""
        (two,) = yield self.start_nodes(1)
        bob = yield self.client(two, "bob")
        bob.say("/create tea")
        yield bob.expect_line("JOINED tea ")
        commands = redis_backend(two.server).commands.connection
        yield commands.zadd("chatroom:keeping", 0, "tea")

        @defer.inlineCallbacks
        def dropped():
            return (yield commands.zscore("chatroom:keeping", "tea")) is None

        yield until(dropped, 10, "the stale entry dropped")
        self.assertIn("tea", (yield self.room_names(bob)))


class ComebackTests(ListingCase):
    """A cluster every node of which stopped gives the rooms left waiting
    ``--grace`` from when it comes back, as a single server gives the
    rooms it restores at start."""

    node_options = ("--rate", "0", "--node-ttl", "1.5", "--grace", "6")

    @defer.inlineCallbacks
    def test_rooms_whose_wait_ran_out_while_no_node_ran_wait_again(self):
        """Its only node stops, and the waits of tea and cake run out
        before a node starts again (their deadlines set in the past, as a
        stop longer than the grace leaves them). Started again, the node
        keeps both, while cup, whose wait runs out after the comeback,
        goes at the next heartbeat: bob rejoins tea, with its history;
        cake, rejoined by nobody, goes once the grace counted from the
        comeback is over."""
        (one,) = yield self.start_nodes(1)
        alice = yield self.client(one, "alice")
        alice.say("/create tea")
        yield alice.expect_line("JOINED tea ")
        alice.say("hello")
        yield alice.expect_line("MSG tea alice ")
        for name, room in (("carol", "cake"), ("dave", "cup")):
            creator = yield self.client(one, name)
            creator.say(f"/create {room}")
            yield creator.expect_line(f"JOINED {room} ")
        yield one.stopService()
        self.nodes.remove(one)
        for room in ("tea", "cake"):  # their waits ran out while none ran
            yield self.redis_cli("ZADD", "chatroom:keeping", "1", room)
            yield self.redis_cli("HSET", f"chatroom:room:{room}", "keep_until", "1")

        again = yield self.node(node_id="again")
        # after the comeback (which may be this very millisecond)
        now = str(int(reactor.seconds() * 1000) + 1)
        yield self.redis_cli("ZADD", "chatroom:keeping", now, "cup")
        yield self.redis_cli("HSET", "chatroom:room:cup", "keep_until", now)
        bob = yield self.client(again, "bob")

        @defer.inlineCallbacks
        def gone(room):
            return room not in (yield self.room_names(bob))

        yield until(partial(gone, "cup"), 20, "cup gone at a heartbeat")
        self.assertEqual(
            sorted((yield self.room_names(bob))), ["cake", "general", "tea"]
        )
        bob.say("/join tea")
        yield bob.expect_line("MEMBERS tea bob")
        history = yield bob.expect_line("HISTORY ")
        self.assertTrue(history.startswith("HISTORY tea alice "), history)
        self.assertTrue(history.endswith(" hello"), history)
        yield until(partial(gone, "cake"), 20, "cake gone once the grace is over")
        self.assertIn("tea", (yield self.room_names(bob)))

    def redis_cli(self, *command: str) -> defer.Deferred[None]:
        """``command`` run by ``redis-cli`` on the cluster's Redis, while
        no node runs."""
        assert REDIS_CLI is not None, "redis-cli comes with redis-server"
        done = utils.getProcessValue(REDIS_CLI, ("-u", self.redis_url, *command))
        return done.addCallback(self.assertEqual, 0)
