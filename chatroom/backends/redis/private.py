"""Private conversations in Redis: the cluster's :class:`ConversationStore`.

``P pids`` is a hash conversation → its newest id; ``P talk:<conversation>``
a list of its newest ``conversation_retention`` messages (private messages
and tags-only messages in the cluster's encoding, :mod:`chatroom.core.model.codec`,
numbered), ids
consecutive, the newest last (as a room's ``history:r``);
``P waiting:<account>`` the messages kept for an absent account, oldest
first; ``P convs:<account>`` a sorted set of the account's conversations,
each scored by the number (``P convs-order``, counted up by every message
kept) of the last message kept in it, which ``/conversations`` reads
newest first. Keeping checks, in the same script, that nobody
holds the account's name (else the node tells the session instead), so a
message is never kept for someone who has just signed in and already took
what was waiting: sign-in's claim and the take, and the keep, are each one
script, and Redis runs one at a time. Once cluster search is on, ``APPEND``
also feeds the search outbox the stored message, in the same script
(:mod:`chatroom.backends.redis.search`), and ``REDACT`` (a message deleted:
its place in ``talk:`` emptied, as a room's redacted message's) its
deletion.
"""

from __future__ import annotations

from chatroom.backends.redis.calls import RedisCalls, key_done
from chatroom.backends.redis.encoded import decoded_all, private_events
from chatroom.backends.redis.prelude import Script
from chatroom.core.model import codec
from chatroom.core.model.changes.base import (
    DecidedChange,
    PremiseFailedError,
    applies,
)
from chatroom.core.model.changes.private import (
    AccountWaiting,
    AppendPrivate,
    DeletePrivate,
    PrivateConversation,
)
from chatroom.core.model.changes.transactions import KeyUnused
from chatroom.core.model.events import PrivateEvent, PrivateMessage, PrivateRedacted

#: Operands: ``change`` (a private conversation's: a message appended,
#: numbered with its next id and kept among its newest ``retention``,
#: resting on its parties' accounts being registered still; or deleted,
#: resting on its being kept still: its place becomes '', it leaves what
#: waits for either party, and the search outbox hears ``deletion``, a
#: ``PrivateRedacted``). ``{'OK', id}``: the message appended's id (0 for
#: none); ``{'CHANGED', the failed premise's place}``.
APPEND = Script("private-append", subjects=(PrivateConversation,))

#: Operands: account, count. Its newest ``count`` conversations, the newest
#: first: {conversation, its newest entry ('' for none)} each (a message
#: appended makes its conversation the newest of each side that is an
#: account: ``P convs:<account>``, by ``P convs-order``).
RECENT = Script("private-recent")

#: Operands: conversation, count, before ('' for the newest). The messages.
PAGE = Script("private-page")

#: Operands: account. The newest line of each conversation it is part of
#: (the conversations' keys hold their parties' keys).
LATEST = Script("private-latest")

#: Operands: account. How many messages wait for it.
WAITING = Script("private-waiting")

#: Operands: ``change`` (a message kept for an absent account, resting on
#: the account and the sender's being registered, nobody connected as the
#: account, fewer waiting than the most; the sender's copy told to its
#: account's sessions on nodes other than its seat's). ``{'OK'}``, or
#: ``{'CHANGED', the failed premise's place}``.
KEEP = Script("private-keep", subjects=(AccountWaiting,))

#: Operands: account. Every message waiting for it, now gone from Redis.
TAKE = Script("private-take")


class RedisConversations:
    """Private conversations and kept messages in Redis (one round trip each)."""

    def __init__(self, calls: RedisCalls, retention: int) -> None:
        self.calls = calls
        self.retention = max(1, retention)

    async def page(
        self, conversation: str, count: int, before: int | None
    ) -> list[PrivateEvent]:
        after = "" if before is None else before
        read = {"conversation": conversation, "count": count, "before": after}
        return private_events(await self.calls.eval(PAGE, read))

    async def latest(self, account: str) -> list[PrivateEvent]:
        return private_events(await self.calls.eval(LATEST, {"account": account}))

    async def recent(
        self, account: str, count: int
    ) -> list[tuple[str, PrivateEvent | None]]:
        found = []
        for key, entry in await self.calls.eval(
            RECENT, {"account": account, "count": count}
        ):
            newest = private_events([entry]) if entry else []
            found.append((key.decode(), newest[0] if newest else None))
        return found

    async def waiting(self, account: str) -> int:
        return int(await self.calls.eval(WAITING, {"account": account}))

    @applies(AccountWaiting, PrivateConversation)
    async def apply(self, change: DecidedChange) -> None:
        """A change of a conversation (``APPEND``: a message appended is
        numbered, its ``id`` set), or of what waits for an absent account
        (``KEEP``): one script each, which checks its premises, else
        :class:`~chatroom.core.model.changes.base.PremiseFailedError`
        naming the one that failed."""
        if isinstance(change.subject, PrivateConversation):
            gone = PrivateRedacted("", "", "", "", "")  # for search
            operands = {"change": change, "retention": self.retention}
            for deleted in change.of(DeletePrivate):
                gone = PrivateRedacted("", "", "", "", str(deleted.event_id))
            if change.premise(KeyUnused) is not None:
                operands["keyed"] = 1  # a keyed line's (/txn): its key first
            reply = await self.calls.eval(
                APPEND, {**operands, "deletion": codec.encode(gone)}
            )
            if reply[0] == b"KEYED":
                raise key_done(reply)
        else:
            reply = await self.calls.eval(KEEP, {"change": change})
        if reply[0] != b"OK":
            raise PremiseFailedError(None, change.premises[int(reply[1]) - 1])
        for appended in change.of(AppendPrivate):
            appended.event.id = str(int(reply[1]))

    async def take(self, account: str) -> list[PrivateMessage]:
        taken = await self.calls.eval(TAKE, {"account": account})
        return decoded_all(taken, PrivateMessage)
