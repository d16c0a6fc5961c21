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
from chatroom.core.accounts.files import FileRecord
from chatroom.core.model.changes.base import (
    DecidedChange,
    PremiseFailedError,
    applies,
)
from chatroom.core.model.changes.files import (
    AccountFiles,
    AccountUploadTokens,
    IssueToken,
)

#: Operands: ``change`` (an account's files': a record kept and counted,
#: resting on the account's usage being at most the most less its size;
#: a record gone, resting on its being kept). ``{'OK'}``; ``{'CHANGED', the
#: failed premise's place, the bytes the account's files take now}``.
APPLY = Script("file-apply", subjects=(AccountFiles,))

#: Operands: file_id. The file's account, name, type, size and time, or {}.
GET = Script("file-get")

#: Operands: account. Bytes of the account's files.
USAGE = Script("file-usage")

#: Operands: ``change`` (an account's upload tokens': a token given, kept
#: with a Redis expiry, ``seconds`` for each operation, and listed as the
#: account's, resting on its being registered; or every one revoked).
#: ``{'OK'}``, or ``{'CHANGED', the failed premise's place}``.
TOKENS_APPLY = Script("upload-tokens-apply", subjects=(AccountUploadTokens,))

#: Operands: token. The account key it was given to, or '' (none, or
#: expired).
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

    @applies(AccountFiles)
    async def apply(self, change: DecidedChange) -> None:
        """One ``APPLY``: the change's premises checked (the account's usage
        as read, a record kept), then each record kept and counted, or
        gone; else :class:`~chatroom.core.model.changes.base.
        PremiseFailedError` with the bytes the account's files take now."""
        assert isinstance(change.subject, AccountFiles)
        reply = await self.calls.eval(APPLY, {"change": change})
        if reply[0] != b"OK":
            raise PremiseFailedError(int(reply[2]), change.premises[int(reply[1]) - 1])

    async def get(self, file_id: str) -> FileRecord | None:
        return _record(file_id, await self.calls.eval(GET, {"file_id": file_id}))

    async def usage(self, account: str) -> int:
        return int(await self.calls.eval(USAGE, {"account": account}))


class RedisUploadTokens:
    """``/token``'s bearer tokens, good at every node until Redis expires them."""

    def __init__(self, calls: RedisCalls, clock: IReactorTime) -> None:
        self.calls = calls
        self.clock = clock

    @applies(AccountUploadTokens)
    async def apply(self, change: DecidedChange) -> None:
        """A change of an account's upload tokens
        (:class:`~chatroom.core.model.changes.files.AccountUploadTokens`):
        a token kept with a Redis expiry at its deadline (as this node's
        clock says), or every token listed as the account's gone."""
        assert isinstance(change.subject, AccountUploadTokens)
        now = self.clock.seconds()
        seconds = [
            max(1, math.ceil(op.until - now)) if isinstance(op, IssueToken) else 0
            for op in change.ops
        ]
        reply = await self.calls.eval(
            TOKENS_APPLY, {"change": change, "seconds": seconds}
        )
        if reply[0] != b"OK":
            raise PremiseFailedError(None, change.premises[int(reply[1]) - 1])

    async def account(self, token: str) -> str | None:
        if not token or len(token) > 64:
            return None
        found = await self.calls.eval(TOKEN_ACCOUNT, {"token": token})
        return found.decode() if found else None

    def refused_early(self, token: str) -> bool:
        """Never decided before an upload's body: that takes Redis's answer."""
        return False
