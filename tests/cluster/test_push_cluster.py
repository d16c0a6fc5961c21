"""Web Push on two nodes: a subscription made through one node is pushed to
by the other, and never while its account is connected to another node.

How recently a device did something is known only to its own node, so the
node where a mention or a private message is said cannot tell whether the
account's device elsewhere is idle: it pushes only to an account that is
not connected anywhere else. Two real nodes on a real redis-server, real
line-protocol clients, and a real push service on 127.0.0.1
(``tests/push_endpoint.py``) that decrypts what it receives.
"""

from __future__ import annotations

from twisted.internet import defer

from tests.backends.contracts.moderation import PASSWORD
from tests.cluster.support import ClusterTestCase
from tests.push_endpoint import PushEndpoint, Subscriber, b64url
from tests.support import redis_backend

PUSHES = ("--push-allow-http", "http://127.0.0.1:")


class TwoNodesPushTests(ClusterTestCase):
    """alice on node one, bob on node two, both in general."""

    @defer.inlineCallbacks
    def registered(self, node, name):
        user = yield self.client(node, name)
        user.say(f"/register {PASSWORD}")
        yield user.expect_line(f"REGISTERED {name}")
        user.say("/join general")
        yield user.expect_line("JOINED general")
        return user

    @defer.inlineCallbacks
    def test_pushed_only_once_not_connected_anywhere(self):
        """bob's mention of alice and his private message, said on node two
        while alice is connected to node one, push nothing; once she has
        quit, his next mention reaches the phone she subscribed through
        node one, decrypted to room, sender and text."""
        endpoint = PushEndpoint().start()
        self.addCleanup(endpoint.port.stopListening)
        phone = Subscriber(endpoint.base + "alice-phone")
        one = yield self.node(*PUSHES)
        two = yield self.node(*PUSHES)
        alice = yield self.registered(one, "alice")
        alice.say(f"/push add {phone.endpoint} {phone.p256dh} {b64url(phone.auth)}")
        yield alice.expect_line("PUSH ADDED")
        alice.say("/push key")
        server_key = (yield alice.expect_line("PUSH KEY ")).split()[-1]
        bob = yield self.registered(two, "bob")
        bob.say("alice: tea?")
        yield alice.expect(lambda line: line.endswith(" alice: tea?"))
        bob.say("/msg alice psst")
        yield alice.expect(lambda line: line.endswith(" psst"))
        alice.say("/quit")
        yield bob.expect_line("PART general alice ")
        # her name is free once her session's end has run its last step
        endings = redis_backend(one.server).endings
        yield defer.Deferred.fromCoroutine(endings.released("alice"))
        bob.say("alice: the tea is cold")
        yield bob.expect(lambda line: line.endswith(" alice: the tea is cold"))
        pushes = yield defer.ensureDeferred(endpoint.arrived(1))
        self.assertEqual(
            phone.opened(pushes[0], server_key),
            {
                "from": "bob",
                "text": "alice: the tea is cold",
                "room": "general",
                "count": 1,
            },
        )
        self.assertEqual(len(endpoint.received), 1)
