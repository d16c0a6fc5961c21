"""Uploads (``--files``), from outside: real HTTP against the real ``twistd chatroom``.

Each test runs the plugin as a process with ``--http`` and ``--files``
(on port 0, its files in a directory of the test's), signs accounts in
over the line door and uploads with raw HTTP/1.1 requests, so what is
checked is what a client gets: statuses, headers, the bytes, the links
other users see, and what is left in the files' directory.
"""

from __future__ import annotations

import base64
import os
import re
from typing import Any

from twisted.internet import defer, reactor, task
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol
from twisted.trial import unittest

from tests.integration.test_doors import RawClient, irc_client
from tests.integration.test_twistd import TwistdProcess, spawn_twistd
from tests.support import LineClient, connect_client

LOCAL = "tcp:0:interface=127.0.0.1"
WEB_CLIENT = re.compile(rb"web client: open http://localhost:(\d+)/")
IRC_PORT = re.compile(rb"IRCFactory starting on (\d+)")
PASSWORD = "correct-horse"

#: The smallest PNG there is (1×1, transparent).
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)'
    b"</script></svg>"
)


class Answer:
    """An HTTP response as bytes came: status, headers (lower-cased), body."""

    def __init__(self, data: bytes) -> None:
        head, _, self.body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1])
        self.headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()


def basic(name: str, password: str = PASSWORD) -> dict[str, str]:
    token = base64.b64encode(f"{name}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@defer.inlineCallbacks
def http_request(
    case: unittest.TestCase,
    port: int,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    announce: int | None = None,
):
    """One request to the HTTP door on ``port``, on a connection of its own
    (closed after ``case``); the :class:`Answer`. ``announce``: the
    Content-Length said, if not the body's."""
    endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", port)
    client = yield connectProtocol(endpoint, RawClient())
    case.addCleanup(client.transport.abortConnection)
    lines = [f"{method} {path} HTTP/1.1", f"Host: localhost:{port}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if method in ("POST", "PUT") or body:
        length = len(body) if announce is None else announce
        lines.append(f"Content-Length: {length}")
    lines.append("Connection: close")
    client.transport.write("\r\n".join(lines).encode() + b"\r\n\r\n" + body)
    yield client.closed
    return Answer(client.data)


def upload_headers(kind: str, name: str) -> dict[str, str]:
    """An upload's type and name, as soju's FILEHOST clients send them."""
    return {
        "Content-Type": kind,
        "Content-Disposition": f'attachment; filename="{name}"',
    }


class UploadCase(unittest.TestCase):
    """The plugin with ``--http`` and ``--files``; ``files_dir`` is where its
    files go, ``http_port`` its web door, ``port`` its line door."""

    timeout = 60
    options: tuple[str, ...] = ()

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        self.files_dir = os.path.abspath(self.mktemp())
        self.process: TwistdProcess = spawn_twistd(
            self,
            "--port",
            LOCAL,
            "--http",
            LOCAL,
            "--irc",
            LOCAL,
            "--db",
            ":memory:",
            "--files",
            "--files-dir",
            self.files_dir,
            "--admins",
            "root",
            "--rate",
            "0",
            *self.options,
        )
        self.port = yield self.process.listening
        yield self.process.when_output(b"web client: open http://localhost:")
        yield self.process.when_output(b"IRCFactory starting on")
        match = WEB_CLIENT.search(self.process.output)
        irc = IRC_PORT.search(self.process.output)
        assert match is not None and irc is not None
        self.http_port = int(match.group(1))
        self.irc_port = int(irc.group(1))

    @defer.inlineCallbacks
    def account(self, name: str, rich: bool = False):
        """A line client signed in to a new account ``name``, in ``general``."""
        client: LineClient = yield connect_client(reactor, self.port, name)
        if rich:
            client.say("/caps rich")
            yield client.expect_line("CAPS ")
        client.say(f"/register {PASSWORD}")
        yield client.expect_line("REGISTERED ")
        client.say("/join general")
        yield client.expect_line("JOINED general")
        assert client.transport is not None
        self.addCleanup(client.transport.loseConnection)
        return client

    def request(
        self,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
        announce: int | None = None,
    ) -> defer.Deferred[Answer]:
        """One request to the door; the :class:`Answer`."""
        return http_request(self, self.http_port, method, path, headers, body, announce)

    def upload(
        self,
        body: bytes,
        kind: str,
        name: str,
        credentials: dict[str, str] | None = None,
        announce: int | None = None,
    ) -> defer.Deferred[Answer]:
        headers = {**upload_headers(kind, name), **(credentials or {})}
        return self.request("POST", "/upload", headers, body, announce)

    def left_on_disk(self) -> list[str]:
        return sorted(os.listdir(self.files_dir))

    @defer.inlineCallbacks
    def settle(self, check: Any, what: str):
        """Poll ``check`` (true when done) for up to 10 s."""
        for _ in range(200):
            if check():
                return
            yield task.deferLater(reactor, 0.05, lambda: None)
        self.fail(f"never happened: {what}")


class SharingTests(UploadCase):
    """An account uploads a picture and shares it: every door sees it."""

    @defer.inlineCallbacks
    def test_picture_uploaded_served_and_shared(self):
        """alice uploads a PNG with HTTP Basic (201, Location /files/ID/cat.png);
        the file comes back with its type, inline, nosniff and the sandbox;
        her message carrying its URL reaches a plain line user as a link and
        a rich one with the file's name, type and size in tags."""
        alice = yield self.account("alice")
        bob = yield self.account("bob", rich=True)
        carol: LineClient = yield connect_client(reactor, self.port, "carol")
        carol.say("/join general")
        yield carol.expect_line("JOINED general")
        answer = yield self.upload(PNG, "image/png", "cat.png", basic("alice"))
        self.assertEqual(answer.status, 201, answer.body)
        location = answer.headers["location"]
        self.assertRegex(location, r"^/files/[A-Za-z0-9_-]{16}/cat\.png$")
        url = f"http://localhost:{self.http_port}{location}"
        self.assertEqual(answer.body.decode().strip(), url)
        self.assertEqual(self.left_on_disk(), [location.split("/")[2]])

        served = yield self.request("GET", location)
        self.assertEqual(served.status, 200)
        self.assertEqual(served.body, PNG)
        self.assertEqual(served.headers["content-type"], "image/png")
        self.assertEqual(
            served.headers["content-disposition"],
            "inline; filename=\"cat.png\"; filename*=UTF-8''cat.png",
        )
        self.assertEqual(served.headers["x-content-type-options"], "nosniff")
        self.assertEqual(
            served.headers["content-security-policy"], "sandbox; default-src 'none'"
        )

        alice.say(f"look {url}")
        plain = yield carol.expect_line("MSG general alice ")
        self.assertTrue(plain.endswith(f" look {url}"), plain)
        rich = yield bob.expect(lambda line: " MSG general alice " in line)
        self.assertIn(
            f";file-name=cat.png;file-type=image/png;file-size={len(PNG)} MSG", rich
        )

    @defer.inlineCallbacks
    def test_bearer_token_from_the_line_door(self):
        """``/token`` answers ``TOKEN <token> <seconds> <url>``; an upload
        to that URL with ``Authorization: Bearer <token>`` is alice's; a
        made-up token is 401 before the body is read."""
        alice = yield self.account("alice")
        alice.say("/token")
        line = yield alice.expect_line("TOKEN ")
        _, token, seconds, url = line.split(" ")
        self.assertEqual(seconds, "3600")
        self.assertEqual(url, f"http://localhost:{self.http_port}/upload")
        bearer = {"Authorization": f"Bearer {token}"}
        answer = yield self.upload(b"hello\n", "text/plain", "notes.txt", bearer)
        self.assertEqual(answer.status, 201, answer.body)
        served = yield self.request("GET", answer.headers["location"])
        self.assertEqual(served.body, b"hello\n")
        self.assertTrue(served.headers["content-disposition"].startswith("attachment;"))
        wrong = {"Authorization": "Bearer nope"}
        refused = yield self.upload(b"x", "text/plain", "x.txt", wrong)
        self.assertEqual(refused.status, 401)
        self.assertIn("WWW-Authenticate".lower(), refused.headers)

    @defer.inlineCallbacks
    def test_token_needs_an_account(self):
        """A plain name asking ``/token`` is refused: only accounts upload."""
        carol: LineClient = yield connect_client(reactor, self.port, "carol")
        carol.say("/token")
        line = yield carol.expect_line("ERR ")
        self.assertEqual(line, "ERR NOT_ALLOWED you are not signed in to an account")

    @defer.inlineCallbacks
    def test_irc_isupport_names_the_upload_url(self):
        """IRC clients are told ``draft/FILEHOST=<upload URL>`` in 005, and
        ``soju.im/FILEHOST=`` the same, which soju and senpai read."""
        client = yield irc_client(self.irc_port, "ivy")
        self.addCleanup(client.transport.loseConnection)
        found = [line for line in client.lines if "draft/FILEHOST=" in line]
        self.assertEqual(len(found), 1, client.lines)
        self.assertIn(" 005 ivy ", found[0])
        url = f"http://localhost:{self.http_port}/upload"
        self.assertIn(f"draft/FILEHOST={url}", found[0].split())
        self.assertIn(f"soju.im/FILEHOST={url}", found[0].split())


class PublicAddressTests(UploadCase):
    """Behind a proxy (``--public-url``), clients are told the public address."""

    options = ("--public-url", "https://chat.example/")

    @defer.inlineCallbacks
    def test_upload_url_is_the_public_one(self):
        """``draft/FILEHOST`` and ``TOKEN`` name ``https://chat.example/upload``,
        not the address the door listens on, which the proxy hides."""
        client = yield irc_client(self.irc_port, "ivy")
        self.addCleanup(client.transport.loseConnection)
        found = [line for line in client.lines if "draft/FILEHOST=" in line]
        self.assertIn("draft/FILEHOST=https://chat.example/upload", found[0])
        alice = yield self.account("alice")
        alice.say("/token")
        line = yield alice.expect_line("TOKEN ")
        self.assertTrue(line.endswith(" 3600 https://chat.example/upload"), line)


class SandboxTests(UploadCase):
    """What an uploaded page or drawing can do when opened: nothing."""

    @defer.inlineCallbacks
    def test_svg_is_served_sandboxed(self):
        """An SVG carrying a script is served as an attachment, nosniff, with
        ``Content-Security-Policy: sandbox; default-src 'none'``; an HTML
        file and a name with quotes and non-ASCII letters too (RFC 6266)."""
        yield self.account("alice")
        answer = yield self.upload(SVG, "image/svg+xml", "evil.svg", basic("alice"))
        self.assertEqual(answer.status, 201, answer.body)
        served = yield self.request("GET", answer.headers["location"])
        self.assertEqual(served.body, SVG)
        self.assertEqual(served.headers["content-type"], "image/svg+xml")
        self.assertEqual(
            served.headers["content-security-policy"], "sandbox; default-src 'none'"
        )
        self.assertEqual(served.headers["x-content-type-options"], "nosniff")
        self.assertEqual(
            served.headers["content-disposition"],
            "attachment; filename=\"evil.svg\"; filename*=UTF-8''evil.svg",
        )
        name = "r\u00e9sum\u00e9 \u201cfinal\u201d.html"
        headers = {
            **basic("alice"),
            "Content-Type": "text/html",
            "Content-Disposition": "attachment; filename*=UTF-8''"
            + "r%C3%A9sum%C3%A9%20%E2%80%9Cfinal%E2%80%9D.html",
        }
        page = yield self.request("POST", "/upload", headers, b"<script>1</script>")
        self.assertEqual(page.status, 201, page.body)
        served = yield self.request("GET", page.headers["location"])
        self.assertEqual(
            served.headers["content-disposition"],
            'attachment; filename="r_sum_ _final_.html"; '
            "filename*=UTF-8''r%C3%A9sum%C3%A9%20%E2%80%9Cfinal%E2%80%9D.html",
        )
        self.assertEqual(name, "résumé “final”.html")


class RefusalTests(UploadCase):
    """Every limit answers its status, and leaves nothing on disk."""

    options = (
        "--max-upload",
        "1000",
        "--upload-quota",
        "1500",
        "--upload-rate",
        "4",
        "--upload-refuse-types",
        "application/x-msdownload,video/*",
    )

    @defer.inlineCallbacks
    def test_over_size_is_refused_from_the_headers(self):
        """Announcing 1001 bytes is ``413`` before the body is sent."""
        yield self.account("alice")
        answer = yield self.upload(b"", "text/plain", "big.txt", basic("alice"), 1001)
        self.assertEqual(answer.status, 413)
        self.assertIn(b"uploads are limited to 1000 bytes", answer.body)
        self.assertEqual(self.left_on_disk(), [])

    @defer.inlineCallbacks
    def test_anonymous_is_refused(self):
        """No credentials: ``401`` with ``WWW-Authenticate``; a wrong
        password: ``401`` too; nothing on disk."""
        yield self.account("alice")
        answer = yield self.upload(PNG, "image/png", "cat.png")
        self.assertEqual(answer.status, 401)
        self.assertIn("Basic", answer.headers["www-authenticate"])
        wrong = yield self.upload(PNG, "image/png", "cat.png", basic("alice", "no"))
        self.assertEqual(wrong.status, 401)
        self.assertIn(b"wrong password", wrong.body)
        self.assertEqual(self.left_on_disk(), [])

    @defer.inlineCallbacks
    def test_refused_types(self):
        """A type ``--upload-refuse-types`` names, or one of a family it
        names (``video/*``), is ``415``."""
        yield self.account("alice")
        for kind in ("application/x-msdownload", "video/mp4"):
            answer = yield self.upload(b"MZ", kind, "x.bin", basic("alice"))
            self.assertEqual(answer.status, 415, kind)
        self.assertEqual(self.left_on_disk(), [])

    @defer.inlineCallbacks
    def test_quota_counts_what_is_left(self):
        """Two uploads of 800 bytes exceed the 1500-byte quota: ``507`` with
        the reason; once the first is deleted, the second fits."""
        yield self.account("alice")
        first = yield self.upload(b"a" * 800, "text/plain", "a.txt", basic("alice"))
        self.assertEqual(first.status, 201)
        second = yield self.upload(b"b" * 800, "text/plain", "b.txt", basic("alice"))
        self.assertEqual(second.status, 507)
        self.assertIn(b"1500 bytes in all and 700 bytes is left", second.body)
        self.assertEqual(len(self.left_on_disk()), 1)
        gone = yield self.request("DELETE", first.headers["location"], basic("alice"))
        self.assertEqual(gone.status, 204)
        self.assertEqual(self.left_on_disk(), [])
        again = yield self.upload(b"b" * 800, "text/plain", "b.txt", basic("alice"))
        self.assertEqual(again.status, 201)

    @defer.inlineCallbacks
    def test_upload_rate(self):
        """The fifth upload within a minute is ``429``."""
        yield self.account("alice")
        for _ in range(4):
            answer = yield self.upload(b"x", "text/plain", "x.txt", basic("alice"))
            self.assertEqual(answer.status, 201)
        answer = yield self.upload(b"x", "text/plain", "x.txt", basic("alice"))
        self.assertEqual(answer.status, 429)
        self.assertEqual(len(self.left_on_disk()), 4)

    @defer.inlineCallbacks
    def test_disconnect_halfway_leaves_nothing(self):
        """A client that sends half its body and goes: the spooled part is
        removed."""
        yield self.account("alice")
        endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", self.http_port)
        client = yield connectProtocol(endpoint, RawClient())
        token = base64.b64encode(f"alice:{PASSWORD}".encode()).decode()
        client.transport.write(
            b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 900\r\n"
            b"Content-Type: text/plain\r\nAuthorization: Basic "
            + token.encode()
            + b"\r\n\r\n"
            + b"x" * 400
        )
        yield self.settle(lambda: len(self.left_on_disk()) == 1, "a spool")
        self.assertTrue(self.left_on_disk()[0].startswith(".upload-"))
        client.transport.abortConnection()
        yield self.settle(lambda: self.left_on_disk() == [], "the spool removed")


class DeletionTests(UploadCase):
    """Files go with their messages, or by an admin's hand."""

    @defer.inlineCallbacks
    def test_redacted_message_takes_its_file(self):
        """alice shares a file and redacts the message: the file is gone
        (404, and from disk)."""
        alice = yield self.account("alice", rich=True)
        answer = yield self.upload(PNG, "image/png", "cat.png", basic("alice"))
        url = f"http://localhost:{self.http_port}{answer.headers['location']}"
        alice.say(url)
        line = yield alice.expect(lambda line: " MSG general alice " in line)
        message_id = line[1:].split(";", 1)[0]
        alice.say(f"/redact {message_id}")
        yield alice.expect(lambda line: " REDACT general " in line)
        yield self.settle(lambda: self.left_on_disk() == [], "the file removed")
        served = yield self.request("GET", answer.headers["location"])
        self.assertEqual(served.status, 404)

    @defer.inlineCallbacks
    def test_admin_removes_any_file(self):
        """bob may not delete alice's file (403); root, an admin, may (204)."""
        yield self.account("alice")
        yield self.account("bob")
        yield self.account("root")
        answer = yield self.upload(PNG, "image/png", "cat.png", basic("alice"))
        location = answer.headers["location"]
        refused = yield self.request("DELETE", location, basic("bob"))
        self.assertEqual(refused.status, 403)
        removed = yield self.request("DELETE", location, basic("root"))
        self.assertEqual(removed.status, 204)
        self.assertEqual(self.left_on_disk(), [])
