"""Private conversations in Redis: the cluster's :class:`ConversationStore`.

``P pids`` is a hash conversation → its newest id; ``P talk:<conversation>``
a list of its newest ``conversation_retention`` messages (private messages
and tags-only messages in the cluster's encoding, :mod:`chatroom.core.codec`,
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

from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.encoded import decoded_all, private_events
from chatroom.backends.redis.prelude import Script
from chatroom.core import changes, codec
from chatroom.core.codec import unnumbered
from chatroom.core.events import PrivateEvent, PrivateMessage, PrivateRedacted

#: ARGV: P, conversation, the message (unnumbered), retention, then the
#: accounts that must be registered (none, one or both parties'). Returns
#: the id, or -i (nothing kept) if the i-th of those accounts is not
#: registered; kept, the conversation is the newest of each of those
#: accounts' (``P convs:<account>``, by ``P convs-order``).
APPEND = Script("private-append")

#: ARGV: P, account, count. Its newest ``count`` conversations, the newest
#: first: {conversation, its newest entry ('' for none)} each.
RECENT = Script("private-recent")

#: ARGV: P, conversation, count, before ('' for the newest). The messages.
PAGE = Script("private-page")

#: ARGV: P, account. The newest line of each conversation it is part of
#: (a walk over every conversation: only CHATHISTORY TARGETS asks).
LATEST = Script("private-latest")

#: ARGV: P, account. How many messages wait for it.
WAITING = Script("private-waiting")

#: ARGV: P, account, message (numbered), bound, the sender's account and
#: seat token ('' for none), whether the account must be registered ('1')
#: or not ('-'), the sender's account that must be registered ('' for
#: none). 'gone' (not registered), 'sender gone', 'online', 'full' or
#: 'kept'; kept, the sender's copy goes to its sessions on other nodes
#: than the token's.
KEEP = Script("private-keep")

#: ARGV: P, conversation, id, the deletion (a PrivateRedacted, encoded).
#: Message id is deleted: its place in ``talk:`` becomes '' (ids stay
#: consecutive, as a room's redacted messages), it leaves what waits for
#: either party, and the search outbox hears of it. 1, or 0 if it was not
#: kept (trimmed, or deleted already).
REDACT = Script("private-redact")

#: ARGV: P, account. Every message waiting for it, now gone from Redis.
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
        kept = await self.calls.eval(PAGE, conversation, count, after)
        return private_events(kept)

    async def latest(self, account: str) -> list[PrivateEvent]:
        return private_events(await self.calls.eval(LATEST, account))

    async def recent(
        self, account: str, count: int
    ) -> list[tuple[str, PrivateEvent | None]]:
        found = []
        for key, entry in await self.calls.eval(RECENT, account, count):
            newest = private_events([entry]) if entry else []
            found.append((key.decode(), newest[0] if newest else None))
        return found

    async def waiting(self, account: str) -> int:
        return int(await self.calls.eval(WAITING, account))

    async def apply(self, change: changes.DecidedChange) -> None:
        """A change of a conversation (:meth:`_converse`), or of what waits
        for an absent account (:meth:`_keep`): one script each."""
        if isinstance(change.subject, changes.PrivateConversation):
            await self._converse(change.subject.key, change)
        else:
            await self._keep(change)

    async def _converse(self, conversation: str, change: changes.DecidedChange) -> None:
        """One ``APPEND`` (the message numbered: its ``id`` set), which
        checks that the recipient's account is registered still if it rests
        on that (:class:`~chatroom.core.changes.PartyRegistered`), or one
        ``REDACT``, which checks that the message is kept still
        (:class:`~chatroom.core.changes.PrivateKept`): else
        :class:`~chatroom.core.changes.PremiseFailedError`."""
        (op,) = change.ops
        if isinstance(op, changes.AppendPrivate):
            await self._append(conversation, op, change)
            return
        if not isinstance(op, changes.DeletePrivate):
            raise TypeError(f"no such change of a conversation: {change!r}")
        kept = changes.PrivateKept(op.event_id)
        if change.premises != (kept,):
            raise TypeError(f"a deletion on other premises: {change!r}")
        gone = PrivateRedacted("", "", "", "", str(op.event_id))  # for search
        done = await self.calls.eval(
            REDACT, conversation, op.event_id, codec.encode(gone)
        )
        if not int(done):
            raise changes.PremiseFailedError(None, kept)

    async def _append(
        self,
        conversation: str,
        op: changes.AppendPrivate,
        change: changes.DecidedChange,
    ) -> None:
        """``APPEND``, the message numbered (its ``id`` set), or refused if
        an account it rests on is not registered."""
        registered = [
            premise
            for premise in change.premises
            if isinstance(premise, changes.PartyRegistered)
        ]
        if len(registered) != len(change.premises):
            raise TypeError(f"a message appended on other premises: {change!r}")
        accounts = [premise.account for premise in registered]
        data = unnumbered(op.event)
        event_id = int(
            await self.calls.eval(APPEND, conversation, data, self.retention, *accounts)
        )
        if event_id <= 0:
            raise changes.PremiseFailedError(None, registered[-event_id - 1])
        op.event.id = str(event_id)

    async def _keep(self, change: changes.DecidedChange) -> None:
        """One ``KEEP``: nobody signed in to the account and fewer waiting
        than the premise says, checked; the message kept and the sender's
        copy told, or :class:`~chatroom.core.changes.PremiseFailedError`
        naming the premise that failed."""
        account = changes.account_of(change, changes.AccountWaiting)
        absent = change.premise(changes.SessionIs)
        fewer = change.premise(changes.FewerWaitingThan)
        registered = change.premise(changes.Registered)
        sender = change.premise(changes.PartyRegistered)
        (keep,) = change.of(changes.KeepPrivate)
        if absent is None or absent.session or fewer is None:
            raise TypeError(f"a message kept on other premises: {change!r}")
        reply = await self.calls.eval(
            KEEP,
            account,
            codec.encode(keep.event),
            fewer.count,
            keep.copy_account,
            keep.copy_token,
            "-" if registered is None else "1",
            "" if sender is None else sender.account,
        )
        if reply == b"gone":
            raise changes.PremiseFailedError(None, registered)
        if reply == b"sender gone":
            raise changes.PremiseFailedError(None, sender)
        if reply == b"online":
            raise changes.PremiseFailedError(None, absent)
        if reply == b"full":
            raise changes.PremiseFailedError(None, fewer)

    async def take(self, account: str) -> list[PrivateMessage]:
        return decoded_all(await self.calls.eval(TAKE, account), PrivateMessage)
