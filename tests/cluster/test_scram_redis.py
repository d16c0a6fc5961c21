"""SASL SCRAM-SHA-256 on cluster nodes: keys kept in a real redis-server.

An account registered on one node signs in by SCRAM on another; an account
stored before SCRAM (``"name hash"``) gets its keys at its next password
sign-in, on any node; keys made from an old password never overwrite a
new one (the store's compare-and-set script).
"""

from __future__ import annotations

from dataclasses import replace

from argon2 import PasswordHasher
from twisted.internet import defer

from chatroom.core.accounts.accounts import (
    Account,
    keys_added,
    password_set,
    registering,
)
from chatroom.core.accounts.scram import derive
from chatroom.core.model.changes.base import PremiseFailedError
from tests.cluster.support import ClusterTestCase
from tests.integration.test_irc_conformance import command, irc_client_unregistered
from tests.integration.test_irc_scram_sockets import scram_sign_in, start_sasl

LOCAL = "tcp:0:interface=127.0.0.1"
PASSWORD = "correct-horse"
CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


class ScramAcrossNodesTests(ClusterTestCase):
    """Two nodes with IRC doors, one Redis."""

    @defer.inlineCallbacks
    def connect(self, node, nick: str, mechanism: str = "SCRAM-SHA-256"):
        """An IRC client of ``node`` that has started SASL ``mechanism``."""
        port = (yield node.doors["irc"].whenListening()).getHost().port
        client = yield irc_client_unregistered(port)
        self.clients.append(client)
        yield start_sasl(client, nick, mechanism)
        return client

    @defer.inlineCallbacks
    def test_registered_on_one_node_signs_in_on_the_other(self):
        """NickServ REGISTER on node one; SCRAM on node two: a wrong
        password is 904, the right one 903 and the account's welcome."""
        one = yield self.node("--irc", LOCAL)
        two = yield self.node("--irc", LOCAL)
        port = (yield one.doors["irc"].whenListening()).getHost().port
        foo = yield irc_client_unregistered(port)
        self.clients.append(foo)
        foo.say("NICK foo")
        foo.say("USER foo 0 * :foo")
        foo.say(f"PRIVMSG NickServ :REGISTER {PASSWORD}")
        yield foo.expect(lambda line: line.endswith(":Account created"))
        foo.say("QUIT")
        wrong = yield self.connect(two, "foo")
        refused = yield scram_sign_in(wrong, "foo", "wrong-horse")
        self.assertTrue(refused.endswith(":SASL authentication failed: wrong password"))
        client = yield self.connect(two, "foo")
        ended = yield scram_sign_in(client, "foo", PASSWORD)
        self.assertEqual(command(ended), "903")
        client.say("CAP END")
        welcome = yield client.expect(lambda line: command(line) == "001")
        self.assertIn(" 001 foo ", welcome)

    @defer.inlineCallbacks
    def test_an_older_account_gets_keys_at_its_next_sign_in(self):
        """An account stored as before SCRAM is refused by SCRAM with the
        reason; PLAIN on node two makes its keys; SCRAM on node one works."""
        one = yield self.node("--irc", LOCAL)
        two = yield self.node("--irc", LOCAL)
        accounts = one.server.registry.accounts.store
        older = Account("bob", "bob", CHEAP.hash(PASSWORD))
        yield defer.ensureDeferred(accounts.apply(registering(None, older)))
        early = yield self.connect(one, "bob")
        refused = yield scram_sign_in(early, "bob", PASSWORD)
        self.assertIn("bob has no SCRAM keys yet", refused)
        plain = yield self.connect(two, "bob", "PLAIN")
        plain.say(
            "AUTHENTICATE " + "Ym9iAGJvYgBjb3JyZWN0LWhvcnNl"
        )  # bob, bob, password
        yield plain.expect(lambda line: command(line) == "903")
        client = yield self.connect(one, "bob")
        ended = yield scram_sign_in(client, "bob", PASSWORD)
        self.assertEqual(command(ended), "903")

    @defer.inlineCallbacks
    def test_keys_never_bring_back_an_old_password(self):
        """Keys made from the old password are refused by Redis once the
        record changed; the changed record is kept whole."""
        node = yield self.node()
        accounts = node.server.registry.accounts.store
        older = Account("bob", "bob", CHEAP.hash(PASSWORD))
        yield defer.ensureDeferred(accounts.apply(registering(None, older)))
        changed = replace(older, hash=CHEAP.hash("battery-staple"), scram="k")
        new_password = password_set(older, changed.hash, changed.scram)
        yield defer.ensureDeferred(accounts.apply(new_password))
        added = defer.ensureDeferred(
            accounts.apply(keys_added(older, derive(PASSWORD, 4096)))
        )
        with self.assertRaises(PremiseFailedError):
            yield added
        self.assertEqual((yield defer.ensureDeferred(accounts.get("bob"))), changed)
