"""Bot accounts from ``chatroom-admin`` against the real ``twistd chatroom``
plugin: ``bots add|list|remove`` (``--json`` and text), a bot signing in
with its token at the line door, its words tagged ``bot``, its removal
seen by its connection, and its token kept across a restart on the same
``--db``.
"""

from __future__ import annotations

from twisted.internet import defer, reactor

from tests.backends.contracts.bots import TOKEN as TOKEN_SHAPE
from tests.integration.test_admin import AdminServerTestCase
from tests.support import LineClient, connect_client


class AdminBotsTests(AdminServerTestCase):
    @defer.inlineCallbacks
    def signed_in_bot(self, name: str, token: str):
        """A line client signed in as bot ``name`` with ``token``."""
        bot: LineClient = yield connect_client(reactor, self.port)
        self.hang_up(bot)
        bot.say(f"/login {name} {token}")
        yield bot.expect_line(f"WELCOME {name}")
        return bot

    @defer.inlineCallbacks
    def test_bots_add_list_remove(self):
        """``bots add`` answers the token once (JSON and ``key: value``
        text); ``list`` never shows it; refusals are ``409 NAME_TAKEN``,
        ``400 BAD_NAME``, ``404 NO_SUCH_ACCOUNT``; a bot signs in with
        ``/login NAME TOKEN`` and a ``rich`` member sees ``bot`` on its
        message; ``remove`` ends its connection (``BYE bot removed by``),
        and its token signs in no more."""
        alice = yield self.registered("alice")
        made = yield self.admin_json("bots", "add", "deployer", "--owner", "alice")
        self.assertEqual(
            {k: v for k, v in made.items() if k != "token"},
            {"bot": "deployer", "owner": "alice", "relay": False},
        )
        self.assertRegex(made["token"], TOKEN_SHAPE)
        status, out, err = yield self.admin("bots", "add", "relayer", "--relay")
        self.assertEqual((status, err), (0, ""))
        lines = out.splitlines()
        self.assertEqual(
            [line.split(":")[0] for line in lines], ["bot", "token", "owner", "relay"]
        )
        self.assertEqual(lines[0].split(), ["bot:", "relayer"])
        self.assertEqual(lines[3].split(), ["relay:", "yes"])
        listed = yield self.admin_json("bots", "list")
        self.assertEqual(
            [(b["name"], b["owner"], b["relay"]) for b in listed["bots"]],
            [("deployer", "alice", False), ("relayer", None, True)],
        )
        self.assertNotIn(made["token"], repr(listed))
        for command, answer in (
            (("bots", "add", "alice"), "409 NAME_TAKEN"),
            (("bots", "add", "DEPLOYER"), "409 NAME_TAKEN"),
            (("bots", "add", "no!good"), "400 BAD_NAME"),
            (("bots", "add", "x1", "--owner", "nobody"), "404 NO_SUCH_ACCOUNT"),
            (("bots", "remove", "nobody"), "404 NO_SUCH_ACCOUNT"),
        ):
            status, out, err = yield self.admin(*command)
            self.assertEqual(status, 1)
            self.assertTrue(err.startswith(f"chatroom-admin: {answer}: "), err)

        bot = yield self.signed_in_bot("deployer", made["token"])
        alice.say("/caps rich")
        yield alice.expect_line("CAPS ")
        alice.say("/create ops")
        yield alice.expect_line("JOINED ops")
        bot.say("/join ops")
        yield bot.expect_line("JOINED ops")
        bot.say("shipped")
        line = yield alice.expect_line("@")
        while " MSG ops deployer " not in line:
            line = yield alice.expect_line("@")
        self.assertRegex(line, r"^@\d+;bot MSG ops deployer \S+ shipped$")

        removed = yield self.admin_json("bots", "remove", "deployer")
        self.assertEqual(removed, {"removed": "deployer"})
        bye = yield bot.expect_line("BYE ")
        self.assertTrue(bye.startswith("BYE bot removed by "), bye)
        yield bot.closed
        again: LineClient = yield connect_client(reactor, self.port)
        self.hang_up(again)
        again.say(f"/login deployer {made['token']}")
        refused = yield again.expect_line("ERR ")
        self.assertTrue(refused.startswith("ERR NO_SUCH_ACCOUNT "), refused)
        listed = yield self.admin_json("bots", "list")
        self.assertEqual([b["name"] for b in listed["bots"]], ["relayer"])

    @defer.inlineCallbacks
    def test_a_bot_and_its_token_survive_a_restart(self):
        """Made, then the server stopped and started on the same ``--db``:
        the token signs the bot in, and its words are tagged ``bot``."""
        made = yield self.admin_json("bots", "add", "keeper")
        assert self.process.transport is not None
        self.process.transport.signalProcess("TERM")
        yield self.process.ended
        self.port, self.http_port = yield self.serve(
            "--db", self.db, "--admin-token-file", self.token_file
        )
        bot = yield self.signed_in_bot("keeper", made["token"])
        listed = yield self.admin_json("bots", "list")
        self.assertEqual([b["name"] for b in listed["bots"]], ["keeper"])
        watcher: LineClient = yield connect_client(reactor, self.port, "watcher")
        self.hang_up(watcher)
        watcher.say("/caps rich")
        yield watcher.expect_line("CAPS ")
        watcher.say("/create den")
        yield watcher.expect_line("JOINED den")
        bot.say("/join den")
        yield bot.expect_line("JOINED den")
        bot.say("/me is back")
        line = yield watcher.expect_line("@")
        while " ACTION den keeper " not in line:
            line = yield watcher.expect_line("@")
        self.assertIn(";bot ", line)
