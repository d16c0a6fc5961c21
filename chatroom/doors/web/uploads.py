"""Uploads at the HTTP door (``--files``): ``POST /upload`` and ``/files/<id>/<name>``.

The rules are :class:`~chatroom.core.accounts.files.FileService`'s; this module is
HTTP's side of them:

- :class:`UploadDoor` decides what can be decided from an upload's
  headers, before a byte of its body is read (its size, its type, that it
  carries credentials at all), for
  :class:`~chatroom.doors.web.channel.BoundedChannel`, which refuses it
  then and there; an upload it lets through is spooled to a temporary
  file in the files' directory (:class:`~chatroom.core.infra.filedir.Spool`,
  the request's ``content``), which any failure or a disconnect removes.
- :class:`UploadResource` (``POST /upload``) authenticates (HTTP Basic
  with an account's name and password, checked as every sign-in is, off
  the reactor; or ``Bearer TOKEN`` from ``/token``), admits the upload
  (rate, quota), keeps the spooled file under its id and records it:
  ``201 Created`` with ``Location: /files/<id>/<name>``.
- :class:`FilesResource` serves a file back (``GET``, ``HEAD``) so that it
  can never act in the chat's origin: its own type with
  ``X-Content-Type-Options: nosniff``, ``Content-Disposition: attachment``
  for anything but the few image types a browser only draws, and
  ``Content-Security-Policy: sandbox; default-src 'none'`` (an HTML or
  SVG file opened directly runs no script, in an opaque origin). ``DELETE``
  removes it, for its uploader or a server admin.

Every refusal is a status with its reason as text (:data:`STATUSES`).
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Callable, Coroutine
from email.message import Message
from typing import Any
from urllib.parse import quote

from twisted.internet.defer import Deferred
from twisted.logger import Logger
from twisted.protocols.basic import FileSender
from twisted.python.failure import Failure
from twisted.web.resource import IResource, Resource
from twisted.web.server import NOT_DONE_YET, Request

from chatroom.core.accounts.files import (
    SAFE_IMAGES,
    FileRecord,
    FileService,
    UploadRefusedError,
)
from chatroom.core.infra.filedir import Spool
from chatroom.core.model.errors import ChatError
from chatroom.doors.base.hub import DoorHub

#: A refusal's kind → (status, reason phrase).
#: A bearer token nobody gave, or one past its hour.
NO_TOKEN = "the token is unknown or expired: ask /token again"

STATUSES = {
    "credentials": (401, "Unauthorized"),
    "forbidden": (403, "Forbidden"),
    "not_found": (404, "Not Found"),
    "too_large": (413, "Content Too Large"),
    "type": (415, "Unsupported Media Type"),
    "rate": (429, "Too Many Requests"),
    "unavailable": (503, "Service Unavailable"),
    "quota": (507, "Insufficient Storage"),
}

#: What a 401 asks for.
CHALLENGE = 'Basic realm="chatroom", charset="UTF-8", Bearer realm="chatroom"'

#: The headers of every file served: it is data, never a page of ours.
FILE_HEADERS = {
    "x-content-type-options": "nosniff",
    "content-security-policy": "sandbox; default-src 'none'",
    "referrer-policy": "no-referrer",
    "cache-control": "private, no-cache",
}

#: What a refusal at the headers says (status, reason, text, headers).
Refusal = tuple[int, str, str, tuple[tuple[str, str], ...]]

NO_CREDENTIALS = (
    "sign in: HTTP Basic with an account's name and password, "
    "or Authorization: Bearer TOKEN (/token)"
)


def _refusal(problem: UploadRefusedError) -> Refusal:
    code, reason = STATUSES[problem.kind]
    headers: tuple[tuple[str, str], ...] = ()
    if problem.kind == "credentials":
        headers = (("WWW-Authenticate", CHALLENGE),)
    return code, reason, problem.text, headers


def content_disposition(record: FileRecord) -> str:
    """RFC 6266: ``inline`` for a safe image, else ``attachment``; the name
    as an ASCII ``filename`` and, exactly, as ``filename*`` (RFC 8187)."""
    kind = "inline" if record.type in SAFE_IMAGES else "attachment"
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_"
        for c in record.name
    )
    exact = quote(record.name, safe="")
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{exact}"


def uploaded_name(request: Request) -> str:
    """The name the uploader gave (``Content-Disposition``'s ``filename``
    or ``filename*``, as soju's clients send it), "" for none."""
    header = request.getHeader("content-disposition")
    if not header:
        return ""
    parsed = Message()
    parsed["content-disposition"] = header
    return parsed.get_filename() or ""


class UploadDoor:
    """What the HTTP door needs of uploads (``site.uploads`` while they are on)."""

    def __init__(self, server: DoorHub, files: FileService) -> None:
        self.server = server
        self.files = files

    @staticmethod
    def wants(command: bytes, path: bytes) -> bool:
        return command == b"POST" and path.split(b"?", 1)[0] == b"/upload"

    def refusal(self, request: Request, size: int) -> Refusal | None:
        """An upload of ``size`` bytes refused from its headers alone, or
        None: it may send its body (see the module's docstring)."""
        try:
            self.files.check_announced(size, request.getHeader("content-type") or "")
            authorization = request.getHeader("authorization") or ""
            scheme, _, token = authorization.partition(" ")
            if not scheme:
                raise UploadRefusedError("credentials", NO_CREDENTIALS)
            if scheme.lower() == "bearer" and self.files.tokens.refused_early(
                token.strip()
            ):
                raise UploadRefusedError("credentials", NO_TOKEN)
        except UploadRefusedError as problem:
            return _refusal(problem)
        return None

    async def token_account(self, token: str) -> str:
        """The account a ``/token`` was given to (``credentials`` if none)."""
        account = await self.files.tokens.account(token.strip())
        if account is None:
            raise UploadRefusedError("credentials", NO_TOKEN)
        return account

    def spool(self) -> Spool:
        return self.files.directory.spool()

    async def account_of(self, request: Request) -> str:
        """The account key the request's credentials are for."""
        scheme, _, value = (request.getHeader("authorization") or "").partition(" ")
        if scheme.lower() == "bearer":
            return await self.token_account(value)
        if scheme.lower() != "basic":
            raise UploadRefusedError("credentials", NO_CREDENTIALS)
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise UploadRefusedError(
                "credentials", "unreadable Basic credentials"
            ) from None
        name, _, password = decoded.partition(":")
        host = getattr(request.getClientAddress(), "host", "")
        try:
            found = await self.server.registry.accounts.sign_in(name, password, host)
        except ChatError as refused:
            kind = "rate" if refused.code == "RATE_LIMITED" else "credentials"
            raise UploadRefusedError(kind, refused.text) from None
        return found.key


def _text(request: Request, text: str) -> None:
    """Answer ``text`` (a refusal's reason) and finish."""
    body = text.encode() + b"\n"
    request.setHeader("content-type", "text/plain; charset=utf-8")
    request.setHeader("content-length", str(len(body)))
    request.write(body)
    request.finish()


def _answer(
    request: Request,
    work: Callable[[], Coroutine[Any, Any, bytes]],
    log: Logger,
    on_refused: Callable[[], None] = lambda: None,
) -> int:
    """Run ``work`` (its bytes are the answer's body) and answer; a
    refusal is its status with the reason as text."""
    gone: list[Failure] = []
    request.notifyFinish().addErrback(gone.append)

    def done(body: bytes) -> None:
        if not gone:
            request.setHeader("content-length", str(len(body)))
            request.write(body)
            request.finish()

    def failed(failure: Failure) -> None:
        on_refused()
        if isinstance(failure.value, UploadRefusedError):
            code, reason, text, headers = _refusal(failure.value)
        else:
            log.failure("an upload request failed", failure)
            code, reason, text, headers = 500, "Internal Server Error", "failed", ()
        if gone:
            return
        request.setResponseCode(code, reason.encode())
        for name, value in headers:
            request.setHeader(name, value)
        _text(request, text)

    Deferred.fromCoroutine(work()).addCallbacks(done, failed)
    return NOT_DONE_YET


class UploadResource(Resource):
    """``POST /upload``: the body is the file (its type ``Content-Type``,
    its name ``Content-Disposition``'s ``filename``)."""

    isLeaf = True
    log = Logger()

    def __init__(self, door: UploadDoor) -> None:
        super().__init__()
        self.door = door
        self.files = door.files

    def render_GET(self, request: Request) -> bytes:
        """A ``HEAD`` (or ``GET``) answers 200 while uploads are on (404
        without ``--files``): the web client shows its Attach button then."""
        request.setHeader("content-type", "text/plain; charset=utf-8")
        return b"POST a file here (docs/web.md, Files)\n"

    def render_POST(self, request: Request) -> bytes | int:
        spool = request.content
        if not isinstance(spool, Spool):  # not through the door's checks
            request.setResponseCode(400)
            return b"an upload needs a Content-Length\n"
        return _answer(
            request, lambda: self._upload(request, spool), self.log, spool.discard
        )

    async def _upload(self, request: Request, spool: Spool) -> bytes:
        account = await self.door.account_of(request)
        record = await self.files.accept(
            account,
            spool,
            uploaded_name(request),
            request.getHeader("content-type") or "",
        )
        self.log.info(
            "{account} uploaded {id} ({size} bytes)",
            account=account,
            id=record.id,
            size=record.size,
        )
        request.setResponseCode(201, b"Created")
        request.setHeader("location", record.path)
        request.setHeader("content-type", "text/plain; charset=utf-8")
        scheme = "https" if request.isSecure() else "http"
        host = (request.getHeader("host") or "localhost").strip()
        return f"{scheme}://{host}{record.path}\n".encode()


class FilesResource(Resource):
    """``/files/<id>/<name>``: a file served back, or removed."""

    def __init__(self, door: UploadDoor) -> None:
        super().__init__()
        self.door = door

    def getChild(self, path: bytes, request: Request) -> IResource:
        return OneFile(self.door, path.decode("ascii", "replace"))


class OneFile(Resource):
    """One file by its id (the name after it is for people and is not checked)."""

    isLeaf = True
    log = Logger()

    def __init__(self, door: UploadDoor, file_id: str) -> None:
        super().__init__()
        self.door = door
        self.files = door.files
        self.file_id = file_id

    async def _found(self) -> FileRecord:
        record = await self.files.find(self.file_id)
        if record is None:
            raise UploadRefusedError("not_found", "no such file")
        return record

    def render_GET(self, request: Request) -> int:
        gone: list[Failure] = []
        request.notifyFinish().addErrback(gone.append)

        def serve(record: FileRecord) -> None:
            if gone:
                return
            for name, value in FILE_HEADERS.items():
                request.setHeader(name, value)
            request.setHeader("content-disposition", content_disposition(record))
            request.setHeader("content-type", record.type)
            try:
                opened = open(self.files.directory.path_of(record.id), "rb")  # noqa: SIM115
            except FileNotFoundError:  # removed meanwhile
                request.setResponseCode(404)
                _text(request, "no such file")
                return
            request.setHeader("content-length", str(os.fstat(opened.fileno()).st_size))
            if request.method == b"HEAD":
                opened.close()
                request.finish()
                return

            def sent(result: object) -> None:
                opened.close()
                if not gone:
                    request.finish()

            FileSender().beginFileTransfer(opened, request).addBoth(sent)

        def refused(failure: Failure) -> None:
            failure.trap(UploadRefusedError)
            if gone:
                return
            problem = failure.value
            assert isinstance(problem, UploadRefusedError)  # trapped above
            code, reason, text, _ = _refusal(problem)
            request.setResponseCode(code, reason.encode())
            _text(request, text)

        Deferred.fromCoroutine(self._found()).addCallbacks(serve, refused)
        return NOT_DONE_YET

    render_HEAD = render_GET

    def render_DELETE(self, request: Request) -> int:
        """Its uploader, or a server admin, removes it: ``204``."""

        async def remove() -> bytes:
            account = await self.door.account_of(request)
            admin = self.door.server.registry.accounts.is_admin(account)
            await self.files.remove(self.file_id, account, admin)
            request.setResponseCode(204)
            return b""

        return _answer(request, remove, self.log)
