"""Invitations against the real ``twistd chatroom`` plugin: a server with
``--registration invite``, its admin API driven by ``chatroom-admin`` (a
process of its own), and line clients on real sockets."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer, reactor

from chatroom.core.model.codes import code_hash
from tests.integration.test_admin import AdminServerTestCase
from tests.support import LineClient, connect_client


class InvitationsTests(AdminServerTestCase):
    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        self.write_token()
        self.db = self.dir.child("chat.sqlite3").path
        self.port, self.http_port = yield self.serve(
            "--db",
            self.db,
            "--admin-token-file",
            self.token_file,
            "--registration",
            "invite",
            "--rooms",
            "hall",
        )

    @defer.inlineCallbacks
    def newcomer(self, name: str) -> Generator[Any, Any, LineClient]:
        client: LineClient = yield connect_client(reactor, self.port, name)
        self.hang_up(client)
        return client

    @defer.inlineCallbacks
    def test_an_admins_code_registers_as_many_as_its_uses(self):
        """``invitations create --uses 2 --room hall``: a code and the web
        page's link to it; two newcomers redeem it, register and land in
        hall; a third is refused, and without a code ``/register`` is
        ``INVITE_REQUIRED``. Neither the code nor the link is in the log,
        and the store keeps the code's hash alone."""
        made = yield self.admin_json(
            "invitations", "create", "--uses", "2", "--room", "hall"
        )
        code = made["code"]
        self.assertEqual((made["uses"], made["room"]), (2, "hall"))
        self.assertTrue(made["url"].endswith(f"/?invite={code}"), made["url"])
        listed = yield self.admin_json("invitations", "list")
        self.assertEqual([each["id"] for each in listed["invitations"]], [made["id"]])
        plain = yield self.newcomer("mallory")
        plain.say("/register password-1")
        refused = yield plain.expect_line("ERR ")
        self.assertTrue(refused.startswith("ERR INVITE_REQUIRED "), refused)
        for name in ("carol", "dave"):
            client = yield self.newcomer(name)
            client.say(f"/redeem {code}")
            yield client.expect_line(f"REDEEMED {code}")
            client.say("/register password-1")
            yield client.expect_line(f"REGISTERED {name}")
            yield client.expect_line("JOINED hall ")
        late = yield self.newcomer("erin")
        late.say(f"/redeem {code}")
        refused = yield late.expect_line("ERR ")
        self.assertTrue(refused.startswith("ERR BAD_CODE "), refused)
        listed = yield self.admin_json("invitations", "list")
        self.assertEqual(listed, {"invitations": []})
        self.assertNotIn(code.encode(), self.process.output)
        for path in (self.db, self.db + "-wal"):  # the file, and its log
            with open(path, "rb") as stored:
                self.assertNotIn(code.encode(), stored.read())

    @defer.inlineCallbacks
    def test_a_revoked_code_admits_nobody(self):
        """``invitations revoke ID`` ends it at once."""
        made = yield self.admin_json("invitations", "create")
        revoked = yield self.admin_json("invitations", "revoke", made["id"])
        self.assertEqual(revoked, {"revoked": code_hash(made["code"])[:8]})
        client = yield self.newcomer("carol")
        client.say(f"/redeem {made['code']}")
        refused = yield client.expect_line("ERR ")
        self.assertTrue(refused.startswith("ERR BAD_CODE "), refused)
