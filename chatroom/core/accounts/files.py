"""Shared files (``--files``): who may upload what, and what a shared file is.

An account uploads a file over HTTP (``POST /upload``, the web door) and
shares it as an ordinary message carrying its URL, ``…/files/<id>/<name>``,
so every door sees a link. This module holds every rule about that, once:

- **Who.** Only accounts: HTTP Basic with the account's password (checked
  by :class:`~chatroom.core.services.accounts.AccountService`, as any sign-in) or a
  bearer token a signed-in session asked for with ``/token``
  (:meth:`FileService.issue_token`: random, for :data:`TOKEN_SECONDS`,
  kept by the back-end, :class:`UploadTokenStore`).
- **What.** ``--max-upload`` bytes at most, decided from the announced
  size before anything is read; no type ``--upload-refuse-types`` names;
  at most ``--upload-rate`` uploads a minute per account (on the injected
  clock); the account's files together within ``--upload-quota``, counting
  what is left (a removed file no longer counts) and what is being
  uploaded at the same moment (:meth:`FileService.admit` reserves it).
  Each refusal is an :class:`UploadRefusedError` whose ``kind`` the door
  turns into its status.
- **Sharing.** A message whose text carries one of our files' URLs is
  tagged, for ``rich`` clients, with the file's name, type and size
  (:meth:`FileService.tags_for`); the tags are stored with the message.
- **Removal.** A redacted message takes its author's files with it
  (:meth:`FileService.redacted`); the uploader or a server admin removes
  any file (:meth:`FileService.remove`).

Where the metadata is kept is a back-end's :class:`FileStore` (the
``--db`` file, or Redis); where the bytes are, a
:class:`~chatroom.core.infra.filedir.FileDirectory`. In a cluster the bytes must
be where every node can read what any node took in: there the back-end
gives a :class:`SharedBytes` (PostgreSQL, ``--files-db``) that holds them,
and each node's directory is only its cache of them (filled on the first
``GET``, emptied at start-up, and a file no longer recorded is taken out
of it when next asked for).
"""

from __future__ import annotations

import contextlib
import re
import secrets
from collections.abc import Awaitable, Iterable
from typing import Protocol, TypeVar

from twisted.internet.interfaces import IReactorTime

from chatroom.core.infra.filedir import ID_PATTERN, FileDirectory, Spool
from chatroom.core.infra.throttle import WindowLimit
from chatroom.core.model import errors
from chatroom.core.model.changes.accounts import Registered
from chatroom.core.model.changes.base import Apply, DecidedChange, PremiseFailedError
from chatroom.core.model.changes.files import (
    AccountFiles,
    AccountUploadTokens,
    AddFile,
    FileKept,
    IssueToken,
    RemoveFile,
    RevokeTokens,
    UsageAtMost,
)
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.filerecord import FileRecord as FileRecord
from chatroom.wire.tags import Tags

T = TypeVar("T")

#: Seconds a ``/token`` stays good for.
TOKEN_SECONDS = 3600

#: Where a message's text names one of our files: ``/files/<id>/``.
_SHARED = re.compile(rf"/files/({ID_PATTERN})/")

#: The longest file name kept (longer ones are cut, keeping the extension).
NAME_MAX = 120

#: A MIME type as ``--upload-refuse-types`` and uploads give it.
_MIME = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")

#: The type of a file whose uploader named none (or one we cannot read).
UNKNOWN_TYPE = "application/octet-stream"

#: Types a browser shows in place without running anything: served
#: ``inline``. Everything else (SVG and HTML among them) is an attachment.
SAFE_IMAGES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


class FileStore(Protocol):
    """Where files' metadata is kept (the ``--db`` file, or Redis). An
    upload is recorded by a decided change the back-end applies
    (:class:`~chatroom.core.model.changes.files.AccountFiles`: :meth:`chatroom.core.
    backend.Backend.apply`), resting on the account's usage, in one step,
    so two nodes cannot both record the last bytes; a removal likewise
    (:class:`~chatroom.core.model.changes.files.RemoveFile`, resting on
    :class:`~chatroom.core.model.changes.files.FileKept`)."""

    async def get(self, file_id: str) -> FileRecord | None: ...

    async def usage(self, account: str) -> int:
        """Bytes of the files ``account`` uploaded that are left."""
        ...


class SharedBytes(Protocol):
    """Where a cluster keeps its files' bytes, for every node to read."""

    def put(self, file_id: str, path: str) -> Awaitable[None]:
        """Keep the bytes of the file at ``path`` as ``file_id``'s."""
        ...

    def fetch(self, file_id: str, path: str) -> Awaitable[bool]:
        """Write ``file_id``'s bytes to ``path``; False: none are kept."""
        ...

    def delete(self, file_id: str) -> Awaitable[None]:
        """Forget ``file_id``'s bytes (nothing if there are none)."""
        ...


class UploadRefusedError(Exception):
    """An upload or a removal refused. ``kind`` is what the door answers
    by (``credentials``, ``too_large``, ``quota``, ``rate``, ``type``,
    ``not_found``, ``forbidden``, ``unavailable``); the message says why,
    in words."""

    def __init__(self, kind: str, text: str) -> None:
        super().__init__(text)
        self.kind = kind
        self.text = text


async def _shared_step(step: Awaitable[T]) -> T:
    """A step on the cluster's shared store of bytes; its failure (the
    database down or too slow) is ``unavailable`` (``503``), retried by
    the client, never a half-stored file."""
    try:
        return await step
    except UploadRefusedError:
        raise
    except Exception as problem:
        raise UploadRefusedError(
            "unavailable", "files cannot be reached right now: try again soon"
        ) from problem


def clean_type(declared: str) -> str:
    """The type an upload declared (``Content-Type``), parameters dropped and
    lower-cased; :data:`UNKNOWN_TYPE` for none or one that is no MIME type."""
    kind = declared.split(";", 1)[0].strip().lower()
    return kind if _MIME.match(kind) else UNKNOWN_TYPE


def clean_name(given: str) -> str:
    """A file name fit to keep and show: no directories, no control
    characters or quotes, at most :data:`NAME_MAX` characters (the
    extension kept); ``file`` for none."""
    name = given.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable() and c not in '"').strip(" .")
    if len(name) > NAME_MAX:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = stem[: NAME_MAX - len(extension) - 1] + "." + extension
        else:
            name = name[:NAME_MAX]
    return name or "file"


def refused_types(given: Iterable[str]) -> tuple[str, ...]:
    """``--upload-refuse-types``' entries, checked: each a MIME type
    (``text/html``) or a whole family (``video/*``). ``ValueError`` says
    which is neither."""
    kinds = []
    for kind in given:
        kind = kind.strip().lower()
        if not kind:
            continue
        if not _MIME.match(kind.replace("/*", "/x")):
            raise ValueError(f"{kind!r} is no MIME type (type/subtype or type/*)")
        kinds.append(kind)
    return tuple(kinds)


def is_refused(kind: str, refused: Iterable[str]) -> bool:
    family = kind.split("/", 1)[0] + "/*"
    return any(entry in (kind, family) for entry in refused)


def mebibytes(size: int) -> str:
    """``10 MiB``, ``512 KiB``, ``100 bytes``: a bound in words."""
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {unit}"
    return f"{size} bytes"


def quota_refusal(quota: int, used: int) -> UploadRefusedError:
    """An upload past ``--upload-quota``, with ``used`` bytes taken."""
    left = max(quota - used, 0)
    return UploadRefusedError(
        "quota",
        f"your files may take {mebibytes(quota)} in all and {mebibytes(left)} is left",
    )


class UploadTokenStore(Protocol):
    """Where ``/token``'s bearer tokens are read: this process's memory,
    or, in a cluster, Redis, so that any node takes an upload with a token
    another node gave. A token is given and revoked by a change of an
    :class:`~chatroom.core.model.changes.files.AccountUploadTokens`
    (:meth:`FileService.issue_token`, :meth:`FileService.revoke_tokens`);
    a store forgets a token at the deadline the change set (its clock's,
    or Redis's expiry)."""

    async def account(self, token: str) -> str | None:
        """The account ``token`` was given to, if it is still good."""
        ...

    def refused_early(self, token: str) -> bool:
        """Whether ``token`` is known to be no good already, so an upload
        is refused from its headers, before its body is read."""
        ...


class FileService:
    """Uploads' rules over a :class:`FileStore` and a
    :class:`~chatroom.core.infra.filedir.FileDirectory`.

    Args:
        config: ``max_upload``, ``upload_quota``, ``upload_rate``,
            ``upload_refuse_types``.
        clock: for tokens, the rate and the records' times.
        store: the back-end's file metadata, where records are read.
        apply: the back-end's one write (:meth:`chatroom.core.backend.
            Backend.apply`), which records an upload decided here.
        directory: where the bytes are (in a cluster: this node's cache).
        tokens: where ``/token``'s tokens are read.
        shared: where a cluster keeps the bytes (None: a single server,
            whose directory is the store).
    """

    def __init__(
        self,
        config: ServerConfig,
        clock: IReactorTime,
        store: FileStore,
        apply: Apply,
        directory: FileDirectory,
        tokens: UploadTokenStore,
        shared: SharedBytes | None = None,
    ) -> None:
        self.config = config
        self.clock = clock
        self.store = store
        self.apply = apply
        self.directory = directory
        self.shared = shared
        self.tokens = tokens
        #: How long a ``/token`` is good for, in seconds.
        self.token_lifetime: float = TOKEN_SECONDS
        self.uploads = WindowLimit(clock, config.upload_rate, 60.0)
        #: Bytes being uploaded right now per account (counted in its quota).
        self.reserved: dict[str, int] = {}
        #: The upload URL clients are told (IRC's ``draft/FILEHOST``): set
        #: by the web door once it listens.
        self.upload_url = ""

    # -- tokens ---------------------------------------------------------------------

    async def issue_token(self, account: str) -> str:
        """A new random token for ``account`` (a key), good for
        :attr:`token_lifetime` seconds on every node, given while the
        account is registered (``NOT_ALLOWED`` for one deleted
        meanwhile)."""
        token = secrets.token_urlsafe(24)
        until = self.clock.seconds() + self.token_lifetime
        issued = IssueToken(token, until)
        change = DecidedChange(AccountUploadTokens(account), (Registered(),), (issued,))
        try:
            await self.apply(change)
        except PremiseFailedError:
            raise errors.not_signed_in() from None
        return token

    async def revoke_tokens(self, account: str) -> None:
        """Every token given to ``account`` is no good from now on (its
        password was reset)."""
        revoked = RevokeTokens()
        await self.apply(DecidedChange(AccountUploadTokens(account), (), (revoked,)))

    # -- before the body ------------------------------------------------------------

    def check_announced(self, size: int, declared_type: str) -> None:
        """The checks made from an upload's headers alone, before a byte
        of its body is read: its size (``too_large``) and its type
        (``type``)."""
        if size > self.config.max_upload:
            limit = mebibytes(self.config.max_upload)
            raise UploadRefusedError("too_large", f"uploads are limited to {limit}")
        kind = clean_type(declared_type)
        if is_refused(kind, self.config.upload_refuse_types):
            raise UploadRefusedError("type", f"{kind} files are not taken here")

    async def admit(self, account: str, size: int) -> None:
        """``account`` may store ``size`` bytes more now: within its rate
        (``rate``) and quota (``quota``), which holds the bytes until
        :meth:`release`."""
        wait = self.uploads.take(account)
        if wait:
            raise UploadRefusedError(
                "rate", f"too many uploads: try again in {int(wait) + 1} s"
            )
        used = await self.store.usage(account) + self.reserved.get(account, 0)
        quota = self.config.upload_quota
        if quota and used + size > quota:
            self.uploads.give_back(account)
            raise quota_refusal(quota, used)
        self.reserved[account] = self.reserved.get(account, 0) + size

    def release(self, account: str, size: int) -> None:
        """The bytes :meth:`admit` held are stored, or will never be."""
        left = self.reserved.get(account, 0) - size
        if left > 0:
            self.reserved[account] = left
        else:
            self.reserved.pop(account, None)

    async def accept(
        self, account: str, spool: Spool, name: str, declared_type: str
    ) -> FileRecord:
        """An upload whole on disk (``spool``) becomes ``account``'s file:
        admitted (rate, quota), kept under a new id and recorded. Refused
        or failed, nothing of it stays (the caller discards the spool)."""
        size = spool.size
        await self.admit(account, size)
        try:
            record = FileRecord(
                secrets.token_urlsafe(12),
                account,
                clean_name(name),
                clean_type(declared_type),
                size,
                self.clock.seconds(),
            )
            spool.keep(record.id)
            try:
                if self.shared is not None:  # every node's, before it is known
                    await _shared_step(
                        self.shared.put(record.id, self.directory.path_of(record.id))
                    )
                await self._recorded(record)
            except BaseException:
                self.directory.remove(record.id)
                if self.shared is not None:
                    with contextlib.suppress(Exception):  # it may never have come
                        await self.shared.delete(record.id)
                raise
        finally:
            self.release(account, size)
        return record

    async def _recorded(self, record: FileRecord) -> None:
        """The record kept, within the quota as the store has it now (the
        uploads of other nodes admitted meanwhile count): ``quota`` if not."""
        quota = self.config.upload_quota
        within = (UsageAtMost(quota - record.size),) if quota else ()
        change = DecidedChange(AccountFiles(record.account), within, (AddFile(record),))
        try:
            await self.apply(change)
        except PremiseFailedError as refusal:
            used = refusal.facts if isinstance(refusal.facts, int) else quota
            raise quota_refusal(quota, used) from None

    # -- sharing --------------------------------------------------------------------

    async def tags_for(self, text: str) -> Tags:
        """The tags of a message carrying ``text``: the first of our files
        it names, as ``file-name``, ``file-type`` and ``file-size``."""
        if "/files/" not in text:
            return ()
        for found in _SHARED.finditer(text):
            record = await self.store.get(found.group(1))
            if record is not None:
                return (
                    ("file-name", record.name),
                    ("file-type", record.type),
                    ("file-size", str(record.size)),
                )
        return ()

    # -- removal --------------------------------------------------------------------

    async def remove(self, file_id: str, account: str, admin: bool) -> FileRecord:
        """Remove a file: its uploader's or, for a server admin, any."""
        record = await self.store.get(file_id)
        if record is None:
            raise UploadRefusedError("not_found", "no such file")
        if record.account != account and not admin:
            raise UploadRefusedError("forbidden", "only its uploader or an admin")
        if not await self._forget(record):
            raise UploadRefusedError("not_found", "no such file")
        return record

    async def redacted(self, text: str, author: str) -> None:
        """A message was redacted: the files it named that its author
        (an account key) uploaded go with it."""
        for found in _SHARED.finditer(text):
            record = await self.store.get(found.group(1))
            if record is not None and record.account == author:
                await self._forget(record)

    async def _forget(self, record: FileRecord) -> bool:
        """The bytes first: a failure leaves the file as it was, or
        recorded without bytes (``404``), never bytes nobody can remove.
        False: the record was removed meanwhile (on another node)."""
        if self.shared is not None:
            await _shared_step(self.shared.delete(record.id))
        self.directory.remove(record.id)
        kept, removed = FileKept(record.id), RemoveFile(record.id)
        change = DecidedChange(AccountFiles(record.account), (kept,), (removed,))
        try:
            await self.apply(change)
        except PremiseFailedError:
            return False
        return True

    # -- serving --------------------------------------------------------------------

    async def find(self, file_id: str) -> FileRecord | None:
        """The file ``file_id`` with its bytes in this node's directory, to
        serve; None when there is no such file. In a cluster the bytes are
        fetched from the shared store the first time, and a copy of a file
        since removed (on another node) is taken out of the cache."""
        record = await self.store.get(file_id)
        if record is None:
            self.directory.remove_if_there(file_id)
            return None
        if self.directory.exists(file_id):
            return record
        if self.shared is None:
            return None
        spool = self.directory.spool()
        try:
            spool.file.close()  # written by the shared store, at its path
            if not await _shared_step(self.shared.fetch(file_id, spool.path)):
                return None
            spool.keep(file_id)
        finally:
            spool.discard()
        return record
