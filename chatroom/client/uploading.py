"""The terminal client's ``/upload PATH``: a file sent to the server and
shared where it was typed, as the web client shares one.

The line door gives what an upload needs: ``/token`` is answered
``TOKEN <token> <seconds> <url>``, a bearer token and the address to
``POST`` to (protocol.md, *Files*). The file goes there with its type and
its name (``Content-Disposition``, as soju's ``FILEHOST`` clients send
them), its progress in the status bar; the server answers ``201 Created``
with the file's whole URL, and that URL is said where the user typed
``/upload`` (``/say ROOM URL`` in a room, ``/msg USER URL`` in a private
conversation), so every door sees a link and ``rich`` clients its name,
type and size. A refusal (too big, over quota, a type the server does not
take) is the server's own reason, on screen.

A token is kept while it has a minute left, so a second upload does not
ask again. The HTTP request is made by a :data:`Poster` the controller is
given (:func:`http_poster` with the reactor; a test may give one bound to
its own server), which reports the bytes sent as they go.
"""

from __future__ import annotations

import mimetypes
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import quote, urljoin

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.python.failure import Failure
from twisted.web.client import Agent, FileBodyProducer, readBody
from twisted.web.http_headers import Headers

from chatroom.client.entries import EntryKind
from chatroom.client.model import SessionModel
from chatroom.client.rich import size_in_words
from chatroom.wire.lines import ParsedLine

#: A token is used again while it has this long left (seconds).
TOKEN_MARGIN = 60.0

#: How many bytes are read (and reported) at a time.
CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class Upload:
    """One file the user asked to upload, and where to share it."""

    path: str
    name: str
    type: str
    size: int
    #: The command that shares its URL: ``/say ROOM`` or ``/msg USER``.
    share: str
    #: The log ``/upload`` was typed in (a ``log_key``), where its link stands.
    where: str = ""


@dataclass(frozen=True, slots=True)
class Answer:
    """The server's answer to an upload: its status and its text (the
    file's URL on ``201``, the reason otherwise), and ``Location``."""

    status: int
    text: str
    location: str = ""


#: Sends ``upload`` to ``url`` with ``token``, telling the bytes sent so far.
Poster = Callable[[str, str, Upload, Callable[[int], None]], "Deferred[Answer]"]


def content_disposition(name: str) -> str:
    """``attachment; filename="…"; filename*=UTF-8''…`` (RFC 6266, RFC 8187):
    an ASCII name for old readers, the real one for the rest."""
    plain = name.encode("ascii", "replace").decode().replace('"', "_")
    plain = plain.replace("\\", "_").replace("?", "_")
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name)}"


class _Counted:
    """A file whose reads are counted and reported (``FileBodyProducer``
    reads it in chunks and seeks it to learn its length)."""

    def __init__(self, file: IO[bytes], on_sent: Callable[[int], None]) -> None:
        self.file = file
        self.on_sent = on_sent
        self.sent = 0

    def read(self, size: int = -1) -> bytes:
        data = self.file.read(size)
        self.sent += len(data)
        if data:
            self.on_sent(self.sent)
        return data

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self.file.seek(offset, whence)

    def tell(self) -> int:
        return self.file.tell()

    def close(self) -> None:
        self.file.close()


def http_poster(reactor: Any) -> Poster:
    """A :data:`Poster` that uploads with twisted.web's ``Agent`` (https
    checked as any Twisted client checks it)."""
    agent = Agent(reactor)

    def post(
        url: str, token: str, upload: Upload, on_sent: Callable[[int], None]
    ) -> Deferred[Answer]:
        file = open(upload.path, "rb")  # noqa: SIM115 (the producer closes it)
        body = FileBodyProducer(_Counted(file, on_sent), readSize=CHUNK)
        headers = Headers(
            {
                "Authorization": [f"Bearer {token}"],
                "Content-Type": [upload.type],
                "Content-Disposition": [content_disposition(upload.name)],
            }
        )
        asked = agent.request(b"POST", url.encode(), headers, body)

        def answered(response: Any) -> Deferred[Answer]:
            location = response.headers.getRawHeaders(b"location", [b""])[0]
            reading = readBody(response)
            return reading.addCallback(
                lambda text: Answer(
                    response.code,
                    text.decode("utf-8", "replace").strip(),
                    location.decode("latin-1"),
                )
            )

        def closed(result: object) -> object:
            file.close()
            return result

        return asked.addCallback(answered).addBoth(closed)

    return post


class Uploads:
    """The ``/upload`` commands of one session: each waits for a token,
    then is posted, one at a time in the order typed.

    Args:
        model: where progress (the status bar) and outcomes (notes) go.
        send: queues a line to the server (``/token``, the shared URL).
        post: makes the HTTP request (:func:`http_poster`).
        clock: tells when the token held runs out.
        ready: puts the usual status back when no upload is running.
        say: says the shared URL's line (``/say ROOM URL``), its row in a
            log: ``say(line, where)`` (the outbox, with a key); None: sent.
    """

    def __init__(
        self,
        model: SessionModel,
        send: Callable[[str], None],
        post: Poster,
        clock: IReactorTime,
        ready: Callable[[], None],
        say: Callable[[str, str], None] | None = None,
    ) -> None:
        self.model = model
        self.send = send
        self.say = say or (lambda line, where: send(line))
        self.post = post
        self.clock = clock
        self.ready = ready
        self.waiting: list[Upload] = []
        self.running: Upload | None = None
        self.asked = False
        self.token = ""
        self.url = ""
        self.expires = 0.0

    def start(self, path: str, share: str, where: str = "") -> None:
        """``/upload PATH``, typed in log ``where``, ``share`` saying its
        URL: checked here (a file that cannot be read is never announced),
        then queued."""
        path = os.path.expanduser(path.strip())
        if not path:
            self.model.note("usage: /upload PATH", EntryKind.ERROR)
            return
        try:
            size = os.path.getsize(path)
            with open(path, "rb"):
                pass
        except OSError as problem:
            self.model.note(
                f"cannot upload {path}: {problem.strerror}", EntryKind.ERROR
            )
            return
        if not os.path.isfile(path):
            self.model.note(f"cannot upload {path}: not a file", EntryKind.ERROR)
            return
        name = os.path.basename(path)
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        self.waiting.append(Upload(path, name, kind, size, share, where))
        self._next()

    def token_arrived(self, event: ParsedLine) -> None:
        """``TOKEN <token> <seconds> <url>``: the uploads waiting for it go."""
        self.asked = False
        self.token = event.field("token")
        self.url = event.field("url")
        seconds = event.field("seconds")
        lifetime = float(seconds) if seconds.isdigit() else 0.0
        self.expires = self.clock.seconds() + lifetime
        if not self.url:
            self._give_up("the server did not say where uploads go")
            return
        self._next()

    def token_refused(self, reason: str) -> None:
        """The server refused ``/token`` (no account, uploads off): nothing
        waiting can go (the refusal itself is on screen already)."""
        self.asked = False
        self._give_up(reason)

    def connection_lost(self) -> None:
        """Tokens are a connection's; an upload under way finishes anyway."""
        self.asked = False
        self.token = ""

    def _give_up(self, reason: str) -> None:
        for upload in self.waiting:
            self.model.note(
                f"{upload.name} was not uploaded: {reason}", EntryKind.ERROR
            )
        self.waiting.clear()

    def _next(self) -> None:
        if self.running is not None or not self.waiting:
            return
        if not self.token or self.clock.seconds() > self.expires - TOKEN_MARGIN:
            if not self.asked:
                self.asked = True
                self.send("/token")
            return
        upload = self.running = self.waiting.pop(0)
        self._progress(upload, 0)
        posting = self.post(
            self.url, self.token, upload, lambda sent: self._progress(upload, sent)
        )
        posting.addCallbacks(
            lambda answer: self._answered(upload, answer),
            lambda failure: self._failed(upload, failure),
        )

    def _progress(self, upload: Upload, sent: int) -> None:
        percent = 100 * sent // upload.size if upload.size else 100
        self.model.set_status(
            f"uploading {upload.name}: {percent}% of {size_in_words(upload.size)}"
        )

    def _answered(self, upload: Upload, answer: Answer) -> None:
        if answer.status == 201:
            url = answer.text or urljoin(self.url, answer.location)
            self.model.note(f"uploaded {upload.name} ({size_in_words(upload.size)})")
            self.say(f"{upload.share} {url}", upload.where)
        else:
            if answer.status == 401:
                self.token = ""  # expired or from another node: ask again
            reason = answer.text or f"HTTP {answer.status}"
            self.model.note(
                f"{upload.name} was not uploaded: {reason}", EntryKind.ERROR
            )
        self._done()

    def _failed(self, upload: Upload, failure: Failure) -> None:
        reason = failure.getErrorMessage() or repr(failure.value)
        self.model.note(f"{upload.name} was not uploaded: {reason}", EntryKind.ERROR)
        self._done()

    def _done(self) -> None:
        self.running = None
        self.ready()
        self._next()
