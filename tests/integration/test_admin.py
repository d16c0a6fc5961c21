"""``chatroom-admin`` against the real ``twistd chatroom`` plugin.

The server runs as an operator runs it, with ``--http`` and
``--admin-token-file``; the tool runs as a process of its own (``python -m
chatroom.wiring.admintool``, this checkout on ``PYTHONPATH``), and what it
changes is seen where users see it: over the line protocol.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from typing import Any

from twisted.internet import defer, reactor, utils
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol
from twisted.python.filepath import FilePath
from twisted.trial import unittest

from tests.integration.test_doors import RawClient
from tests.integration.test_http_limits import WEB_CLIENT
from tests.integration.test_twistd import REPO_ROOT, TwistdProcess, spawn_twistd
from tests.support import LineClient, connect_client

LOCAL = "tcp:0:interface=127.0.0.1"
TOKEN = "a-long-random-admin-token-0123456789"


@defer.inlineCallbacks
def admin_tool(http_port: int, token_file: str, where: str, *command: str) -> Any:
    """Run ``chatroom-admin --url http://127.0.0.1:HTTP_PORT --token-file
    TOKEN_FILE COMMAND`` in directory ``where``, as a process of its own:
    its exit status, stdout and stderr (text)."""
    out, err, status = yield utils.getProcessOutputAndValue(
        sys.executable,
        [
            "-m",
            "chatroom.wiring.admintool",
            "--url",
            f"http://127.0.0.1:{http_port}",
            "--token-file",
            token_file,
            *command,
        ],
        env=dict(os.environ, PYTHONPATH=REPO_ROOT.path),
        path=where,
        reactor=reactor,
    )
    return status, out.decode(), err.decode()


class AdminServerTestCase(unittest.TestCase):
    """A server with the admin API; ``admin(...)`` runs the tool against it."""

    timeout = 60

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        self.write_token()
        self.db = self.dir.child("chat.sqlite3").path
        self.port, self.http_port = yield self.serve(
            "--db", self.db, "--admin-token-file", self.token_file
        )

    def write_token(self) -> None:
        """A directory of the test's own, with the admin token's file."""
        self.dir = FilePath(tempfile.mkdtemp())
        self.addCleanup(self.dir.remove)
        self.token_file = self.dir.child("admin.token").path
        with open(self.token_file, "w") as file:
            file.write(TOKEN + "\n")
        os.chmod(self.token_file, 0o600)

    @defer.inlineCallbacks
    def serve(self, *options: str):
        """Start a server with ``options``: its line and HTTP ports."""
        process: TwistdProcess = spawn_twistd(
            self, "--port", LOCAL, "--http", LOCAL, *options
        )
        port = yield process.listening
        yield process.when_output(b"web client: open http://localhost:")
        match = WEB_CLIENT.search(process.output)
        assert match is not None
        self.process = process
        return port, int(match.group(1))

    def admin(self, *command: str, token_file: str = "") -> defer.Deferred[Any]:
        """Run ``chatroom-admin --url ... --token-file ... COMMAND``: its
        exit status, stdout and stderr (text)."""
        return admin_tool(
            self.http_port, token_file or self.token_file, self.dir.path, *command
        )

    @defer.inlineCallbacks
    def admin_json(self, *command: str):
        """``--json`` COMMAND, which must succeed: its answer."""
        status, out, err = yield self.admin("--json", *command)
        self.assertEqual((status, err), (0, ""), out)
        return json.loads(out)

    def hang_up(self, client: LineClient) -> None:
        """Close ``client``'s connection when the test ends."""

        def close() -> None:
            if client.transport is not None:
                client.transport.loseConnection()

        self.addCleanup(close)

    @defer.inlineCallbacks
    def registered(self, name: str, password: str = "password-1"):
        """A line client holding ``name``, registered with ``password``."""
        client: LineClient = yield connect_client(reactor, self.port, name)
        client.say(f"/register {password}")
        yield client.expect_line("REGISTERED ")
        self.addCleanup(lambda: client.closed)
        self.hang_up(client)
        return client

    @defer.inlineCallbacks
    def renamed_and_phone(self, name: str, nick: str, password: str = "password-1"):
        """Account ``name`` registered on a device that then took ``nick``
        (``/nick``: signed in to the account still), and signed in on a
        second device under its name: both clients."""
        renamed = yield self.registered(name, password)
        renamed.say(f"/nick {nick}")
        yield renamed.expect_line(f"NICK {name} {nick}")
        phone: LineClient = yield connect_client(reactor, self.port)
        self.hang_up(phone)
        phone.say(f"/login {name} {password}")
        yield phone.expect_line(f"WELCOME {name}")
        return renamed, phone

    @defer.inlineCallbacks
    def http_status(self, path: str, authorization: str | None):
        """The status line and headers of ``GET path`` (``authorization``
        sent as the header when given)."""
        endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", self.http_port)
        client = yield connectProtocol(endpoint, RawClient())
        header = f"Authorization: {authorization}\r\n" if authorization else ""
        request = f"GET {path} HTTP/1.1\r\nHost: x\r\n{header}Connection: close\r\n\r\n"
        client.transport.write(request.encode())
        yield client.closed
        return client.data.decode("latin-1")


class AdminToolTests(AdminServerTestCase):
    """What an operator does with ``chatroom-admin``, seen by the users."""

    @defer.inlineCallbacks
    def test_lists_and_search(self):
        """Accounts, rooms and bans are listed, as text and as JSON."""
        yield self.registered("alice")
        yield self.registered("bob")
        accounts = yield self.admin_json("accounts", "list")
        self.assertEqual(accounts, {"accounts": ["alice", "bob"]})
        found = yield self.admin_json("accounts", "search", "BO")
        self.assertEqual(found, {"accounts": ["bob"]})
        rooms = yield self.admin_json("rooms", "list")
        self.assertEqual(
            rooms["rooms"],
            [
                {
                    "name": "general",
                    "members": 0,
                    "capacity": 256,
                    "topic": "",
                    "secret": False,
                }
            ],
        )
        status, text, _ = yield self.admin("rooms", "list")
        self.assertEqual(status, 0)
        self.assertEqual(
            text.splitlines(),
            ["room     members  capacity  topic", "general  0        256"],
        )
        status, text, _ = yield self.admin("accounts", "list")
        self.assertEqual(text, "alice\nbob\n")

    @defer.inlineCallbacks
    def test_ban_lock_delete(self):
        """A ban by mask ends the matching session with the reason given; a
        locked account's session ends and it cannot sign in; a deleted
        account's session ends and its name is free again."""
        eve = yield self.registered("eve")
        bye = eve.expect_line("BYE ")
        banned = yield self.admin_json("bans", "add", "account:eve", "spam")
        self.assertEqual(banned, {"banned": "account:eve", "until": None})
        self.assertEqual((yield bye), "BYE banned from this server: spam")
        bans = yield self.admin_json("bans", "list")
        self.assertEqual(
            bans,
            {
                "bans": ["account:eve"],
                "terms": [
                    {
                        "mask": "account:eve",
                        "by": "chatroom",
                        "until": None,
                        "reason": "spam",
                    }
                ],
            },
        )
        timed = yield self.admin_json(
            "bans", "add", "--for", "2h", "ip:198.51.100.0/24", "open proxies"
        )
        self.assertEqual(timed["banned"], "ip:198.51.100.0/24")
        status, text, _ = yield self.admin("bans", "list")
        self.assertEqual(status, 0)
        self.assertEqual(
            text.splitlines(),
            [
                "mask                by        until                     reason",
                "account:eve         chatroom                            spam",
                f"ip:198.51.100.0/24  chatroom  {timed['until']}  open proxies",
            ],
        )

        mallory = yield self.registered("mallory", "password-2")
        bye = mallory.expect_line("BYE ")
        locked = yield self.admin_json("accounts", "lock", "mallory")
        self.assertEqual(locked, {"locked": "mallory", "mask": "account:mallory"})
        self.assertEqual(
            (yield bye), "BYE banned from this server: account locked by chatroom"
        )
        again: LineClient = yield connect_client(reactor, self.port)
        self.hang_up(again)
        again.say("/login mallory password-2")
        refused = yield again.expect_line("ERR ")
        self.assertTrue(refused.startswith("ERR BANNED "), refused)

        devices = yield self.renamed_and_phone("carol", "carla")
        byes = [device.expect_line("BYE ") for device in devices]
        deleted = yield self.admin_json("accounts", "delete", "carol")
        self.assertEqual(deleted, {"deleted": "carol"})
        for bye in byes:
            self.assertEqual((yield bye), "BYE killed by chatroom: account deleted")
        accounts = yield self.admin_json("accounts", "list")
        self.assertEqual(accounts, {"accounts": ["eve", "mallory"]})
        newcomer: LineClient = yield connect_client(reactor, self.port, "carol")
        self.hang_up(newcomer)
        self.assertEqual(newcomer.lines[-1], "WELCOME carol")

    @defer.inlineCallbacks
    def test_lockdown(self):
        """``lockdown accounts`` refuses plain names at once; ``lockdown``
        alone shows the level; ``off`` restores."""
        shown = yield self.admin_json("lockdown")
        self.assertEqual(shown, {"lockdown": "off", "by": ""})
        locked = yield self.admin_json("lockdown", "accounts")
        self.assertEqual(locked, {"lockdown": "accounts", "by": "chatroom"})
        plain: LineClient = yield connect_client(reactor, self.port)
        self.hang_up(plain)
        plain.say("mallory")
        refused = yield plain.expect_line("ERR ")
        self.assertTrue(refused.startswith("ERR ACCOUNT_REQUIRED "), refused)
        status, text, _ = yield self.admin("lockdown", "off")
        self.assertEqual((status, text), (0, "lockdown: off\nby:       chatroom\n"))
        plain.say("mallory")
        yield plain.expect_line("WELCOME mallory")

    @defer.inlineCallbacks
    def test_refusals_are_one_line(self):
        """A refusal is one line on stderr and exit status 1."""
        status, out, err = yield self.admin("accounts", "lock", "nobody")
        self.assertEqual(
            (status, out, err),
            (
                1,
                "",
                "chatroom-admin: 404 NO_SUCH_ACCOUNT: nobody has registered nobody\n",
            ),
        )
        wrong = self.dir.child("wrong.token").path
        with open(wrong, "w") as file:
            file.write("not-the-token\n")
        status, out, err = yield self.admin("rooms", "list", token_file=wrong)
        self.assertEqual(
            (status, err), (1, "chatroom-admin: 401 UNAUTHORIZED: bad token\n")
        )

    @defer.inlineCallbacks
    def test_reset_password(self):
        """A made-up password, and one given, each sign the account in over
        the line protocol; the old one no longer does. Every device signed
        in to the account is told ``BYE password reset by chatroom``, one
        that took another name with ``/nick`` too; another account's
        device is not."""
        devices = yield self.renamed_and_phone("dave", "davey", "old-password")
        erin = yield self.registered("erin")
        byes = [device.expect_line("BYE ") for device in devices]
        answer = yield self.admin_json("accounts", "reset-password", "dave")
        made_up = answer["password"]
        self.assertEqual(answer, {"account": "dave", "password": made_up})
        for bye in byes:
            self.assertEqual((yield bye), "BYE password reset by chatroom")
        self.assertEqual(len(made_up), 16)
        client: LineClient = yield connect_client(reactor, self.port)
        self.hang_up(client)
        client.say("/login dave old-password")
        self.assertTrue((yield client.expect_line("ERR ")).startswith("ERR BAD_PASS"))
        client.say(f"/login dave {made_up}")
        self.assertEqual((yield client.expect_line("WELCOME ")), "WELCOME dave")

        answer = yield self.admin_json(
            "accounts", "reset-password", "dave", "--password", "chosen-one"
        )
        self.assertEqual(answer, {"account": "dave", "password": "chosen-one"})
        other: LineClient = yield connect_client(reactor, self.port)
        self.hang_up(other)
        other.say("/login dave chosen-one")
        self.assertEqual((yield other.expect_line("WELCOME ")), "WELCOME dave")
        erin.say("/list")
        yield erin.expect_line("ROOMS ")
        self.assertFalse([line for line in erin.lines if line.startswith("BYE")])
        self.assertNotIn(TOKEN.encode(), self.process.output)
        self.assertNotIn(b"chosen-one", self.process.output)

    @defer.inlineCallbacks
    def test_announce(self):
        """An announcement reaches a connected client, from the server."""
        client: LineClient = yield connect_client(reactor, self.port, "frank")
        self.hang_up(client)
        answer = yield self.admin_json("announce", "maintenance at noon")
        self.assertEqual(answer, {"announced": "maintenance at noon"})
        line = yield client.expect_line("ANNOUNCE ")
        self.assertEqual(line, "ANNOUNCE chatroom maintenance at noon")

    @defer.inlineCallbacks
    def test_rooms_give(self):
        """``rooms give ROOM ACCOUNT``: the room sees its new owner, who
        may do what only an owner does; an unknown account is refused."""
        alice = yield self.registered("alice")
        alice.say("/create tea")
        yield alice.expect_line("JOINED ")
        bob = yield self.registered("bob", "password-2")
        bob.say("/join tea")
        yield alice.expect_line("JOIN tea bob")
        answer = yield self.admin_json("rooms", "give", "tea", "bob")
        self.assertEqual(answer, {"room": "tea", "owner": "bob"})
        self.assertEqual((yield alice.expect_line("OWNER ")), "OWNER tea bob")
        bob.say("/set topic-lock on")
        self.assertEqual((yield bob.expect_line("SET ")), "SET tea topic-lock on bob")
        status, _, err = yield self.admin("rooms", "give", "tea", "nobody")
        self.assertEqual(
            (status, err),
            (1, "chatroom-admin: 404 NO_SUCH_ACCOUNT: nobody has registered nobody\n"),
        )

    @defer.inlineCallbacks
    def test_backup_and_restore(self):
        """A backup of the running server, restored into a fresh --db,
        serves the history back; restoring into the running server's own
        store is refused."""
        alice = yield self.registered("alice")
        alice.say("/create tea")
        yield alice.expect_line("JOINED ")
        for text in ("first brew", "second brew"):
            alice.say(text)
            yield alice.expect_line("MSG ")
        status, out, err = yield self.admin("backup", "copy.sqlite3")
        self.assertEqual((status, err), (0, ""))
        self.assertTrue(out.startswith("backup: copy.sqlite3\n"), out)
        backup = self.dir.child("copy.sqlite3")
        self.assertEqual(os.listdir(self.dir.path).count("copy.sqlite3-wal"), 0)

        status, out, err = yield self.admin("restore", backup.path, "--db", self.db)
        self.assertEqual(status, 1)
        self.assertTrue(
            re.match(
                r"chatroom-admin: --db .*: another chatroom server \(pid \d+\) is "
                r"using this database",
                err,
            ),
            err,
        )

        fresh = self.dir.child("fresh.sqlite3").path
        status, out, err = yield self.admin("restore", backup.path, "--db", fresh)
        self.assertEqual((status, err), (0, ""))
        self.port, self.http_port = yield self.serve("--db", fresh)
        reader: LineClient = yield connect_client(reactor, self.port)
        self.hang_up(reader)
        reader.say("/login alice password-1")
        yield reader.expect_line("WELCOME ")
        reader.say("/join tea")
        yield reader.expect_line("JOINED tea")
        said = []
        for _ in range(2):
            said.append((yield reader.expect_line("HISTORY tea alice ")))
        self.assertEqual(
            [line.split(" ", 4)[4] for line in said], ["first brew", "second brew"]
        )


class AdminAPITests(AdminServerTestCase):
    """The API itself: its token, and its absence without the option."""

    @defer.inlineCallbacks
    def test_missing_and_wrong_token(self):
        """No token, or a wrong one, is 401 with WWW-Authenticate: Bearer."""
        for authorization in (None, "Bearer wrong", f"Basic {TOKEN}"):
            answer = yield self.http_status("/admin/rooms", authorization)
            self.assertTrue(answer.startswith("HTTP/1.1 401 "), answer)
            self.assertIn("WWW-Authenticate: Bearer", answer)
        answer = yield self.http_status("/admin/rooms", f"Bearer {TOKEN}")
        self.assertTrue(answer.startswith("HTTP/1.1 200 "), answer)

    @defer.inlineCallbacks
    def test_not_served_without_the_option(self):
        """Without --admin-token-file, /admin/ is 404 whatever the token."""
        self.port, self.http_port = yield self.serve("--db", ":memory:")
        answer = yield self.http_status("/admin/rooms", f"Bearer {TOKEN}")
        self.assertTrue(answer.startswith("HTTP/1.1 404 "), answer)
