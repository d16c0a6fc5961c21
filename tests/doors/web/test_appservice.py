"""``/_matrix/app/v1/``: the homeserver's side of the Matrix bridge, against
a fake homeserver (:mod:`tests.matrix.fake_homeserver`): the token rules,
the answers, a transaction relayed once; and the bridge's pings, on a
clock."""

from __future__ import annotations

import json
from io import BytesIO
from typing import Any, cast

from twisted.internet import defer
from twisted.internet.task import Clock
from twisted.trial import unittest
from twisted.web.server import NOT_DONE_YET, Request
from twisted.web.test.requesthelper import DummyRequest

from chatroom.core.bridging.appservice import (
    FORBIDDEN,
    PING_EVERY,
    UNAUTHORIZED,
    MatrixBridge,
    may_redact_others,
    token_refusal,
)
from chatroom.doors.web.appservice import AppServiceResource
from chatroom.wiring.composition import compose_bridge
from tests.backends.contracts.handler import CONFIG
from tests.matrix.fake_homeserver import SETTINGS, FakeHomeserver, message
from tests.support import FakeClient, chat_core, local_server


class TokenTests(unittest.TestCase):
    def test_the_token_rules(self) -> None:
        """None is M_UNAUTHORIZED; another than hs_token (the as_token too)
        is M_FORBIDDEN; the hs_token passes."""
        self.assertEqual(token_refusal(SETTINGS, None), UNAUTHORIZED)
        self.assertEqual(token_refusal(SETTINGS, ""), UNAUTHORIZED)
        self.assertEqual(token_refusal(SETTINGS, "wrong"), FORBIDDEN)
        self.assertEqual(token_refusal(SETTINGS, SETTINGS.as_token), FORBIDDEN)
        self.assertIsNone(token_refusal(SETTINGS, SETTINGS.hs_token))


class AppServiceDoorTests(unittest.TestCase):
    """alice in tea, bridged to a fake homeserver."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.server = local_server(CONFIG, self.clock)
        self.homeserver = FakeHomeserver()
        core: Any = chat_core(self.server)
        self.bridge: MatrixBridge = compose_bridge(SETTINGS, core, self.homeserver)
        self.resource = AppServiceResource(self.bridge)
        self.alice = FakeClient(self.server)
        self.alice.send("alice")
        self.alice.send("/create tea")
        self.alice.received()

    def request(
        self,
        method: bytes,
        path: str,
        body: Any = None,
        token: str | None = SETTINGS.hs_token,
        query_token: str | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """One request to the resource: its status and JSON."""
        dummy = DummyRequest(path.encode().split(b"/"))
        dummy.method = method
        cast(Any, dummy).content = BytesIO(
            json.dumps(body).encode() if body is not None else b""
        )
        if token is not None:
            dummy.requestHeaders.setRawHeaders(
                b"authorization", [f"Bearer {token}".encode()]
            )
        if query_token is not None:
            dummy.args = {b"access_token": [query_token.encode()]}
        done = self.resource.render(cast(Request, dummy))
        if done is NOT_DONE_YET:
            self.assertTrue(dummy.finished, "the request is unanswered")
        else:
            dummy.write(done)
        written = b"".join(dummy.written)
        return dummy.responseCode or 200, json.loads(written)

    def test_tokens(self) -> None:
        """No token: 401 M_UNAUTHORIZED; a wrong one: 403 M_FORBIDDEN, and
        nothing of either is relayed; ?access_token= is taken too."""
        self.assertEqual(
            self.request(b"GET", "app/v1/rooms/%23chatroom_tea:localhost"),
            (200, {}),
        )
        txn = {"events": [message("$e1", "sneaky")]}
        for token, status, code in ((None, 401, UNAUTHORIZED), ("x", 403, FORBIDDEN)):
            answer = self.request(b"PUT", "app/v1/transactions/t1", txn, token=token)
            self.assertEqual(answer[0], status)
            self.assertEqual(answer[1]["errcode"], code)
        self.assertEqual(
            self.request(b"POST", "app/v1/ping", {}, token=None, query_token="x")[0],
            403,
        )
        self.assertEqual(self.alice.received(), [])
        self.assertEqual(
            self.request(b"POST", "app/v1/ping", {}, None, SETTINGS.hs_token),
            (200, {}),
        )

    def test_a_transaction_twice(self) -> None:
        """The same transaction twice, then its event in a new one: 200
        each time, and one MSG."""
        self.request(b"GET", "app/v1/rooms/%23chatroom_tea:localhost")
        txn = {"events": [message("$e1", "hello")]}
        for txn_id in ("t1", "t1", "t2"):
            self.assertEqual(
                self.request(b"PUT", f"app/v1/transactions/{txn_id}", txn), (200, {})
            )
        said = [line for line in self.alice.received() if line.startswith("MSG ")]
        self.assertEqual(len(said), 1)
        self.assertRegex(said[0], r"^MSG tea bob:example\.org \S+ hello$")

    def test_queries(self) -> None:
        """An alias of no room, or not the bridge's: 404 M_NOT_FOUND and
        nothing made; a current user's puppet: 200 (registered); a puppet
        of nobody, or another user: 404."""
        for alias in ("%23chatroom_nosuchroom:localhost", "%23other:localhost"):
            self.assertEqual(
                self.request(b"GET", f"app/v1/rooms/{alias}"),
                (404, {"errcode": "M_NOT_FOUND"}),
            )
        self.assertEqual(self.homeserver.made("/createRoom"), [])
        self.assertEqual(
            self.request(b"GET", "app/v1/users/%40chatroom_alice:localhost"), (200, {})
        )
        [registered] = self.homeserver.made("/register")
        assert registered is not None
        self.assertEqual(registered["username"], "chatroom_alice")
        self.assertEqual(self.request(b"GET", "app/v1/users/%40bob:localhost")[0], 404)
        nobody = self.request(b"GET", "app/v1/users/%40chatroom_nobody:localhost")
        self.assertEqual(nobody, (404, {"errcode": "M_NOT_FOUND"}))
        self.assertEqual(self.request(b"GET", "app/v1/nothing")[0], 404)


class PingTests(unittest.TestCase):
    def test_pinged_until_it_answers(self) -> None:
        """On start the bridge pings; while the homeserver is away, again
        every PING_EVERY seconds (on the clock); once it answers, no more,
        until a call finds it away again."""
        clock = Clock()
        server = local_server(CONFIG, clock)
        homeserver = FakeHomeserver()
        homeserver.away = True
        bridge = compose_bridge(SETTINGS, cast(Any, chat_core(server)), homeserver)
        bridge.start()
        self.addCleanup(bridge.stop)
        pings = "/_matrix/client/v1/appservice/chatroom/ping"
        self.assertEqual(homeserver.made(pings), [])
        clock.advance(PING_EVERY)
        self.assertEqual(homeserver.made(pings), [])
        homeserver.away = False
        clock.advance(PING_EVERY)
        self.assertEqual(len(homeserver.made(pings)), 1)
        clock.advance(PING_EVERY * 5)
        self.assertEqual(len(homeserver.made(pings)), 1)
        homeserver.away = True
        alice = FakeClient(server)
        alice.send("alice")
        alice.send("/create tea")  # its portal cannot be made: away
        asked = defer.ensureDeferred(bridge.room_query("#chatroom_tea:localhost"))
        self.assertFalse(self.successResultOf(asked))
        homeserver.away = False
        self.assertEqual(len(homeserver.made(pings)), 1)
        clock.advance(PING_EVERY)
        self.assertEqual(len(homeserver.made(pings)), 2)


class PowerLevelTests(unittest.TestCase):
    def test_who_may_redact_others(self) -> None:
        """A user's level (users, else users_default, else 0) at least the
        redact level (else 50); old rooms' string levels are read as numbers."""
        levels = {"users": {"@op:hs": 100, "@mod:hs": "50"}, "redact": 50}
        self.assertTrue(may_redact_others(levels, "@op:hs"))
        self.assertTrue(may_redact_others(levels, "@mod:hs"))
        self.assertFalse(may_redact_others(levels, "@bob:hs"))
        self.assertTrue(may_redact_others({"users_default": 50}, "@bob:hs"))
        self.assertFalse(may_redact_others({}, "@bob:hs"))
        self.assertTrue(may_redact_others({"redact": 0}, "@bob:hs"))
        self.assertFalse(may_redact_others({"redact": "nonsense"}, "@bob:hs"))
