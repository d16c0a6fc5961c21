"""Uploaded files' metadata and upload tokens in Redis: the cluster's
:class:`FileStore` and :class:`UploadTokenStore`.

A file is the hash ``P file:<id>`` (account, name, type, size, at) and
counts in its account's ``P file-usage:<account>``; adding and removing
change both in one script, so the usage is always what the hashes add up
to. Only the metadata is here: the bytes are in PostgreSQL
(:mod:`chatroom.backends.redis.files_postgres`, ``--files-db``).

A ``/token`` is ``P upload-token:<token>`` (the account key) with Redis's
expiry, so an upload may reach any node behind the load balancer, not
only the one that gave the token.
"""

from __future__ import annotations

import math

from twisted.internet.interfaces import IReactorTime

from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.prelude import Script
from chatroom.core.files import FileRecord
from chatroom.core.model.changes.accounts import Registered
from chatroom.core.model.changes.base import (
    DecidedChange,
    PremiseFailedError,
    account_of,
)
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

#: ARGV: P, id, account, name, type, size, at, the most the account's files
#: may take before it ('' for no most). 1 (0 if the id is taken), or
#: {'quota', the bytes they take} and nothing kept.
ADD = Script("file-add")

#: ARGV: P, id. The file forgotten: its fields as GET gives them, or {}.
REMOVE = Script("file-remove")

#: ARGV: P, id. The file's account, name, type, size and time, or {}.
GET = Script("file-get")

#: ARGV: P, account. Bytes of the account's files.
USAGE = Script("file-usage")


#: ARGV: P, token, account key, seconds, whether the account must be
#: registered ('1') or not ('-'). The token, listed among the account's
#: (``upload-tokens:<account>``, kept as long as its newest): 1; 0 and
#: nothing kept if the account is not registered as it must be.
TOKEN_ISSUE = Script("upload-token-issue")

#: ARGV: P, account key. Every token listed as the account's goes.
TOKEN_REVOKE = Script("upload-token-revoke")

#: ARGV: P, token. The account key it was given to, or '' (none, or expired).
TOKEN_ACCOUNT = Script("upload-token-account")


def _record(file_id: str, fields: list[bytes]) -> FileRecord | None:
    if not fields:
        return None
    account, name, kind, size, at = (field.decode() for field in fields)
    return FileRecord(file_id, account, name, kind, int(size), float(at))


class RedisFiles:
    """Files' metadata kept in Redis, one round trip a step."""

    def __init__(self, calls: RedisCalls) -> None:
        self.calls = calls

    async def apply(self, change: DecidedChange) -> None:
        """One script an operation: ``ADD`` a record, the account's usage
        checked against the change's
        :class:`~chatroom.core.model.changes.files.UsageAtMost` in the script, then
        the record kept and counted; ``REMOVE`` a record, refused if the
        change rests on :class:`~chatroom.core.model.changes.files.FileKept` and there
        was none."""
        account_of(change, AccountFiles)
        within = change.premise(UsageAtMost)
        kept = change.premise(FileKept)
        for op in change.ops:
            if isinstance(op, AddFile):
                await self._add(op.record, within)
            elif isinstance(op, RemoveFile):
                removed = await self.calls.eval(REMOVE, op.file_id)
                if not removed and kept is not None:
                    raise PremiseFailedError(None, kept)
            else:
                raise TypeError(f"not an operation on an account's files: {op!r}")

    async def _add(self, record: FileRecord, within: UsageAtMost | None) -> None:
        reply = await self.calls.eval(
            ADD,
            record.id,
            record.account,
            record.name,
            record.type,
            str(record.size),
            repr(record.at),
            "" if within is None else str(within.size),
        )
        if isinstance(reply, list):  # refused: the usage as it is
            raise PremiseFailedError(int(reply[1]), within)

    async def get(self, file_id: str) -> FileRecord | None:
        return _record(file_id, await self.calls.eval(GET, file_id))

    async def usage(self, account: str) -> int:
        return int(await self.calls.eval(USAGE, account))


class RedisUploadTokens:
    """``/token``'s bearer tokens, good at every node until Redis expires them."""

    def __init__(self, calls: RedisCalls, clock: IReactorTime) -> None:
        self.calls = calls
        self.clock = clock

    async def apply(self, change: DecidedChange) -> None:
        """A change of an account's upload tokens
        (:class:`~chatroom.core.model.changes.files.AccountUploadTokens`):
        a token kept with a Redis expiry at its deadline (as this node's
        clock says), or every token listed as the account's gone."""
        account = account_of(change, AccountUploadTokens)
        registered = change.premise(Registered)
        for op in change.ops:
            if isinstance(op, IssueToken):
                seconds = max(1, math.ceil(op.until - self.clock.seconds()))
                given = await self.calls.eval(
                    TOKEN_ISSUE,
                    op.token,
                    account,
                    str(seconds),
                    "-" if registered is None else "1",
                )
                if not int(given):
                    raise PremiseFailedError(None, registered)
            elif isinstance(op, RevokeTokens):
                await self.calls.eval(TOKEN_REVOKE, account)
            else:
                raise TypeError(f"not an operation on upload tokens: {op!r}")

    async def account(self, token: str) -> str | None:
        if not token or len(token) > 64:
            return None
        found = await self.calls.eval(TOKEN_ACCOUNT, token)
        return found.decode() if found else None

    def refused_early(self, token: str) -> bool:
        """Never decided before an upload's body: that takes Redis's answer."""
        return False
