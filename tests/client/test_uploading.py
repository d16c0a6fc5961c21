"""``/upload`` below the screen (issue 33): a shared file's line, and the
upload itself over real HTTP to a twisted.web server on 127.0.0.1 that
answers as the HTTP door does (``201`` and the URL, or the reason).

The whole path against the real server, in a terminal, is in
``test_terminal_upload.py``; here are what a screen test cannot see: the
progress the status bar is told, chunk by chunk, and the token reused.
"""

from __future__ import annotations

import os
from typing import Any

from twisted.internet import defer, reactor
from twisted.internet.endpoints import TCP4ServerEndpoint
from twisted.trial import unittest
from twisted.web import resource, server

from chatroom.client.model import SessionModel
from chatroom.client.rich import attachment, size_in_words
from chatroom.client.uploading import CHUNK, Uploads, http_poster
from chatroom.wire.lines import parse_event
from tests.client.support import IN_TEA, feed

STAMP = "2026-11-23T12:00:00.000Z"


class SharedFileLineTests(unittest.TestCase):
    """A message that shares a file says its name, type and size."""

    def test_sizes_in_words(self) -> None:
        """Bytes below a KiB, then one decimal of the largest unit."""
        self.assertEqual(
            [size_in_words(n) for n in (1, 68, 1536, 3 << 20, 5 << 30)],
            ["1 byte", "68 bytes", "1.5 KiB", "3.0 MiB", "5.0 GiB"],
        )

    def test_the_file_tags_make_one_line(self) -> None:
        """``file-name``, ``file-type``, ``file-size`` (escaped as every tag)
        become ``my cat.png (image/png, 47.1 KiB)`` on the message's entry;
        a message sharing nothing has none."""
        line = (
            r"@9;file-name=my\scat.png;file-type=image/png;file-size=48213 "
            f"MSG tea bob {STAMP} look http://h/files/x/my%20cat.png"
        )
        self.assertEqual(
            attachment(parse_event(line)), "my cat.png (image/png, 47.1 KiB)"
        )
        model = SessionModel()
        feed(model, *IN_TEA, line, f"@10 MSG tea bob {STAMP} plain words")
        self.assertEqual(
            [entry.attachment for entry in model.log[-2:]],
            ["my cat.png (image/png, 47.1 KiB)", ""],
        )


class FakeDoor(resource.Resource):
    """``POST /upload`` as the HTTP door answers it: the bearer token
    checked, the body kept, ``201`` with the file's URL; over
    ``max_size`` a ``413`` with the reason."""

    isLeaf = True

    def __init__(self, max_size: int) -> None:
        super().__init__()
        self.max_size = max_size
        self.received: list[tuple[bytes, dict[str, str]]] = []

    def render_POST(self, request: Any) -> bytes:
        body = request.content.read()
        headers = {
            name.decode().lower(): values[0].decode()
            for name, values in request.requestHeaders.getAllRawHeaders()
        }
        self.received.append((body, headers))
        if headers.get("authorization") != "Bearer t0k":
            request.setResponseCode(401)
            return b"sign in first\n"
        if len(body) > self.max_size:
            request.setResponseCode(413)
            return f"uploads are limited to {self.max_size} bytes\n".encode()
        request.setResponseCode(201)
        request.setHeader(b"Location", b"/files/abc/big.bin")
        return b"http://chat.example/files/abc/big.bin\n"


class StatusKeepingModel(SessionModel):
    """A session model that keeps every status it was given, in order
    (the screen shows only the last)."""

    def __init__(self) -> None:
        super().__init__()
        self.statuses: list[str] = []

    def set_status(self, text: str) -> None:
        self.statuses.append(text)
        super().set_status(text)


class UploadOverHTTPTests(unittest.TestCase):
    """:class:`Uploads` with the real poster, against a real HTTP server."""

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        self.door = FakeDoor(max_size=300_000)
        endpoint = TCP4ServerEndpoint(reactor, 0, interface="127.0.0.1")
        port = yield endpoint.listen(server.Site(self.door))
        self.addCleanup(port.stopListening)
        self.url = f"http://127.0.0.1:{port.getHost().port}/upload"
        self.model = StatusKeepingModel()
        feed(self.model, *IN_TEA)
        self.statuses = self.model.statuses
        self.sent: list[str] = []
        self.finished = defer.Deferred[None]()
        self.uploads = Uploads(
            self.model, self.sent.append, http_poster(reactor), reactor, self.ready
        )

    def ready(self) -> None:
        if not self.finished.called:
            self.finished.callback(None)

    def file_of(self, size: int) -> str:
        path = os.path.join(self.mktemp() + "-big.bin")
        with open(path, "wb") as file:
            file.write(os.urandom(size))
        return path

    def token(self) -> None:
        self.uploads.token_arrived(parse_event(f"TOKEN t0k 3600 {self.url}"))

    @defer.inlineCallbacks
    def test_progress_then_the_link_is_shared(self):
        """A 200,000-byte file asks for a token, goes in 64 KiB chunks with
        the status bar told each step (0% … 100% of 195.3 KiB), arrives
        whole with its type and name, and its URL is said in the room."""
        path = self.file_of(200_000)
        self.uploads.start(path, "/say tea")
        self.assertEqual(self.sent, ["/token"])
        self.token()
        yield self.finished
        body, headers = self.door.received[0]
        with open(path, "rb") as file:
            self.assertEqual(body, file.read())
        self.assertEqual(headers["content-type"], "application/octet-stream")
        self.assertIn('filename="', headers["content-disposition"])
        percents = [s for s in self.statuses if s.startswith("uploading ")]
        self.assertEqual(
            percents[0], f"uploading {os.path.basename(path)}: 0% of 195.3 KiB"
        )
        self.assertEqual(
            percents[-1], f"uploading {os.path.basename(path)}: 100% of 195.3 KiB"
        )
        self.assertGreaterEqual(len(percents), 1 + -(-200_000 // CHUNK))
        self.assertEqual(
            self.sent, ["/token", "/say tea http://chat.example/files/abc/big.bin"]
        )

    @defer.inlineCallbacks
    def test_a_refusal_is_the_servers_reason_and_the_token_is_kept(self):
        """Over the limit: ``413`` and its reason on screen, nothing shared;
        the next upload uses the token held (no second ``/token``)."""
        self.uploads.start(self.file_of(300_001), "/say tea")
        self.token()
        yield self.finished
        self.assertIn(
            "was not uploaded: uploads are limited to 300000 bytes",
            self.model.log[-1].text,
        )
        self.finished = defer.Deferred()
        self.uploads.start(self.file_of(10), "/msg bob")
        yield self.finished
        self.assertEqual(
            self.sent, ["/token", "/msg bob http://chat.example/files/abc/big.bin"]
        )
