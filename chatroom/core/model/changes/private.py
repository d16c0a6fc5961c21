"""Private messages: a conversation's kept messages, and those kept for
an account while nobody is signed in to it (:mod:`chatroom.core.messages.private`).
"""

from __future__ import annotations

from dataclasses import dataclass

from chatroom.core.model.changes.accounts import Registered
from chatroom.core.model.changes.base import (
    AccountSubject,
    Operation,
    Premise,
    Subject,
    declare,
)
from chatroom.core.model.changes.moderation import SessionIs
from chatroom.core.model.changes.transactions import KeyUnused
from chatroom.core.model.events import PrivateEvent, PrivateMessage

# -- subjects ------------------------------------------------------------------


@dataclass(frozen=True)
class PrivateConversation(Subject):
    """Private conversation ``key`` (its parties' keys,
    :func:`chatroom.core.messages.private.conversation_key`): a message kept in it,
    or deleted. One operation a change."""

    key: str


@dataclass(frozen=True)
class AccountWaiting(AccountSubject):
    """The private messages kept for account ``account`` (its name key)
    while nobody is signed in to it."""


# -- a private conversation's messages: premises and operations ----------------


@dataclass(frozen=True)
class AppendPrivate(Operation):
    """Number ``event`` (a private message, or a tags-only one) with the
    conversation's next id (its ``id`` set) and keep it among the
    conversation's newest ``--conversation-retention``. Rests on
    :class:`PartyRegistered` for each party that is an account."""

    event: PrivateEvent


@dataclass(frozen=True)
class PrivateKept(Premise):
    """Message ``event_id`` is kept in the conversation still (neither
    trimmed nor deleted), as the decision read it. A refusal brings no
    facts: it is gone."""

    event_id: int


@dataclass(frozen=True)
class PartyRegistered(Premise):
    """Account ``account``, one side of the conversation (the recipient's
    or the sender's), is registered still: a message appended to a
    conversation with an account, decided before the account's deletion
    and come after, is refused and keeps nothing (no conversation names
    the deleted account again). A refusal brings no facts."""

    account: str


@dataclass(frozen=True)
class DeletePrivate(Operation):
    """Message ``event_id`` of the conversation is deleted: gone from it,
    from what waits for either party and from search (resting on
    :class:`PrivateKept`)."""

    event_id: int


# -- private messages kept for an absent account: premises and operations ------


@dataclass(frozen=True)
class FewerWaitingThan(Premise):
    """Fewer than ``count`` messages wait for the account: one more kept
    under the most the core allows (``--kept-private``)."""

    count: int


@dataclass(frozen=True)
class KeepPrivate(Operation):
    """Keep ``event`` (numbered, of conversation ``conversation``) for the
    account until it signs in; in the same step the sender's copy goes to
    the devices of account ``copy_account`` on the nodes other than seat
    ``copy_token``'s ("": no copy)."""

    conversation: str
    event: PrivateMessage
    copy_account: str = ""
    copy_token: str = ""


# -- the declarations -----------------------------------------------------------

declare(
    PrivateConversation,
    operations=(AppendPrivate, DeletePrivate),
    premises=(PartyRegistered, PrivateKept, KeyUnused),
)
declare(
    AccountWaiting,
    operations=(KeepPrivate,),
    premises=(Registered, SessionIs, FewerWaitingThan, PartyRegistered),
)
