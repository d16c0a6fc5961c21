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

from functools import partial
from typing import Any

from chatroom.backends.redis import scripts
from chatroom.backends.redis.calls import RedisCalls, key_done
from chatroom.backends.redis.encoded import decoded_all, private_events
from chatroom.backends.redis.prelude import Script
from chatroom.backends.redis.replicas import ReplicaWait
from chatroom.core.model import codec, errors
from chatroom.core.model.changes.base import (
    DecidedChange,
    FactsChangedError,
    PremiseFailedError,
    applies,
)
from chatroom.core.model.changes.private import (
    AccountWaiting,
    AppendPrivate,
    DeletePrivate,
    PrivateConversation,
)
from chatroom.core.model.changes.transactions import (
    KeyDoneError,
    KeyRecord,
    KeyUnused,
    SenderKeys,
    TellSession,
)
from chatroom.core.model.events import PrivateEvent, PrivateMessage, PrivateRedacted
from chatroom.redisclient.link import Written

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

#: Operands: ``change`` (a ``SenderKeys`` change resting on its key: kept
#: alone, and a message between plain names told with it), ``held``.
KEEP_KEY = scripts.KEEP_KEY


#: Operands: ``conversation``, ``retention``, sender, key (room ''). A
#: keyed message ``APPEND`` held (operand ``held``) said in its
#: conversation once the node's ``WAIT`` confirmed it (``PUBLISH_HELD``
#: in the server's slot).
PUBLISH_HELD = scripts.PUBLISH_HELD_PRIVATE


async def _confirmed(
    replication: ReplicaWait | None, written: Written, text: str
) -> None:
    """Whether the replicas have what was ``written``, else
    ``UNAVAILABLE`` quoting the message's ``text``, as a room message's."""
    assert replication is not None  # a keyed message is held with it
    if not await replication.confirm(written):
        raise errors.not_stored("no replica of Redis confirmed it", text)


class RedisConversations:
    """Private conversations and kept messages in Redis (one round trip
    each; a keyed message behind ``--redis-replicas``: four, below)."""

    def __init__(
        self, calls: RedisCalls, retention: int, replication: ReplicaWait | None = None
    ) -> None:
        """Args:
        calls: the node's Redis calls.
        retention: how many messages a conversation keeps.
        replication: the replicas a keyed message waits for before it is
            said (``--redis-replicas``), if any.
        """
        self.calls = calls
        self.retention = max(1, retention)
        self.replication = replication

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

    @applies(AccountWaiting, PrivateConversation, SenderKeys)
    async def apply(self, change: DecidedChange) -> None:
        """A change of a conversation (``APPEND``: a message appended is
        numbered, its ``id`` set), of what waits for an absent account
        (``KEEP``), or of a sender's keys (``KEEP_KEY``, :meth:`_keep_key`):
        one script each, which checks its premises, else
        :class:`~chatroom.core.model.changes.base.PremiseFailedError`
        naming the one that failed."""
        if isinstance(change.subject, SenderKeys):
            await self._keep_key(change)
            return
        if isinstance(change.subject, PrivateConversation):
            gone = PrivateRedacted("", "", "", "", "")  # for search
            operands = {"change": change, "retention": self.retention}
            for deleted in change.of(DeletePrivate):
                gone = PrivateRedacted("", "", "", "", str(deleted.event_id))
            keyed = change.premise(KeyUnused)
            if keyed is not None:
                operands["keyed"] = 1  # a keyed line's (/txn): its key first
                if self.replication is not None:
                    await self._held(change, keyed, operands, gone)
                    return
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

    async def _held(
        self,
        change: DecidedChange,
        keyed: KeyUnused,
        operands: dict[str, Any],
        gone: PrivateRedacted,
    ) -> None:
        """A keyed message behind ``--redis-replicas``: held beside its key
        (``APPEND``'s ``held``), neither numbered nor kept, until the
        node's ``WAIT`` says the replicas have it; then said
        (``PUBLISH_HELD``: numbered and kept, once whoever asks) and
        confirmed again before this returns, its ``id`` (and time, as
        held) set, for the core to tell it or keep it for an absent
        account. So its recipient never gets a message a dying primary
        had before any replica did: the promoted replica has neither it
        nor its key, and the sender's repeat is said there once, under the
        id its ``ACK`` names (docs/scaling.md, *The Sentinel constraint*).
        A repeat of a key still held waits for its own ``WAIT`` and says
        it then, as a first send; one said already is
        :class:`~chatroom.core.model.changes.transactions.KeyDoneError`
        once confirmed; ``UNAVAILABLE`` when the replicas do not confirm."""
        events = [a.event for a in change.of(AppendPrivate)]
        text = next((e.text for e in events if isinstance(e, PrivateMessage)), "")
        held = {**operands, "held": 1, "deletion": codec.encode(gone)}
        assert isinstance(change.subject, PrivateConversation)
        said_id, data = await self._say_held(
            APPEND, held, keyed, text, conversation=change.subject.key
        )
        first = codec.decode(data)
        for appended in change.of(AppendPrivate):
            appended.event.id = said_id
            if isinstance(first, PrivateMessage) and isinstance(
                appended.event, PrivateMessage
            ):
                appended.event.time = first.time  # when it was first sent

    async def _keep_key(self, change: DecidedChange) -> None:
        """A keyed line's key kept alone (``KEEP_KEY``, in the server's
        slot, where a private message's key is kept), and a message between
        plain names (:class:`TellSession`) told in the same script, as
        ``TELL`` tells one: told once, and its key kept with it, or neither
        (``NO_SUCH_USER`` if its recipient's session holds the name no
        longer). A key done already:
        :class:`~chatroom.core.model.changes.transactions.KeyDoneError`.
        Behind ``--redis-replicas`` a message told is held with its key
        first (:meth:`_tell_held`)."""
        told = change.of(TellSession)
        if not told:
            reply = await self.calls.eval(KEEP_KEY, {"change": change})
            if reply[0] == b"KEYED":
                raise key_done(reply)
            return
        (telling,) = told
        if self.replication is not None:
            await self._tell_held(change, telling)
            return
        name = telling.event.recipient
        gone = {b"NO_SUCH_USER": lambda _: errors.no_such_user(name)}
        await self.calls.call(KEEP_KEY, {"change": change}, refusals=gone)

    async def _tell_held(self, change: DecidedChange, telling: TellSession) -> None:
        """A message between plain names (kept nowhere but its key) behind
        ``--redis-replicas``: held beside its key (``KEEP_KEY``'s
        ``held``), untold, until the node's ``WAIT`` says the replicas
        have it; then told by ``PUBLISH_HELD`` (once whoever asks;
        ``NO_SUCH_USER``, its key dropped, if the session is gone) and
        confirmed again before this returns, as :meth:`_held`."""
        keyed = change.premise(KeyUnused)
        assert keyed is not None  # SenderKeys' one premise
        event = telling.event
        told = {"user": telling.user, "token": telling.session}
        held = {"change": change, "held": 1}
        _, data = await self._say_held(
            KEEP_KEY, held, keyed, event.text, event.recipient, **told
        )
        first = codec.decode(data)
        if isinstance(first, PrivateMessage):
            event.time = first.time  # when it was first sent

    async def _say_held(
        self,
        script: Script,
        operands: dict[str, Any],
        keyed: KeyUnused,
        text: str,
        name: str = "",
        **said: str,
    ) -> tuple[str, bytes]:
        """The steps of a held keyed private message (``text``): ``script``
        holds it with its key (or answers the key done), the node's
        ``WAIT`` confirms that, ``PUBLISH_HELD`` says it (``said``: its
        conversation, or the user and session told, user ``name``), and a
        second ``WAIT`` confirms that. Its id (``""``: none) and data as
        said; ``KeyDoneError`` if it was said already (by the key's repeat
        at once, or before), ``NO_SUCH_USER`` if the session told holds
        ``name`` no longer, ``UNAVAILABLE`` if the replicas do not
        confirm. ``PUBLISH_HELD`` checks the change's premises again, for
        what changed while it was held (a party's account deleted): one
        failed is :class:`PremiseFailedError`, nothing said and its key
        dropped, as ``APPEND`` answers one failed when it holds it."""
        written = Written()
        confirm = partial(_confirmed, self.replication, written, text)
        gone = {b"NO_SUCH_USER": lambda _: errors.no_such_user(name)}
        reply = await self.calls.eval(script, operands, written=written)
        if reply[0] in gone:  # nothing held: nothing to confirm
            raise gone[reply[0]](reply)
        if reply[0] not in (b"KEYED", b"OK"):
            change = operands["change"]
            raise PremiseFailedError(None, change.premises[int(reply[1]) - 1])
        await confirm()
        if reply[0] == b"KEYED":
            done = key_done(reply)
            if not done.record.held or done.record.line != keyed.line:
                raise done  # said already, or the key asked for another line
        change = operands["change"]
        publish = {"room": "", "conversation": "", "user": "", "token": ""}
        publish.update(sender=keyed.sender, key=keyed.key, change=change, **said)
        try:
            reply = await self.calls.call(
                PUBLISH_HELD,
                {**publish, "retention": self.retention},
                refusals=gone,
                written=written,
            )
        except FactsChangedError as changed:  # a party's account deleted meanwhile
            failed = int(changed.args[0][1])
            raise PremiseFailedError(None, change.premises[failed - 1]) from None
        await confirm()
        said_id = str(int(reply[1])) if int(reply[1]) else ""
        if reply[2] != 1:  # said already (its repeat, at once), or forgotten
            raise KeyDoneError(KeyRecord(keyed.line, keyed.target, said_id))
        return said_id, reply[3]

    async def take(self, account: str) -> list[PrivateMessage]:
        taken = await self.calls.eval(TAKE, {"account": account})
        return decoded_all(taken, PrivateMessage)
