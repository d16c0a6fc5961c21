"""Private conversations in one process: the local :class:`ConversationStore`.

Kept in memory (each conversation's newest ``conversation_retention``
messages, loaded once at start-up) and written through the back-end's
:class:`~chatroom.backends.local.records.Store` (the ``--db`` file's
``private_messages`` and ``kept_private`` tables), as read markers are.
Each account's conversations are also listed, the one a message was kept
in last first (``/conversations``: :meth:`StoredConversations.recent`), in
memory, made again from the conversations at start-up. Nothing here
waits, so a change (a message kept in a conversation or deleted from it,
:class:`~chatroom.core.model.changes.private.PrivateConversation`; one kept
for an absent account,
:class:`~chatroom.core.model.changes.private.AccountWaiting`: the
back-end's ``apply``) is checked and applied in one atomic step, as every
local step is.

A tags-only message (an IRC client's ``TAGMSG`` to a nick) lies in the same
table as a message, with no text: a message always has some
(:func:`chatroom.core.policy.rules.check_text`), so a row without is the tags'.
"""

from __future__ import annotations

from collections import deque

from chatroom.backends.local.accounts import StoredAccounts
from chatroom.backends.local.records import PrivateRow, Store
from chatroom.core.messages.private import accounts_of
from chatroom.core.model.changes.base import (
    DecidedChange,
    PremiseFailedError,
    account_of,
)
from chatroom.core.model.changes.private import (
    AccountWaiting,
    AppendPrivate,
    DeletePrivate,
    FewerWaitingThan,
    KeepPrivate,
    PartyRegistered,
    PrivateConversation,
    PrivateKept,
)
from chatroom.core.model.changes.transactions import KeyUnused
from chatroom.core.model.events import PrivateEvent, PrivateMessage, PrivateTagMessage
from chatroom.wire.tags import format_tags, parse_pairs


def private_event(row: PrivateRow) -> PrivateEvent:
    """The message (or, with no text, the tags-only message) ``row`` holds."""
    event_id, sender, recipient, stamp, text, tags = row
    if not text:
        return PrivateTagMessage(
            sender, recipient, parse_pairs(tags), stamp, str(event_id)
        )
    return PrivateMessage(
        sender, recipient, stamp, text, parse_pairs(tags), str(event_id)
    )


class StoredConversations:
    """conversation key → its newest messages; account key → kept ones."""

    def __init__(self, store: Store, accounts: StoredAccounts, retention: int) -> None:
        self.store = store
        forget_markers = accounts.on_delete

        def forget(account: str) -> None:  # what waits for an account goes with it
            forget_markers(account)
            self.kept.pop(account, None)
            self.recent_of.pop(account, None)

        accounts.on_delete = forget
        self.retention = max(1, retention)
        self.talks: dict[str, deque[PrivateEvent]] = {}
        self.last_ids: dict[str, int] = {}
        self.kept: dict[str, list[PrivateMessage]] = {}
        #: Account key → the keys of its conversations, the one a message
        #: was kept in last at the end (a dict keeps its keys' order).
        self.recent_of: dict[str, dict[str, None]] = {}
        loaded = store.load_private()
        by_last = sorted(loaded.conversations.items(), key=lambda kept: kept[1][-1][3])
        for conversation, rows in by_last:  # the last stamped last
            talk = self._talk(conversation)
            talk.extend(private_event(row) for row in rows)
            self.last_ids[conversation] = rows[-1][0]
            self._written(conversation)
        for account, conversation, event_id in loaded.kept:
            for event in self.talks.get(conversation, ()):
                if event.id == str(event_id) and isinstance(event, PrivateMessage):
                    self.kept.setdefault(account, []).append(event)

    def _talk(self, conversation: str) -> deque[PrivateEvent]:
        talk = self.talks.get(conversation)
        if talk is None:
            talk = self.talks[conversation] = deque(maxlen=self.retention)
        return talk

    def _written(self, conversation: str) -> None:
        """``conversation`` is the one its accounts wrote in last."""
        for account in accounts_of(conversation):
            recent = self.recent_of.setdefault(account, {})
            recent.pop(conversation, None)
            recent[conversation] = None

    def _append(self, conversation: str, event: PrivateEvent) -> None:
        """``event`` numbered (its ``id`` set) and kept in ``conversation``."""
        self._written(conversation)
        event_id = self.last_ids.get(conversation, 0) + 1
        self.last_ids[conversation] = event_id
        event.id = str(event_id)
        self._talk(conversation).append(event)
        text = event.text if isinstance(event, PrivateMessage) else ""
        row: PrivateRow = (
            event_id,
            event.sender,
            event.recipient,
            event.time,
            text,
            format_tags(event.tags),
        )
        self.store.add_private(conversation, row, self.retention)

    async def page(
        self, conversation: str, count: int, before: int | None
    ) -> list[PrivateEvent]:
        talk = self.talks.get(conversation, ())
        chosen = [e for e in talk if before is None or int(e.id) < before]
        return chosen[-count:]

    async def latest(self, account: str) -> list[PrivateEvent]:
        """A walk over every conversation: only ``CHATHISTORY TARGETS`` asks."""
        return [
            talk[-1]
            for key, talk in self.talks.items()
            if talk and account in key.split(" ")
        ]

    async def recent(
        self, account: str, count: int
    ) -> list[tuple[str, PrivateEvent | None]]:
        keys = list(self.recent_of.get(account, ()))[: -count - 1 : -1]
        return [(key, next(reversed(self.talks.get(key, ())), None)) for key in keys]

    async def waiting(self, account: str) -> int:
        return len(self.kept.get(account, ()))

    async def apply(self, change: DecidedChange) -> None:
        """A change of a conversation (:meth:`_converse`), or of what waits
        for an absent account (:meth:`_keep`)."""
        if isinstance(change.subject, PrivateConversation):
            self._converse(change.subject.key, change)
        else:
            self._keep(change)

    def _converse(self, conversation: str, change: DecidedChange) -> None:
        """A message kept in ``conversation`` (the back-end checked that the
        recipient's account is registered, if it rests on that), or one
        deleted if it is kept still (else refused, nothing changed)."""
        for premise in change.premises:
            if isinstance(premise, (PartyRegistered, KeyUnused)):
                continue  # checked by the back-end
            if not isinstance(premise, PrivateKept):
                raise TypeError(f"no premise {premise!r} of a conversation")
            if self._kept_in(conversation, premise.event_id) is None:
                raise PremiseFailedError(None, premise)
        for op in change.ops:
            if isinstance(op, AppendPrivate):
                self._append(conversation, op.event)
            elif isinstance(op, DeletePrivate):
                self._delete(conversation, op.event_id)
            else:
                raise TypeError(f"no operation {op!r} of a conversation")

    def _keep(self, change: DecidedChange) -> None:
        """A message kept for an absent account (the back-end checked that
        nobody is signed in to it): fewer waiting than the premise says,
        else refused, then kept (one process: the core hands the sender's
        devices their copy)."""
        account = account_of(change, AccountWaiting)
        waiting = self.kept.get(account, [])
        fewer = change.premise(FewerWaitingThan)
        if fewer is not None and len(waiting) >= fewer.count:
            raise PremiseFailedError(len(waiting), fewer)
        for op in change.ops:
            if not isinstance(op, KeepPrivate):
                raise TypeError(f"not an operation on kept messages: {op!r}")
            self.kept.setdefault(account, []).append(op.event)
            self.store.keep_private(account, op.conversation, int(op.event.id))

    async def take(self, account: str) -> list[PrivateMessage]:
        waiting = self.kept.pop(account, [])
        if waiting:
            self.store.drop_kept(account)
        return waiting

    def _kept_in(self, conversation: str, event_id: int) -> PrivateEvent | None:
        """Message ``event_id`` of ``conversation``, if it is kept still."""
        talk = self.talks.get(conversation, ())
        return next((e for e in talk if e.id == str(event_id)), None)

    def _delete(self, conversation: str, event_id: int) -> None:
        """Message ``event_id`` gone from ``conversation`` and from what
        waits for its parties (nothing if it is not kept)."""
        gone = self._kept_in(conversation, event_id)
        if gone is None:
            return
        self.talks[conversation].remove(gone)
        for waiting in self.kept.values():
            if gone in waiting:
                waiting.remove(gone)
        self.store.drop_private(conversation, event_id)
