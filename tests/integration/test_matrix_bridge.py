"""The Matrix bridge end to end: ``twistd chatroom`` with the bridge's
options, a real Synapse (:mod:`tests.matrix`) whose registration names the
server's ``--http`` door, and matrix-nio as the Matrix users
(:mod:`tests.matrix.client`); line users at the line door."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Generator
from pathlib import Path
from typing import Any

import yaml
from twisted.internet import defer, reactor, threads
from twisted.trial import unittest

from chatroom.wiring.matrix import registration_text
from tests.integration.test_twistd import TwistdProcess, spawn_twistd
from tests.matrix import Synapse
from tests.matrix.client import MatrixUser
from tests.support import connect_client, free_port, until


def _push(url: str, path: str, body: Any, token: str | None) -> int:
    """One request as the homeserver makes it: its status."""
    call = urllib.request.Request(
        url + path, data=json.dumps(body).encode(), method="PUT"
    )
    call.add_header("content-type", "application/json")
    if token is not None:
        call.add_header("authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(call, timeout=30) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        return int(refused.code)


class MatrixBridgeTests(unittest.TestCase):
    """general, bridged; ann at the line door; mxbob on Matrix."""

    timeout = 240

    def setUp(self) -> None:
        self.folder = Path(self.mktemp()).resolve()
        self.folder.mkdir(parents=True)
        self.http = free_port()
        self.url = f"http://127.0.0.1:{self.http}"
        self.registration = self.folder / "chatroom-registration.yaml"
        self.registration.write_text(registration_text(self.url))
        self.tokens = yaml.safe_load(self.registration.read_text())
        self.synapse = Synapse(self.folder, [str(self.registration)])
        self.addCleanup(self.synapse.stop)
        self.db = str(self.folder / "chat.sqlite3")

    def serve(self) -> TwistdProcess:
        self.line = free_port()
        return spawn_twistd(
            self,
            "--port", f"tcp:{self.line}:interface=127.0.0.1",
            "--http", f"tcp:{self.http}:interface=127.0.0.1",
            "--db", self.db,
            "--rooms", "general",
            "--rate", "0",
            "--matrix-registration", str(self.registration),
            "--matrix-homeserver", self.synapse.url,
            "--matrix-server-name", "localhost",
        )  # fmt: skip

    @defer.inlineCallbacks
    def matrix_user(self, localpart: str) -> Generator[Any, Any, MatrixUser]:
        user_id = yield threads.deferToThread(self.synapse.register_user, localpart)
        user = MatrixUser(self.synapse.url, user_id)
        self.addCleanup(threads.deferToThread, user.close)
        yield threads.deferToThread(user.login, "secret-pw")
        return user

    @defer.inlineCallbacks
    def test_a_matrix_user_in_a_room(self) -> Generator[Any, Any, None]:
        """An alias of no room is refused; mxbob joins general's portal;
        his message reaches a plain and a rich line member, tagged
        bridged=matrix, once; his m.emote is an ACTION. A transaction
        pushed again, or its event in another, says nothing more; a wrong
        hs_token is 403 and none 401, and nothing of either is said."""
        process = self.serve()
        yield process.when_output(b"listening on")
        ann = yield until(
            lambda: connect_client(reactor, self.line, "ann"), 60, "the line door"
        )
        ann.say("/join general")
        yield ann.expect_line("MEMBERS general")
        rich = yield connect_client(reactor, self.line, "rita")
        rich.say("/caps rich")
        rich.say("/join general")
        yield rich.expect_line("MEMBERS general")
        bob = yield self.matrix_user("mxbob")
        self.assertIsNone(
            (yield threads.deferToThread(bob.join, "#chatroom_nosuchroom:localhost"))
        )
        room_id = yield threads.deferToThread(bob.join, "#chatroom_general:localhost")
        self.assertIsNotNone(room_id)
        yield threads.deferToThread(bob.say, room_id, "hello from matrix")
        said = yield ann.expect_line("MSG general mxbob:localhost ")
        self.assertRegex(said, r"^MSG general mxbob:localhost \S+ hello from matrix$")
        tagged = yield rich.expect(lambda line: " MSG general mxbob:localhost " in line)
        self.assertRegex(
            tagged,
            r"^@\d+;bridged=matrix MSG general mxbob:localhost \S+ hello from matrix$",
        )
        yield threads.deferToThread(bob.say, room_id, "waves", "m.emote")
        action = yield ann.expect_line("ACTION general mxbob:localhost ")
        self.assertTrue(action.endswith(" waves"), action)

        event = {
            "type": "m.room.message",
            "event_id": "$pushed-by-the-test",
            "room_id": room_id,
            "sender": "@mxbob:localhost",
            "content": {"msgtype": "m.text", "body": "pushed once"},
        }
        txn = {"events": [event]}
        path = "/_matrix/app/v1/transactions/"
        hs = self.tokens["hs_token"]
        for txn_id in ("test-1", "test-1", "test-2"):
            status = yield threads.deferToThread(
                _push, self.url, path + txn_id, txn, hs
            )
            self.assertEqual(status, 200)
        wrong = dict(txn, events=[dict(event, event_id="$wrong")])
        wrong["events"][0]["content"] = {"msgtype": "m.text", "body": "not said"}
        for token, expected in (("wrong-token", 403), (None, 401)):
            status = yield threads.deferToThread(
                _push, self.url, path + "test-3", wrong, token
            )
            self.assertEqual(status, expected)
        yield threads.deferToThread(bob.say, room_id, "the end")
        yield ann.expect_line("MSG general mxbob:localhost ")  # pushed once
        yield ann.expect(lambda line: line.endswith(" the end"))
        heard = [line for line in ann.lines if "mxbob:localhost" in line]
        self.assertEqual(sum(" pushed once" in line for line in heard), 1)
        self.assertFalse([line for line in heard if "not said" in line])
        self.assertEqual(sum(" hello from matrix" in line for line in heard), 1)
