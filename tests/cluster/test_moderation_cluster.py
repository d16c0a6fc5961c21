"""Accounts, moderation and admins across nodes: the same rules wherever users are.

Two real nodes share one real redis-server; users on different nodes sign
in, moderate and administer each other over real sockets, and every test
checks what a user would notice: who is refused, who hears what, who is
disconnected, and what a restarted cluster still knows.
"""

from __future__ import annotations

from twisted.internet import defer

from tests.cluster.support import ClusterTestCase
from tests.support import redis_backend

PASSWORD = "correct-horse-staple"


class ModerationAcrossNodesTests(ClusterTestCase):
    """``root`` is a server admin on every node."""

    node_options = (*ClusterTestCase.node_options, "--admins", "root")

    @defer.inlineCallbacks
    def signed_in(self, node, name, new=False):
        """A client of ``node`` signed in to ``name`` (registering it, if new)."""
        client = yield self.client(node)
        client.say(f"/{'register' if new else 'login'} {name} {PASSWORD}")
        yield client.expect_line(f"REGISTERED {name}" if new else f"WELCOME {name}")
        return client

    @defer.inlineCallbacks
    def refused(self, client, line, code):
        client.say(line)
        reply = yield client.expect_line("ERR ")
        self.assertTrue(reply.startswith(f"ERR {code} "), (line, reply))
        return reply

    @defer.inlineCallbacks
    def enter(self, client, line):
        """``/join ...`` or ``/create ...``: wait until the client is in."""
        client.say(line)
        yield client.expect_line(f"MEMBERS {line.split()[1]} ")

    @defer.inlineCallbacks
    def in_tea(self, *members):
        """Plain users, given as (node, name), in room tea: the first made it."""
        clients = []
        for index, (node, name) in enumerate(members):
            client = yield self.client(node, name)
            yield self.enter(client, f"/{'join' if index else 'create'} tea")
            clients.append(client)
        return clients

    @defer.inlineCallbacks
    def test_a_ban_by_account_holds_on_the_other_node_under_any_name(self):
        """Banned on node one, bob is kicked on node two and refused there
        and on node one, under another name, after reconnecting too."""
        one, two = yield self.start_nodes(2)
        alice = yield self.signed_in(one, "alice", new=True)
        yield self.enter(alice, "/create tea")
        bob = yield self.signed_in(two, "bob", new=True)
        yield self.enter(bob, "/join tea")
        alice.say("/ban bob")
        self.assertEqual((yield alice.expect_line("BAN ")), "BAN tea account:bob alice")
        self.assertEqual((yield bob.expect_line("KICKED ")), "KICKED tea alice banned")
        yield bob.expect_line("ROOMS ")
        yield self.refused(bob, "/join tea", "BANNED")
        bob.say("/quit")
        yield bob.closed
        again = yield self.signed_in(two, "bob")
        again.say("/nick robert")
        yield again.expect_line("NICK bob robert")
        yield self.refused(again, "/join tea", "BANNED")
        elsewhere = yield self.signed_in(one, "bob")  # a second session, same account
        elsewhere.say("/nick bobby")
        yield elsewhere.expect_line("NICK bob bobby")
        yield self.refused(elsewhere, "/join tea", "BANNED")
        plain = yield self.client(two, "carol")
        yield self.enter(plain, "/join tea")

    @defer.inlineCallbacks
    def test_a_kick_on_one_node_sends_the_member_on_the_other_to_the_lobby(self):
        """The kicked member gets KICKED and the room list, never the KICK nor
        anything said after it; members on both nodes get KICK."""
        one, two = yield self.start_nodes(2)
        alice, bob, carol, dave = yield self.in_tea(
            (one, "alice"), (two, "bob"), (one, "carol"), (two, "dave")
        )
        alice.say("/kick bob being rude")
        self.assertEqual(
            (yield bob.expect_line("KICKED ")), "KICKED tea alice being rude"
        )
        yield bob.expect_line("ROOMS ")
        for member in (alice, carol, dave):
            self.assertEqual(
                (yield member.expect_line("KICK ")), "KICK tea bob alice being rude"
            )
        carol.say("after the kick")
        yield dave.expect_line("MSG tea carol ")  # dave is on bob's node
        self.assertEqual(
            [line for line in bob.lines if line.startswith(("KICK ", "MSG "))], []
        )
        yield self.refused(bob, "hello?", "NOT_IN_ROOM")
        yield self.enter(bob, "/join tea")  # a kick is not a ban

    @defer.inlineCallbacks
    def test_signing_in_on_another_node_adds_a_device(self):
        """alice signs in on node two while connected on node one: nobody is
        ended and her room hears nothing; both devices get her private
        messages; the one on node two is shown the room with no JOIN, and
        what it says reaches the room once; a /leave on node one takes her
        out, and the device on node two hears LEFT; her name outlives the
        device that signed in first."""
        one, two = yield self.start_nodes(2)
        alice = yield self.signed_in(one, "alice", new=True)
        yield self.enter(alice, "/create tea")
        bob = yield self.client(two, "bob")
        yield self.enter(bob, "/join tea")
        yield alice.expect_line("JOIN tea bob")
        laptop = yield self.signed_in(two, "alice")
        bob.say("/msg alice are you there?")
        for device in (alice, laptop):
            line = yield device.expect_line("PRIVMSG bob alice ")
            self.assertTrue(line.endswith(" are you there?"))
        laptop.say("/join tea")
        self.assertEqual(
            (yield laptop.expect_line("MEMBERS tea")), "MEMBERS tea alice bob"
        )
        laptop.say("from the laptop")
        for device in (alice, laptop, bob):
            line = yield device.expect_line("MSG tea alice ")
            self.assertTrue(line.endswith(" from the laptop"))
        bob.say("/who")
        self.assertEqual((yield bob.expect_line("MEMBERS ")), "MEMBERS tea alice bob")
        alice.say("/leave")
        yield alice.expect_line("LEFT tea")
        self.assertEqual((yield laptop.expect_line("LEFT ")), "LEFT tea")
        self.assertTrue((yield bob.expect_line("PART tea alice")).endswith(" left"))
        alice.say("/quit")
        yield alice.closed
        bob.say("/msg alice still there?")
        line = yield laptop.expect_line("PRIVMSG bob alice ")
        self.assertTrue(line.endswith(" still there?"))
        yield self.refused(
            (yield self.client(one)), f"/register alice {PASSWORD}", "NAME_REGISTERED"
        )
        unwanted = ("JOIN tea alice", "BYE")
        self.assertFalse([x for x in bob.lines if x.startswith(unwanted)])

    @defer.inlineCallbacks
    def test_a_node_going_hands_the_account_to_its_other_device(self):
        """alice's first device's node shuts down: her device on the other
        node keeps her name and her room (nobody hears PART), and her
        private messages reach it there."""
        one, two = yield self.start_nodes(2)
        alice = yield self.signed_in(one, "alice", new=True)
        yield self.enter(alice, "/create tea")
        bob = yield self.client(two, "bob")
        yield self.enter(bob, "/join tea")
        laptop = yield self.signed_in(two, "alice")
        laptop.say("/join tea")
        yield laptop.expect_line("MEMBERS tea")
        yield one.stopService()
        yield alice.closed
        bob.say("/msg alice still with us?")
        line = yield laptop.expect_line("PRIVMSG bob alice ")
        self.assertTrue(line.endswith(" still with us?"))
        bob.say("/who")
        self.assertEqual((yield bob.expect_line("MEMBERS ")), "MEMBERS tea alice bob")
        self.assertFalse([x for x in bob.lines if x.startswith("PART tea alice")])

    @defer.inlineCallbacks
    def test_invite_only_room_admits_only_the_invited_on_the_other_node(self):
        """Uninvited joiners on node two are refused; an invitation from node
        one reaches the invitee there and lets them in."""
        one, two = yield self.start_nodes(2)
        (alice,) = yield self.in_tea((one, "alice"))
        alice.say("/set invite-only on")
        yield alice.expect_line("SET tea invite-only on alice")
        dave = yield self.client(two, "dave")
        erin = yield self.client(two, "erin")
        yield self.refused(dave, "/join tea", "INVITE_ONLY")
        alice.say("/invite erin")
        self.assertEqual((yield erin.expect_line("INVITED ")), "INVITED tea alice")
        self.assertEqual((yield alice.expect_line("INVITE ")), "INVITE tea erin alice")
        yield self.enter(erin, "/join tea")
        yield alice.expect_line("JOIN tea erin")
        yield self.refused(dave, "/join tea", "INVITE_ONLY")
        yield self.refused(erin, "/invite dave", "NOT_ALLOWED")

    @defer.inlineCallbacks
    def test_keyed_room_refuses_a_wrong_key_on_the_other_node(self):
        """No key or a wrong one is BAD_KEY on node two; the key lets bob in."""
        one, two = yield self.start_nodes(2)
        (alice,) = yield self.in_tea((one, "alice"))
        alice.say("/set key s3cret")
        yield alice.expect_line("SET tea key on alice")
        bob = yield self.client(two, "bob")
        yield self.refused(bob, "/join tea", "BAD_KEY")
        yield self.refused(bob, "/join tea wrong", "BAD_KEY")
        yield self.enter(bob, "/join tea s3cret")
        alice.say("/set key off")
        yield bob.expect_line("SET tea key off alice")
        carol = yield self.client(two, "carol")
        yield self.enter(carol, "/join tea")

    @defer.inlineCallbacks
    def test_an_operator_on_one_node_cannot_kick_the_owner_on_the_other(self):
        """bob, made operator, kicks carol but not alice, who owns the room."""
        one, two = yield self.start_nodes(2)
        alice, bob, carol = yield self.in_tea(
            (one, "alice"), (two, "bob"), (one, "carol")
        )
        alice.say("/op bob")
        yield bob.expect_line("OP tea bob alice")
        details = yield defer.ensureDeferred(
            one.server.registry.rooms.room_details("tea")
        )
        self.assertEqual((details.owner, details.operators), ("alice", ["bob"]))
        reply = yield self.refused(bob, "/kick alice", "NOT_ALLOWED")
        self.assertIn("owns tea", reply)
        yield self.refused(bob, "/ban alice", "NOT_ALLOWED")
        bob.say("/kick carol")
        yield carol.expect_line("KICKED tea bob no reason given")
        bob.say("/who")
        self.assertEqual(
            (yield bob.expect_line("MEMBERS tea")), "MEMBERS tea alice bob"
        )

    @defer.inlineCallbacks
    def test_admin_commands_across_nodes(self):
        """Non-admins are refused; root's /announce reaches both nodes, /kill
        and /gban disconnect users on the other node, and a banned account
        cannot sign in on either."""
        one, two = yield self.start_nodes(2)
        carol = yield self.client(two, "carol")
        bob = yield self.signed_in(two, "bob", new=True)
        for command in ("/kill carol", "/gban carol", "/announce hi"):
            yield self.refused(carol, command, "NOT_ALLOWED")
            yield self.refused(bob, command, "NOT_ALLOWED")
        root = yield self.signed_in(one, "root", new=True)
        neighbour = yield self.client(one, "neighbour")
        root.say("/announce maintenance at noon")
        for user in (root, neighbour, carol, bob):
            self.assertEqual(
                (yield user.expect_line("ANNOUNCE ")),
                "ANNOUNCE root maintenance at noon",
            )
        yield self.enter(carol, "/join general")
        yield self.enter(neighbour, "/join general")
        root.say("/kill carol spamming")
        self.assertEqual(
            (yield carol.expect_line("BYE ")), "BYE killed by root: spamming"
        )
        yield carol.closed
        self.assertEqual(
            (yield neighbour.expect_line("PART general carol")),
            "PART general carol killed by root: spamming",
        )
        yield root.expect_line("KILLED carol root spamming")
        bob.say("/nick robert")  # the ban is by account, whatever the name
        yield bob.expect_line("NICK bob robert")
        root.say("/gban bob")
        self.assertEqual((yield root.expect_line("GBAN ")), "GBAN account:bob root")
        self.assertEqual(
            (yield bob.expect_line("BYE ")),
            "BYE banned from this server: no reason given",
        )
        yield bob.closed
        for node in (one, two):
            yield self.refused(
                (yield self.client(node)), f"/login bob {PASSWORD}", "BANNED"
            )
        root.say("/gbans")
        self.assertEqual((yield root.expect_line("GBANS")), "GBANS account:bob")
        root.say("/gunban bob")
        yield root.expect_line("GUNBAN account:bob root")
        yield self.signed_in(two, "bob")

    @defer.inlineCallbacks
    def test_a_kept_room_survives_a_full_cluster_restart(self):
        """Every node stops and new ones start on the same Redis: the kept
        room is there, empty, with its settings, and owned by alice's
        account again when she joins."""
        one, two = yield self.start_nodes(2)
        alice = yield self.signed_in(one, "alice", new=True)
        yield self.enter(alice, "/create tea")
        for setting in ("keep on", "topic-lock on", "invite-only on"):
            alice.say(f"/set {setting}")
            yield alice.expect_line(f"SET tea {setting} alice")
        alice.say("/topic Tea and biscuits")
        yield alice.expect_line("TOPIC tea alice Tea and biscuits")
        yield self.refused(alice, "/invite bob", "NO_SUCH_USER")  # not connected
        bob = yield self.client(two, "bob")
        alice.say("/invite bob")
        yield bob.expect_line("INVITED tea alice")
        yield self.enter(bob, "/join tea")
        yield one.stopService()
        yield two.stopService()
        three, four = yield self.start_nodes(2)
        dave = yield self.client(four, "dave")
        dave.say("/list")
        yield dave.expect_line("ROOMS ")
        self.assertEqual(
            (yield dave.expect_line("ROOM tea")), "ROOM tea 0 256 Tea and biscuits"
        )
        yield self.refused(dave, "/join tea", "INVITE_ONLY")
        back = yield self.signed_in(three, "alice")
        yield self.enter(back, "/join tea")
        back.say("/who")
        self.assertEqual((yield back.expect_line("OWNER ")), "OWNER tea alice")
        back.say("/info")
        info = []
        line = yield back.expect_line("INFO")
        while line.startswith("INFO "):
            info.append(line)
            line = yield back.expect_line("INFO")
        self.assertIn("INFO tea keep on", info)
        self.assertIn("INFO tea topic-lock on", info)
        self.assertIn("INFO tea invite-only on", info)
        back.say("/invite dave")
        yield dave.expect_line("INVITED tea alice")
        yield self.enter(dave, "/join tea")
        yield self.refused(dave, "/topic mine now", "NOT_ALLOWED")
        yield self.refused(dave, "/set keep off", "NOT_ALLOWED")
        back.say("/leave")
        yield back.expect_line("LEFT tea")
        dave.say("/who")
        yield dave.expect_line("MEMBERS tea dave")
        # Ownership stayed with alice's account: dave did not inherit it.
        yield self.refused(dave, "/kick alice", "NOT_ALLOWED")

    @defer.inlineCallbacks
    def test_a_kill_missed_while_out_of_touch_takes_effect_on_return(self):
        """bob's node is cut off from Redis when root kills him: the node
        missed the message, and on getting back in touch it ends bob's
        session with the admin's words (the name is not re-claimed)."""
        one, two = yield self.start_nodes(2)
        root = yield self.signed_in(one, "root", new=True)
        bob = yield self.client(two, "bob")
        backend = redis_backend(two.server)
        yield defer.gatherResults(
            [
                backend.commands.stopService(),
                backend.subscriber.stopService(),
            ]
        )
        root.say("/kill bob away with you")
        yield root.expect_line("KILLED bob root away with you")
        backend.commands.startService()
        backend.subscriber.startService()
        self.assertEqual(
            (yield bob.expect_line("BYE ")), "BYE killed by root: away with you"
        )
        yield bob.closed
        yield self.client(one, "bob")  # the name is free
