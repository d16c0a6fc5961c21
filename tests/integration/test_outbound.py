"""Requests and secrets against the real ``twistd chatroom``, over real
sockets.

- **Web Push endpoints go through the guard.** ``/push add`` with an
  endpoint on 127.0.0.1, or on ``localhost``, is refused, and a
  :class:`~tests.push_endpoint.Listener` on that port sees no connection;
  with ``--outbound-allow`` naming that port the same endpoint is taken
  and pushed to (the listener sees the server connect), which shows the
  listener would have seen it.
- **No secret a URL carries reaches the log**, text or JSON: each
  secret-bearing address is asked over real HTTP (an export link, a
  webhook's address, an upload with a ``/token`` token and a token in a
  query, an authorization code, an invitation's link and a password
  reset's), an export link is said in a room (whose
  preview, refused, is logged), and an endpoint's path given to ``/push
  add``; then the process's whole output is searched for each secret.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Generator
from typing import Any

from twisted.internet import defer, reactor, task
from twisted.trial import unittest

from tests.integration.test_twistd import TwistdProcess, spawn_twistd
from tests.integration.test_uploads import (
    LOCAL,
    PASSWORD,
    PNG,
    WEB_CLIENT,
    http_request,
    upload_headers,
)
from tests.push_endpoint import Listener, Subscriber, b64url
from tests.support import LineClient, connect_client


class ServerCase(unittest.TestCase):
    """``twistd chatroom`` and its line door; accounts on it."""

    timeout = 30

    @defer.inlineCallbacks
    def start(self, *options: str) -> Generator[Any, Any, None]:
        self.process: TwistdProcess = spawn_twistd(
            self, "--port", LOCAL, "--db", ":memory:", "--rate", "0", *options
        )
        self.port = yield self.process.listening

    @defer.inlineCallbacks
    def account(self, name: str, *lines: str) -> Generator[Any, Any, LineClient]:
        """A line client signed in to a new account ``name``, in ``general``,
        having said ``lines`` first."""
        client: LineClient = yield connect_client(reactor, self.port, name)
        assert client.transport is not None
        self.addCleanup(client.transport.loseConnection)
        for line in lines:
            client.say(line)
        client.say(f"/register {PASSWORD}")
        yield client.expect_line("REGISTERED ")
        client.say("/join general")
        yield client.expect_line("JOINED general")
        return client

    @defer.inlineCallbacks
    def until(self, check: Any) -> Generator[Any, Any, None]:
        """Wait until ``check()`` holds (10 s at most)."""
        for _ in range(1000):
            if check():
                return
            yield task.deferLater(reactor, 0.01, lambda: None)
        raise AssertionError(f"never: {check}")


class PushEndpointTests(ServerCase):
    """``/push add`` against the server's guard, with ``--push-idle 0``
    (an account is pushed to even while connected)."""

    def listener(self) -> Listener:
        listener = Listener().start()
        self.addCleanup(listener.port.stopListening)
        return listener

    @defer.inlineCallbacks
    def test_loopback_endpoints_are_refused_and_never_contacted(self):
        """alice's ``/push add`` of ``https://127.0.0.1:PORT/…`` and of
        ``https://localhost:PORT/…`` (the blind SSRF: the server used to
        take it, and open TLS to that port at the next push) is answered
        ``ERR BAD_ARGS`` and logged; bob mentions her and messages her;
        the listener on that port saw no connection."""
        listener = self.listener()
        yield self.start("--push-idle", "0")
        alice = yield self.account("alice")
        keys = Subscriber("https://unused.example/")
        answers, refusals = [], []
        for host in ("127.0.0.1", "localhost"):
            endpoint = f"https://{host}:{listener.number}/wpush/v2/alice"
            alice.say(f"/push add {endpoint} {keys.p256dh} {b64url(keys.auth)}")
            answers.append(
                (yield alice.expect(lambda line: line[:4] in ("ERR ", "PUSH")))
            )
            refusals.append(
                f"push endpoint at https://{host}:{listener.number} refused"
            )
        bob = yield self.account("bob")
        bob.say("alice: tea?")
        yield alice.expect(lambda line: line.endswith(" alice: tea?"))
        bob.say("/msg alice psst")
        yield alice.expect(lambda line: line.endswith(" psst"))
        # the server has said why, or (were it to push) has connected
        logged = self.process.output.decode
        yield self.until(
            lambda: all(each in logged() for each in refusals) or listener.connected
        )
        self.assertEqual(
            answers, ["ERR BAD_ARGS the endpoint is not a public address"] * 2
        )
        self.assertEqual(listener.connected, [])

    @defer.inlineCallbacks
    def test_an_excepted_endpoint_is_taken_and_contacted(self):
        """With ``--outbound-allow 127.0.0.1:PORT`` the same endpoint is
        taken, and bob's mention makes the server connect to it."""
        listener = self.listener()
        yield self.start(
            "--push-idle", "0", "--outbound-allow", f"127.0.0.1:{listener.number}"
        )
        alice = yield self.account("alice")
        keys = Subscriber(f"https://127.0.0.1:{listener.number}/wpush/v2/alice")
        alice.say(f"/push add {keys.endpoint} {keys.p256dh} {b64url(keys.auth)}")
        yield alice.expect_line("PUSH ADDED")
        bob = yield self.account("bob")
        bob.say("alice: tea?")
        yield self.until(lambda: listener.connected)


#: A link the server gives: its secret the last part.
LINK = re.compile(r"(https?://\S+/(\S+))$")


class TextLogSecretsTests(ServerCase):
    """Every secret-bearing address asked; none in the log, as twistd's
    text lines."""

    log_format = "text"

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        files = os.path.abspath(self.mktemp())
        yield self.start(
            *("--http", LOCAL, "--files", "--files-dir", files, "--admins", "alice"),
            *("--log-format", self.log_format),
        )
        yield self.process.when_output(b"web client: open http://localhost:")
        found = WEB_CLIENT.search(self.process.output)
        assert found is not None
        self.http_port = int(found.group(1))

    @defer.inlineCallbacks
    def link(self, client: LineClient, command: str, answer: str) -> Any:
        """The link ``command`` answers, and its secret."""
        client.say(command)
        line = yield client.expect_line(answer)
        found = LINK.search(line)
        assert found is not None, line
        return found.group(1), found.group(2)

    def path(self, url: str) -> str:
        return "/" + url.split("/", 3)[3]

    @defer.inlineCallbacks
    def test_no_secret_reaches_the_log(self) -> Generator[Any, Any, None]:
        """An export downloaded, a webhook posted to, an upload with a
        ``/token`` token (and a token and an authorization code in URLs),
        an invitation's link and a password reset's opened, an export
        link said in a room and a push endpoint refused: the requests were
        answered and logged, and no secret is in the log."""
        alice = yield self.account("alice", "/caps rich")
        secrets = []
        url, secret = yield self.link(alice, "/export", "EXPORT ")
        secrets.append(secret)
        answer = yield http_request(self, self.http_port, "GET", self.path(url))
        self.assertEqual(answer.status, 200)
        alice.say("/create tea")
        yield alice.expect_line("JOINED tea")
        url, secret = yield self.link(alice, "/webhook add ci", "WEBHOOK ci ")
        secrets.append(secret)
        body = json.dumps({"text": "deployed"}).encode()
        headers = {"Content-Type": "application/json"}
        answer = yield http_request(
            self, self.http_port, "POST", self.path(url), headers, body
        )
        self.assertEqual(answer.status, 200)
        alice.say("/token")
        token = (yield alice.expect_line("TOKEN ")).split()[1]
        secrets.append(token)
        headers = {**upload_headers("image/png", "dot.png")}
        headers["Authorization"] = f"Bearer {token}"
        answer = yield http_request(
            self, self.http_port, "POST", "/upload", headers, PNG
        )
        self.assertEqual(answer.status, 201)
        alice.say("/invite-link")
        _, code, url = (yield alice.expect_line("INVITE_LINK ")).split()
        secrets += [code, "R3setc0de", "c0de5"]
        for asked in (
            f"/upload?token={token}",
            "/oidc/callback?state=s&code=c0de5",
            self.path(url),  # the page, redeeming an invitation
            "/email/reset?account=alice&code=R3setc0de",  # a password reset's form
        ):
            yield http_request(self, self.http_port, "GET", asked)
        url, secret = yield self.link(alice, "/export", "EXPORT ")
        secrets.append(secret)
        alice.say(f"the archive: {url}")  # its preview: refused, logged
        yield self.process.when_output(b"no preview of http://localhost:")
        keys = Subscriber("https://127.0.0.1:9/wpush/v2/s3cretsubscription")
        secrets.append("s3cretsubscription")
        alice.say(f"/push add {keys.endpoint} {keys.p256dh} {b64url(keys.auth)}")
        yield alice.expect_line("ERR BAD_ARGS ")
        yield self.process.when_output(b"push endpoint at https://127.0.0.1:9 refused")
        for logged in (
            b"/export/- HTTP/1.1",
            b"/hooks/- HTTP/1.1",
            b"code=- HTTP",
            b"/?invite=",  # logged, its secret hidden or (below) not
            b"/email/reset?account=alice&code=",
        ):
            yield self.process.when_output(logged)
        yield self.process.when_output(b"/upload?token=- HTTP/1.1")
        output = self.process.output.decode()
        self.assertEqual([each for each in secrets if each in output], [])
        self.assertIn("no preview of http://localhost:", output)
        self.assertIn("/export/-", output.split("no preview of ")[1])


class JsonLogSecretsTests(TextLogSecretsTests):
    """``--log-format json``: each line's event and fields."""

    log_format = "json"
