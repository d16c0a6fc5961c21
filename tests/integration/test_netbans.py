"""Server bans by network at every door, over real sockets, on one server
and on two nodes.

Clients connect from loopback addresses (127.0.0.2, 127.0.0.3, ...), their
sockets bound to them; the admin ``root`` from 127.0.0.9, outside every
network banned here.
"""

from __future__ import annotations

from typing import Any

from twisted.internet import defer, reactor, task
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol
from twisted.internet.error import ConnectionDone

from tests.cluster.support import ClusterTestCase
from tests.integration.test_doors import DoorsTestCase, line_from
from tests.support import LineClient, ServerTestCase, redis_backend

PASSWORD = "correct-horse-staple"
ADMIN_HOST = "127.0.0.9"
BANNED, OTHER = "127.0.0.2", "127.0.0.3"
SPAM = "banned from this server: spam from a proxy"


@defer.inlineCallbacks
def named(client: Any, name: str):
    """``client`` greeted, then named ``name``."""
    yield client.expect_line("HELLO ")
    client.say(name)
    yield client.expect_line(f"WELCOME {name}")
    return client


@defer.inlineCallbacks
def admin(testcase: Any, port: int, new: bool = True):
    """``root`` signed in (registered first if ``new``) from :data:`ADMIN_HOST`."""
    root = yield line_from(testcase, port, ADMIN_HOST)
    yield root.expect_line("HELLO ")
    root.say(f"/{'register' if new else 'login'} root {PASSWORD}")
    yield root.expect_line("REGISTERED root" if new else "WELCOME root")
    return root


@defer.inlineCallbacks
def root_and_named(testcase: Any, host: str, name: str):
    """Two nodes: ``root`` signed in on node one, and a user from ``host``
    named ``name`` on node two; node two and root's client."""
    one, two = yield testcase.start_nodes(2)
    root = yield admin(testcase, testcase.port_of(one))
    yield named((yield line_from(testcase, testcase.port_of(two), host)), name)
    return two, root


@defer.inlineCallbacks
def out_of_touch(node: Any, meanwhile: Any):
    """``node`` cut off from Redis (its commands and subscriber links down)
    until ``meanwhile()`` has fired; then back in touch, and in the cluster."""
    backend = redis_backend(node.server)
    yield defer.gatherResults(
        [backend.commands.stopService(), backend.subscriber.stopService()]
    )
    yield meanwhile()
    backend.commands.startService()
    backend.subscriber.startService()
    yield backend.when_available()


class NetworkBanDoorsTests(DoorsTestCase):
    """Every door of one server."""

    options = (*DoorsTestCase.options, "--admins", "root")

    @defer.inlineCallbacks
    def test_disconnected_and_refused_at_every_door(self):
        """``/gban ip:127.0.0.2``: its users at every door are closed with
        the reason, and new connections from there are refused before a
        name (line: one ``BYE``; IRC: ``465`` and ``ERROR``; the page's
        socket: the ``BYE``, then closed), while 127.0.0.3 chats on."""
        root = yield admin(self, self.port)
        lina = yield named((yield line_from(self, self.port, BANNED)), "lina")
        ivy = yield self.irc_from(BANNED, "NICK ivy", "USER i 0 * :i")
        yield ivy.expect(lambda line: " 001 ivy " in line)
        wes = yield named((yield self.browser_from(BANNED)), "wes")
        carol = yield named((yield line_from(self, self.port, OTHER)), "carol")
        carol.say("/join general")
        yield carol.expect_line("MEMBERS general")
        root.say("/gban ip:127.0.0.2 spam from a proxy")
        self.assertEqual((yield root.expect_line("GBAN ")), "GBAN ip:127.0.0.2 root")
        self.assertEqual((yield lina.expect_line("BYE ")), f"BYE {SPAM}")
        yield lina.closed
        self.assertEqual(
            (yield ivy.expect_line("ERROR ")), f"ERROR :Closing Link: {BANNED} ({SPAM})"
        )
        yield ivy.closed
        self.assertEqual((yield wes.expect_line("BYE ")), f"BYE {SPAM}")

        line = yield line_from(self, self.port, BANNED)
        line.say("mallory")
        yield line.closed
        self.assertEqual(line.lines, [f"BYE {SPAM}"])
        irc = yield self.irc_from(BANNED, "NICK mallory", "USER m 0 * :m")
        yield irc.closed
        self.assertEqual(
            irc.lines,
            [
                f":chatroom 465 * :{SPAM}",
                f"ERROR :Closing Link: {BANNED} ({SPAM})",
            ],
        )
        page = yield self.browser_from(BANNED)
        page.say("mallory")
        yield page.closed
        self.assertEqual(page.lines.lines, [f"BYE {SPAM}"])

        carol.say("still here")
        yield carol.expect_line("MSG general carol ")
        root.say("/gunban ip:127.0.0.2")
        yield root.expect_line("GUNBAN ip:127.0.0.2 root")
        yield named((yield line_from(self, self.port, BANNED)), "lina")

    @defer.inlineCallbacks
    def test_a_network_covers_both_and_a_short_ban_ends_by_itself(self):
        """A ``/30`` covers 127.0.0.2 and 127.0.0.3; a ``2s`` ban lets
        127.0.0.2 in again once it ends (waited for, not slept)."""
        root = yield admin(self, self.port)
        two = yield named((yield line_from(self, self.port, BANNED)), "two")
        three = yield named((yield line_from(self, self.port, OTHER)), "three")
        root.say("/gban ip:127.0.0.0/30 2s raid")
        reply = yield root.expect_line("GBAN ")
        self.assertEqual(reply.split()[:3], ["GBAN", "ip:127.0.0.0/30", "root"])
        for user in (two, three):
            self.assertEqual(
                (yield user.expect_line("BYE ")), "BYE banned from this server: raid"
            )
        root.say("/gbans")
        listed = yield root.expect_line("GBANS")
        self.assertEqual(listed, f"GBANS ip:127.0.0.0/30@{reply.split()[3]}")
        for _ in range(100):  # at most about 5 s
            client = yield line_from(self, self.port, OTHER)
            first = yield client.expect(lambda line: True)
            if first.startswith("HELLO "):
                break
            self.assertEqual(first, "BYE banned from this server: raid")
            yield client.closed
            yield task.deferLater(reactor, 0.05, lambda: None)
        else:
            self.fail("the 2s ban never ended")
        root.say("/gbans")
        self.assertEqual((yield root.expect_line("GBANS")), "GBANS")


class NetworkBanNodesTests(ClusterTestCase):
    """Two nodes sharing one redis-server."""

    node_options = (*ClusterTestCase.node_options, "--admins", "root")

    @defer.inlineCallbacks
    def test_a_ban_on_one_node_holds_on_the_other(self):
        """Banned on node one, 127.0.0.2's user on node two is closed and
        refused there; 127.0.0.3 stays on node two; lifted on node two, it
        comes back on node one."""
        one, two = yield self.start_nodes(2)
        root = yield admin(self, self.port_of(one))
        lina = yield named((yield line_from(self, self.port_of(two), BANNED)), "lina")
        carol = yield named((yield line_from(self, self.port_of(two), OTHER)), "carol")
        root.say("/gban ip:127.0.0.2 spam from a proxy")
        yield root.expect_line("GBAN ip:127.0.0.2 root")
        self.assertEqual((yield lina.expect_line("BYE ")), f"BYE {SPAM}")
        refused = yield line_from(self, self.port_of(two), BANNED)
        yield refused.closed
        self.assertEqual(refused.lines, [f"BYE {SPAM}"])
        carol.say("/join general")
        yield carol.expect_line("MEMBERS general")
        elsewhere = yield admin(self, self.port_of(two), new=False)
        elsewhere.say("/gbans")
        self.assertEqual((yield elsewhere.expect_line("GBANS")), "GBANS ip:127.0.0.2")
        elsewhere.say("/gunban ip:127.0.0.2")
        yield elsewhere.expect_line("GUNBAN ip:127.0.0.2 root")
        # Node one hears the lift on the server's channel, as node two heard
        # the ban: until it has, 127.0.0.2 is still refused there, for the
        # ban and nothing else; then it is welcomed.
        for _ in range(200):
            back = yield line_from(self, self.port_of(one), BANNED)
            try:
                yield named(back, "lina")
                break
            except ConnectionDone:
                self.assertEqual(back.lines, [f"BYE {SPAM}"])
        else:
            self.fail("127.0.0.2 still refused on node one after the lift")

    @defer.inlineCallbacks
    def test_a_node_started_after_the_ban_holds_it(self):
        """A node (re)started after a ban and a lockdown were set reads
        both from Redis: 127.0.0.2 is refused there, and a plain name from
        127.0.0.3 is told an account is required."""
        (one,) = yield self.start_nodes(1)
        root = yield admin(self, self.port_of(one))
        root.say("/gban ip:127.0.0.2 spam from a proxy")
        yield root.expect_line("GBAN ip:127.0.0.2 root")
        root.say("/lockdown accounts")
        yield root.expect_line("LOCKDOWN accounts root")
        (later,) = yield self.start_nodes(1)
        refused = yield line_from(self, self.port_of(later), BANNED)
        yield refused.closed
        self.assertEqual(refused.lines, [f"BYE {SPAM}"])
        plain = yield line_from(self, self.port_of(later), OTHER)
        yield plain.expect_line("HELLO ")
        plain.say("mallory")
        answer = yield plain.expect(lambda line: line.startswith(("ERR ", "WELCOME")))
        self.assertTrue(answer.startswith("ERR ACCOUNT_REQUIRED "), answer)

    @defer.inlineCallbacks
    def test_a_ban_made_while_a_node_was_out_of_touch_holds_on_its_return(self):
        """Node two, cut off from Redis, misses the order of a ban made on
        node one; back in touch, it refuses the network all the same."""
        two, root = yield root_and_named(self, BANNED, "lina")
        root.say("/gban ip:127.0.0.2 spam from a proxy")
        yield out_of_touch(two, lambda: root.expect_line("GBAN ip:127.0.0.2 root"))
        refused = yield line_from(self, self.port_of(two), BANNED)
        self.assertEqual((yield refused.expect(lambda line: True)), f"BYE {SPAM}")
        yield refused.closed


class ProxiedTests(ServerTestCase):
    """Behind a proxy, the address banned is the one its PROXY header gives."""

    port_spec = "haproxy:tcp:0:interface=127.0.0.1"
    options = (*ServerTestCase.options, "--admins", "root")

    @defer.inlineCallbacks
    def proxied(self, source: str):
        endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", self.port)
        client = yield connectProtocol(endpoint, LineClient())
        self.clients.append(client)
        client.transport.write(
            f"PROXY TCP4 {source} 127.0.0.1 40000 {self.port}\r\n".encode()
        )
        return client

    @defer.inlineCallbacks
    def test_the_proxied_address_is_banned(self):
        root = yield self.proxied("198.51.100.9")
        yield root.expect_line("HELLO ")
        root.say(f"/register root {PASSWORD}")
        yield root.expect_line("REGISTERED root")
        root.say("/gban ip:203.0.113.0/24 spam from a proxy")
        yield root.expect_line("GBAN ip:203.0.113.0/24 root")
        banned = yield self.proxied("203.0.113.5")
        yield banned.closed
        self.assertEqual(banned.lines, [f"BYE {SPAM}"])
        let_in = yield self.proxied("198.51.100.7")
        yield let_in.expect_line("HELLO ")


class LockdownNodesTests(ClusterTestCase):
    """The lockdown set on one node holds on the other, whose admins hear it."""

    node_options = (*ClusterTestCase.node_options, "--admins", "root")

    @defer.inlineCallbacks
    def test_set_on_one_node_holds_on_the_other(self):
        one, two = yield self.start_nodes(2)
        root = yield admin(self, self.port_of(one))
        watching = yield admin(self, self.port_of(two), new=False)
        carol = yield named((yield line_from(self, self.port_of(two), OTHER)), "carol")
        root.say("/lockdown accounts")
        self.assertEqual(
            (yield watching.expect_line("LOCKDOWN ")), "LOCKDOWN accounts root"
        )
        plain = yield line_from(self, self.port_of(two), OTHER)
        yield plain.expect_line("HELLO ")
        plain.say("mallory")
        refused = yield plain.expect_line("ERR ")
        self.assertTrue(refused.startswith("ERR ACCOUNT_REQUIRED "), refused)
        carol.say("/join general")  # connected before: stays
        yield carol.expect_line("MEMBERS general")
        watching.say("/lockdown off")
        yield root.expect_line("LOCKDOWN off root")
        plain.say("mallory")
        yield plain.expect_line("WELCOME mallory")
        self.assertFalse(any(line.startswith("LOCKDOWN") for line in carol.lines))

    @defer.inlineCallbacks
    def test_set_while_a_node_was_out_of_touch_holds_on_its_return(self):
        """Node two, cut off from Redis, misses the order of the level set
        on node one; back in touch, it refuses plain names all the same."""
        two, root = yield root_and_named(self, OTHER, "carol")
        root.say("/lockdown accounts")
        yield out_of_touch(two, lambda: root.expect_line("LOCKDOWN accounts root"))
        plain = yield line_from(self, self.port_of(two), OTHER)
        yield plain.expect_line("HELLO ")
        plain.say("mallory")
        answer = yield plain.expect(lambda line: line.startswith(("ERR ", "WELCOME")))
        self.assertTrue(answer.startswith("ERR ACCOUNT_REQUIRED "), answer)


class IgnoreNodesTests(ClusterTestCase):
    """An ignore list set on one node holds for the account's device on
    the other, and is kept for the account."""

    @defer.inlineCallbacks
    def test_ignored_on_every_device(self):
        one, two = yield self.start_nodes(2)
        phone = yield line_from(self, self.port_of(one), OTHER)
        yield phone.expect_line("HELLO ")
        phone.say(f"/register alice {PASSWORD}")
        yield phone.expect_line("REGISTERED alice")
        laptop = yield line_from(self, self.port_of(two), OTHER)
        yield laptop.expect_line("HELLO ")
        laptop.say(f"/login alice {PASSWORD}")
        yield laptop.expect_line("WELCOME alice")
        mallory = yield named(
            (yield line_from(self, self.port_of(two), OTHER)), "mallory"
        )
        carol = yield named((yield line_from(self, self.port_of(one), OTHER)), "carol")
        for user in (phone, laptop, mallory, carol):
            user.say("/join general")
            yield user.expect_line("MEMBERS general ")
        phone.say("/ignore mallory")
        yield phone.expect_line("IGNORED mallory")
        mallory.say("/msg alice psst")
        yield mallory.expect_line("PRIVMSG mallory alice ")
        mallory.say("spam in the room")
        yield carol.expect_line("MSG general mallory ")
        carol.say("/msg alice hi")
        carol.say("hello")
        for device in (phone, laptop):
            yield device.expect_line("PRIVMSG carol alice ")
            yield device.expect_line("MSG general carol ")
            heard = [x for x in device.lines if "mallory" in x.split()[1:3]]
            self.assertEqual(
                [x for x in heard if x.startswith(("PRIVMSG", "MSG"))], [], heard
            )
        laptop.say("/history 10")  # on the other node from the /ignore
        yield laptop.expect_line("HISTORY_END general ")
        replayed = [x.split()[2] for x in laptop.lines if x.startswith("HISTORY ")]
        self.assertEqual(replayed, ["carol"])
        laptop.say("/unignore mallory")
        yield laptop.expect_line("UNIGNORED mallory")
        mallory.say("/msg alice again")
        for device in (phone, laptop):
            yield device.expect_line("PRIVMSG mallory alice ")
