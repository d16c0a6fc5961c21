"""The lockdown switch at every door, over real sockets (on two nodes:
``tests/cluster/test_doors_two_nodes.py``).

root, an admin, sets each level from the line door and watches it on a
page (on two nodes: the other node, which has the level once the page
hears it); newcomers try the line door, IRC and the page's socket.
"""

from __future__ import annotations

from twisted.internet import defer

from tests.integration.test_doors import DoorsTestCase, line_from
from tests.integration.test_netbans import PASSWORD, admin

HOST = "127.0.0.3"


class LockdownDoorsTests(DoorsTestCase):
    options = (*DoorsTestCase.options, "--admins", "root")

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        yield super().setUp()
        alice = yield line_from(self, self.port, HOST)
        yield alice.expect_line("HELLO ")
        alice.say(f"/register alice {PASSWORD}")
        yield alice.expect_line("REGISTERED alice")
        alice.say("/quit")
        yield alice.closed
        self.root = yield admin(self, self.port)
        self.watching = yield self.browser_from("127.0.0.9")
        yield self.watching.expect_line("HELLO ")
        self.watching.say(f"/login root {PASSWORD}")
        yield self.watching.expect_line("WELCOME root")

    @defer.inlineCallbacks
    def set_level(self, level: str):
        self.root.say(f"/lockdown {level}")
        for admin_device in (self.root, self.watching):
            yield admin_device.expect_line(f"LOCKDOWN {level} root")

    @defer.inlineCallbacks
    def line_answer(self, *lines: str):
        """The line door's answer to ``lines`` (a name, or a command)."""
        client = yield line_from(self, self.port, HOST)
        yield client.expect_line("HELLO ")
        for line in lines:
            client.say(line)
        return (yield client.expect(lambda line: line.startswith(("ERR ", "WELCOME"))))

    @defer.inlineCallbacks
    def page_answer(self, line: str):
        page = yield self.browser_from(HOST)
        yield page.expect_line("HELLO ")
        page.say(line)
        return (yield page.expect(lambda line: line.startswith(("ERR ", "WELCOME"))))

    @defer.inlineCallbacks
    def irc_answer(self, *lines: str):
        """IRC's last line to ``lines``: its welcome or its closing."""
        client = yield self.irc_from(HOST, *lines, "USER u 0 * :u")
        return (yield client.expect(lambda line: " 001 " in line or "ERROR " in line))

    @defer.inlineCallbacks
    def test_every_door_under_each_level(self):
        """``accounts``: a plain name and registering are refused at every
        door while signing in works; ``closed``: only root signs in;
        ``off``: a plain name again."""
        yield self.set_level("accounts")
        refused = yield self.line_answer("mallory")
        self.assertTrue(refused.startswith("ERR ACCOUNT_REQUIRED "), refused)
        refused = yield self.line_answer(f"/register mallory {PASSWORD}")
        self.assertTrue(refused.startswith("ERR REGISTRATION_CLOSED "), refused)
        refused = yield self.page_answer("mallory")
        self.assertTrue(refused.startswith("ERR ACCOUNT_REQUIRED "), refused)
        closing = yield self.irc_answer("NICK mallory")
        self.assertEqual(closing, f"ERROR :Closing Link: {HOST} (Account required)")
        self.assertEqual(
            (yield self.line_answer(f"/login alice {PASSWORD}")), "WELCOME alice"
        )
        self.assertEqual(
            (yield self.page_answer(f"/login alice {PASSWORD}")), "WELCOME alice"
        )
        welcome = yield self.irc_answer(f"PASS alice:{PASSWORD}", "NICK alice")
        self.assertIn(" 001 alice ", welcome)

        yield self.set_level("closed")
        closed = f"ERROR :Closing Link: {HOST} (the server is closed to new sessions"
        for answer in (
            (yield self.line_answer("mallory")),
            (yield self.line_answer(f"/login alice {PASSWORD}")),
            (yield self.page_answer(f"/login alice {PASSWORD}")),
        ):
            self.assertTrue(answer.startswith("ERR SERVER_CLOSED "), answer)
        closing = yield self.irc_answer(f"PASS alice:{PASSWORD}", "NICK alice")
        self.assertTrue(closing.startswith(closed), closing)
        self.assertEqual(
            (yield self.page_answer(f"/login root {PASSWORD}")), "WELCOME root"
        )
        welcome = yield self.irc_answer(f"PASS root:{PASSWORD}", "NICK root")
        self.assertIn(" 001 root ", welcome)

        yield self.set_level("off")
        self.assertEqual((yield self.line_answer("mallory")), "WELCOME mallory")
        self.assertEqual((yield self.page_answer("wes")), "WELCOME wes")
        self.assertIn(" 001 ivy ", (yield self.irc_answer("NICK ivy")))
