"""Private messages: conversations kept with ids, and messages kept for an
absent account until it signs in. The rules once, for both back-ends.

A conversation between two users is kept when at least one of them is
signed in to an account (or, absent, is one). Its key is built from the
two parties' keys (an account's key, else the plain name's key), sorted,
so both sides name the same conversation, and ``/history @USER`` builds it
from the caller's own account: nobody can name a conversation they are not
part of, by construction, with no rule to forget. Each conversation has its
own id sequence, as a room has, and keeps its newest
``conversation_retention`` messages.

A ``/msg`` to a registered account with nobody signed in to it is kept for
the account (at most ``kept_private`` of them, so nobody can fill the
server's disk by writing to someone away), and its next session to sign in
gets them, oldest first, as the ``PRIVMSG`` lines they were (original time,
and the conversation's id for ``/caps ids``). Where they are kept is the
back-end's :class:`ConversationStore`: the SQLite file (``--db``) and memory
for a single server, Redis lists for a cluster.

An account's conversations are listed (``/conversations``) the one written
in last first, each with how many of the other side's messages came after
the account's read marker there: a marker as a room's is
(:mod:`chatroom.core.accounts.markers`), kept among the account's markers under
``@`` and the other side (:func:`marker_of`), moved by ``/read @USER ID``
and by the account's own messages (who writes has read what came before),
so every device, after a reload or a restart, finds the same counts.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Protocol

from twisted.internet.interfaces import IReactorTime

from chatroom.core.accounts.accounts import AccountStore
from chatroom.core.accounts.markers import MarkerStore, advance, check_marker
from chatroom.core.infra.fanout import deliver_to
from chatroom.core.infra.ignoring import held_back
from chatroom.core.infra.seats import Session
from chatroom.core.messages import transactions
from chatroom.core.messages.transactions import Txn
from chatroom.core.model import errors
from chatroom.core.model.changes.accounts import Registered
from chatroom.core.model.changes.base import (
    Apply,
    DecidedChange,
    Premise,
    PremiseFailedError,
)
from chatroom.core.model.changes.moderation import SessionIs
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
from chatroom.core.model.changes.transactions import (
    KeepKey,
    KeyUnused,
    SenderKeys,
    TellSession,
)
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.errors import ChatError
from chatroom.core.model.events import (
    Event,
    MarkerMoved,
    PrivateEvent,
    PrivateMessage,
    PrivateRedacted,
)
from chatroom.core.model.member import Member
from chatroom.core.model.text import name_key
from chatroom.core.policy import rules
from chatroom.core.policy.moderation import Target
from chatroom.core.policy.userdata import other_side
from chatroom.core.server.bus import NO_COPY, CopyTo
from chatroom.wire.lines import format_time
from chatroom.wire.tags import Tags, with_bot

#: How often a message goes back and forth between "tell" and "keep" while
#: its recipient signs in and out under it.
DELIVERY_ATTEMPTS = 5
#: Why a message from an account deleted meanwhile is refused (its
#: sessions are being ended).
ACCOUNT_DELETED = "your account has been deleted"
#: The most conversations ``/conversations`` lists: the newest.
LISTED_CONVERSATIONS = 50
#: How many of a conversation's newest messages after its marker an unread
#: count reads one by one (the other side's counted, the account's own
#: not); any before them are counted by their ids alone.
UNREAD_READ = 200


class IgnoredError(Exception):
    """The recipient ignores the sender: the message is neither told nor
    kept, and the sender is answered as if it were (``event``)."""

    def __init__(self, event: PrivateMessage) -> None:
        super().__init__(event)
        self.event = event


class ConversationStore(Protocol):
    """Where a back-end keeps private conversations and kept messages,
    read. A message kept in a conversation or deleted from it
    (:func:`appended`, :func:`deleted`) and one kept for an absent account
    (:func:`kept_for`) are changes the back-end's
    :meth:`~chatroom.core.backend.Backend.apply` applies."""

    async def page(
        self, conversation: str, count: int, before: int | None
    ) -> list[PrivateEvent]:
        """Up to ``count`` messages with ids before ``before`` (None: the
        newest), oldest first."""
        ...

    async def waiting(self, account: str) -> int:
        """How many messages are kept for ``account``."""
        ...

    async def latest(self, account: str) -> list[PrivateEvent]:
        """The newest message of each conversation ``account`` is part of."""
        ...

    async def recent(
        self, account: str, count: int
    ) -> list[tuple[str, PrivateEvent | None]]:
        """The conversations account ``account`` is a side of, the one a
        message was kept in last first, at most ``count`` (read from an
        index of the account's own, not a walk over every conversation):
        each one's key and its newest message kept (None: none is, its
        newest deleted or the conversation gone with the other side's
        account)."""
        ...

    async def take(self, account: str) -> list[PrivateMessage]:
        """Every message kept for ``account``, oldest first, now no longer
        kept (one atomic step: two sign-ins never both get one)."""
        ...


class Tell(Protocol):
    """How a message reaches its connected recipient (the bus's
    :meth:`~chatroom.core.server.bus.Bus.tell`), and the sender's copy its
    devices on other nodes."""

    async def __call__(
        self, target: Target, event: Event, copy: CopyTo = NO_COPY
    ) -> None: ...


#: What marks a plain name's side of a conversation: an account later
#: registered under that name is someone else, with conversations of its own.
PLAIN = "~"


def party(account: str, name: str) -> str:
    """One side of a conversation: the account's key, else the name's
    marked plain (no account key starts with ``~``)."""
    return account or PLAIN + name_key(name)


def conversation_key(one: str, other: str) -> str:
    """The conversation of two parties, the same from either side (keys
    never contain a space)."""
    return " ".join(sorted((one, other)))


def marker_of(side: str) -> str:
    """Where an account's read marker in its conversation with ``side`` (a
    party: :func:`party`) is kept among its rooms' markers: no room's key
    starts with ``@``, and the other side of a conversation is one key
    whatever name it goes by."""
    return "@" + side


def accounts_of(conversation: str) -> tuple[str, ...]:
    """The sides of ``conversation`` that are accounts (a plain name's is
    marked :data:`PLAIN`): those that list it among their conversations."""
    return tuple(
        dict.fromkeys(s for s in conversation.split(" ") if not s.startswith(PLAIN))
    )


@dataclass(frozen=True)
class Conversation:
    """One of an account's conversations as ``/conversations`` lists it:
    the other side's name, how many of its messages came after the
    account's marker, and the newest message's id and time."""

    user: str
    unread: int
    last_id: int
    last_time: str


def unread_among(
    events: list[PrivateEvent], account: str, marker: int, newest: int
) -> int:
    """How many messages of a conversation whose newest id is ``newest``
    came after ``marker``, of ``events`` (its newest, after the marker, at
    most :data:`UNREAD_READ`) those not by ``account`` (its own moved the
    marker as they were sent; one sent before markers were kept names it),
    and any older than them by their ids."""
    if newest <= marker:
        return 0
    counted = [
        event
        for event in events
        if isinstance(event, PrivateMessage)
        and int(event.id) > marker
        and name_key(event.sender) != account
    ]
    return len(counted) + max(0, newest - marker - UNREAD_READ)


def keeps(sender: Session, found: Target) -> bool:
    """Whether the conversation of ``sender`` and ``found`` is kept: when
    either of them is an account."""
    return bool(sender.account or found.account)


def conversation_of(sender: Session, found: Target) -> str:
    """The key of the conversation of ``sender`` and ``found``."""
    return conversation_key(
        party(sender.account, sender.name), party(found.account, found.name)
    )


def kept_for(
    found: Target,
    conversation: str,
    event: PrivateMessage,
    bound: int,
    copy: CopyTo,
    sender: str = "",
) -> DecidedChange:
    """``event`` kept for ``found``'s account, which nobody is signed in to,
    if fewer than ``bound`` (``--kept-private``) wait, while the account
    is registered, and the sender's (``sender``, its key, if any): a
    refusal of the session's premise means it is told instead, of the
    count's that it is refused (``INBOX_FULL``), of the account's that
    there is nobody to keep it for (``NO_SUCH_USER``), of the sender's
    that it was deleted meanwhile (what waits from it went with it)."""
    premises: tuple[Premise, ...] = (
        Registered(),
        SessionIs(found.account, ""),
        FewerWaitingThan(bound),
    )
    if sender:
        premises += (PartyRegistered(sender),)
    return DecidedChange(
        AccountWaiting(found.account),
        premises,
        (KeepPrivate(conversation, event, *copy),),
    )


def appended(
    conversation: str, event: PrivateEvent, recipient: Target, sender: str = ""
) -> DecidedChange:
    """``event`` kept in ``conversation``, numbered there (its ``id`` set
    once applied), resting on the recipient's account, and the sender's
    (``sender``, its key), being registered still when they are accounts
    (a plain name has none to check): a conversation keeps all its parties
    say, but none is made again with an account deleted meanwhile, on
    either side."""
    accounts = dict.fromkeys(
        account for account in (recipient.account, sender) if account
    )
    premises = tuple(PartyRegistered(account) for account in accounts)
    return DecidedChange(
        PrivateConversation(conversation), premises, (AppendPrivate(event),)
    )


async def append(
    apply: Apply,
    conversation: str,
    event: PrivateEvent,
    recipient: Target,
    sender: str = "",
    keyed: KeyUnused | None = None,
) -> None:
    """``event`` kept in ``conversation`` (:func:`appended`); the
    recipient's account deleted meanwhile is ``NO_SUCH_USER``, as it is
    once the deletion is heard; the sender's, ``NOT_ALLOWED`` (its
    sessions are being ended). ``keyed``: a keyed line's key, which the
    change rests on too (a key done already: ``KeyDoneError``)."""
    change = appended(conversation, event, recipient, sender)
    if keyed is not None:
        change = replace(change, premises=(*change.premises, keyed))
    try:
        await apply(change)
    except PremiseFailedError as refusal:
        premise = refusal.premise
        if isinstance(premise, PartyRegistered) and premise.account == sender:
            raise errors.not_allowed(ACCOUNT_DELETED) from None
        if isinstance(premise, PartyRegistered):
            raise errors.no_such_user(recipient.name) from None
        raise


def told_once(keyed: KeyUnused, found: Target, event: PrivateMessage) -> DecidedChange:
    """``event``, kept nowhere (between plain names), told to ``found``'s
    session in the step that keeps its key: resting on the key alone, so
    that a repeat is answered from the key and told nobody again (a key
    done already: ``KeyDoneError``); ``found``'s session gone meanwhile is
    ``NO_SUCH_USER``, nothing kept."""
    told = TellSession(found.key, found.session, event)
    return DecidedChange(SenderKeys(keyed.sender), (keyed,), (KeepKey(), told))


def kept_alone(keyed: KeyUnused) -> DecidedChange:
    """A keyed line that reached nobody (a message its recipient ignores,
    answered as if told): its key kept alone, so that its repeat is
    answered the same (a key done already: ``KeyDoneError``)."""
    return DecidedChange(SenderKeys(keyed.sender), (keyed,), (KeepKey(),))


def deleted(conversation: str, event_id: int) -> DecidedChange:
    """Message ``event_id`` of ``conversation`` deleted, resting on its
    being kept there still: a refusal means it was deleted (or trimmed)
    meanwhile."""
    return DecidedChange(
        PrivateConversation(conversation),
        (PrivateKept(event_id),),
        (DeletePrivate(event_id),),
    )


class PrivateMessages:
    """``/msg``, ``/history @USER`` and the kept messages of a sign-in."""

    def __init__(
        self,
        config: ServerConfig,
        clock: IReactorTime,
        conversations: ConversationStore,
        records: AccountStore,
        markers: MarkerStore,
        find_user: Callable[[str], Awaitable[Target | None]],
        tell: Tell,
        apply: Apply,
    ) -> None:
        """Args:
        conversations: where conversations and kept messages are read.
        records: the accounts as kept: whose messages an account leaves
            out (its ignore list), the name a side registered as.
        markers: the accounts' read markers (a conversation's, under
            ``@`` and its other side: :func:`marker_of`).
        find_user: the user a name is, connected or registered.
        tell: hands a message to its connected recipient (the bus's).
        apply: the back-end's one write, which keeps what is decided.
        """
        self.config = config
        self.clock = clock
        self.conversations = conversations
        self.records = records
        self.markers = markers
        self.find_user = find_user
        self.tell = tell
        self.apply = apply

    async def _recipient(self, name: str) -> Target:
        """The user called ``name``: connected, or a registered account."""
        found = await self.find_user(name)
        if found is None or not (found.online or found.account):
            raise errors.no_such_user(name)
        return found

    async def send(
        self,
        sender: Session,
        name: str,
        text: str,
        tags: Tags = (),
        copy: CopyTo = NO_COPY,
        txn: Txn | None = None,
    ) -> PrivateMessage:
        """Tell the recipient, or keep it for their account if nobody is
        signed in to it; kept in the conversation if either is an account.
        ``tags`` (an IRC ``NOTICE``, client-only tags) go with it; so does
        the sender's copy to ``copy``'s devices on other nodes, in the same
        step, once it is told or kept. ``txn``: a keyed line's, whose key
        is kept with the message where it is kept, else (between plain
        names) in the step that tells it (:func:`told_once`), or alone for
        a message its recipient ignores; a key done already:
        ``KeyDoneError``, nothing told."""
        rules.check_text(text)
        found = await self._recipient(name)
        now = self.clock.seconds()
        stamp = format_time(now)
        if sender.bot:  # a bot account's words, at every door
            tags = with_bot(tags)
        event = PrivateMessage(
            sender.name, found.name, stamp, text, tags, account=sender.account_name
        )
        keyed = None
        if txn is not None:
            keyed = transactions.premise(txn, sender, "@" + found.name, now)
        if found.account:
            ignoring = await self.records.ignores(found.account)
            if held_back(ignoring, event):
                if keyed is not None:  # answered as if told, its repeat too
                    await self.apply(kept_alone(keyed))
                raise IgnoredError(event)
        bound = self.config.kept_private
        conversations = self.conversations
        if not found.online and await conversations.waiting(found.account) >= bound:
            raise errors.inbox_full(found.name, bound)
        key = conversation_of(sender, found)
        if keeps(sender, found):
            await append(self.apply, key, event, found, sender.account, keyed)
            await self._read_up_to(sender, key, event)
        for _attempt in range(DELIVERY_ATTEMPTS):
            if found.online:
                try:
                    if keyed is not None and not event.id:  # kept nowhere
                        # between plain names: the sender, no account, has
                        # no copy for other nodes (NO_COPY)
                        await self.apply(told_once(keyed, found, event))
                    else:
                        await self.tell(found, event, copy)
                    return event
                except ChatError as refused:
                    if refused.code != "NO_SUCH_USER" or not found.account:
                        raise  # a plain name gone: nobody to keep it for
            else:
                if not event.id:  # the name became an account's meanwhile
                    await append(self.apply, key, event, found, sender.account, keyed)
                    await self._read_up_to(sender, key, event)
                try:
                    kept = kept_for(found, key, event, bound, copy, sender.account)
                    await self.apply(kept)
                    return event
                except PremiseFailedError as refusal:
                    if isinstance(refusal.premise, FewerWaitingThan):
                        raise errors.inbox_full(found.name, bound) from None
                    if isinstance(refusal.premise, PartyRegistered):  # the sender's
                        raise errors.not_allowed(ACCOUNT_DELETED) from None
                    if isinstance(refusal.premise, Registered):  # deleted meanwhile
                        raise errors.no_such_user(found.name) from None
            found = await self._recipient(name)  # signed in or out meanwhile
        raise errors.unavailable()

    async def _read_up_to(
        self, sender: Session, conversation: str, event: PrivateMessage
    ) -> None:
        """The sender's account has read its conversation up to its own
        message ``event``: its marker there moves to it (forward only), so
        that only the other side's messages are ever unread. Its other
        devices are not told: they get the message itself."""
        side = other_side(conversation, sender.account) if sender.account else None
        if side is not None and event.id:
            await advance(self.apply, sender.account, marker_of(side), int(event.id))

    async def _conversation(
        self, session: Session, name: str
    ) -> tuple[str, Target | None]:
        """The key of the caller's conversation with ``name``, and ``name``'s
        user (None: nobody now). Only an account's conversations are kept
        for it: a plain name's next holder is someone else."""
        rules.check_name(name)
        if not session.account:
            raise errors.not_allowed(
                "only accounts keep private conversations: /register PASSWORD"
            )
        found = await self.find_user(name)
        other = party(found.account, found.name) if found else party("", name)
        return conversation_key(session.account, other), found

    async def history(
        self, session: Session, name: str, count: int, before: int | None
    ) -> list[PrivateEvent]:
        """The caller's conversation with ``name``, paged back (its
        tags-only messages among its messages: the doors that show none
        of them leave them out). Only an account's conversations are kept
        for it to read: a plain name's next holder is someone else."""
        rules.check_history_count(count)
        key, found = await self._conversation(session, name)
        events = await self.conversations.page(key, count, before)
        if found is None and not events and before is None:
            raise errors.no_such_user(name)
        return events

    async def _message(
        self, session: Session, name: str, event_id: int
    ) -> tuple[str, Target | None, PrivateMessage]:
        """Message ``event_id`` of the caller's conversation with ``name``,
        the conversation's key and ``name``'s user (None: nobody now)."""
        key, found = await self._conversation(session, name)
        page = await self.conversations.page(key, 1, event_id + 1)
        message = page[-1] if page else None
        if not isinstance(message, PrivateMessage) or message.id != str(event_id):
            raise errors.no_such_message(event_id, f"@{name}")
        return key, found, message

    async def message(
        self, session: Session, name: str, event_id: int
    ) -> tuple[str, PrivateMessage]:
        """Message ``event_id`` of the caller's conversation with ``name``
        (what a report of it quotes), and the conversation's key.

        Raises:
            ChatError: ``NOT_ALLOWED`` (a plain name), ``NO_SUCH_MESSAGE``,
                ``BAD_NAME``.
        """
        key, _, message = await self._message(session, name, event_id)
        return key, message

    async def redact(
        self, session: Session, name: str, event_id: int, reason: str = ""
    ) -> PrivateRedacted:
        """Delete message ``event_id`` of the caller's conversation with
        ``name``: only its sender may; it leaves the conversation and what
        waits for an absent account, and ``name`` is told if connected
        (the caller's door tells the caller).

        Raises:
            ChatError: ``NOT_ALLOWED`` (a plain name, or someone else's
                message), ``NO_SUCH_MESSAGE``, ``NO_SUCH_USER``.
        """
        key, found, message = await self._message(session, name, event_id)
        if name_key(message.sender) not in (session.account, name_key(session.name)):
            raise errors.not_allowed("only its sender deletes a private message")
        try:
            await self.apply(deleted(key, event_id))
        except PremiseFailedError:
            raise errors.no_such_message(event_id, f"@{name}") from None
        event = PrivateRedacted(
            message.sender,
            message.recipient,
            message.time,
            message.text,
            message.id,
            reason,
            account=session.account_name,
        )
        if found is not None and found.online:
            with contextlib.suppress(ChatError):  # gone meanwhile: nobody to tell
                await self.tell(found, event)
        return event

    async def mark_read(
        self, session: Session, name: str, event_id: int, copy: CopyTo
    ) -> tuple[str, int]:
        """``/read @USER ID``: the caller's marker in its conversation with
        ``name`` moved forward to ``event_id`` (one the conversation has
        had, or 0), in one step that tells the account's sessions on other
        nodes than ``copy``'s (``READ @USER ID``, as a room's marker is);
        the conversation as shown (``@`` and the other side's name) and
        the marker in force.

        Raises:
            ChatError: ``NOT_ALLOWED`` (a plain name), ``BAD_NAME``,
                ``NO_SUCH_USER`` (nobody, and no conversation),
                ``BAD_ARGS`` (an id it never had).
        """
        key, found = await self._conversation(session, name)
        newest = await self.conversations.page(key, 1, None)
        if found is None and not newest:
            raise errors.no_such_user(name)
        where = "@" + (found.name if found is not None else name)
        check_marker(where, event_id, int(newest[-1].id) if newest else 0)
        side = other_side(key, session.account)
        assert side is not None  # the caller's own conversation, by its key
        moved = MarkerMoved(where, event_id) if copy.token else None
        marker = await advance(
            self.apply,
            session.account,
            marker_of(side),
            event_id,
            moved,
            copy.token,
        )
        return where, marker

    async def listed(self, session: Session) -> list[Conversation]:
        """``/conversations``: the caller's account's conversations, the
        one written in last first (at most :data:`LISTED_CONVERSATIONS`),
        each with its unread count (:func:`unread_among`) as its markers
        say; only an account keeps conversations.

        Raises:
            ChatError: ``NOT_ALLOWED`` (a plain name).
        """
        account = session.account
        if not account:
            raise errors.not_allowed(
                "only accounts keep private conversations: /register PASSWORD"
            )
        store = self.conversations
        markers = await self.markers.markers(account)
        listed = []
        for key, kept in await store.recent(account, LISTED_CONVERSATIONS):
            newest = kept
            if newest is None:  # its newest deleted: the newest kept, if any
                page = await store.page(key, 1, None)
                newest = page[-1] if page else None
            side = other_side(key, account)
            if newest is None or side is None:
                continue  # gone with the other side's account
            last, marker = int(newest.id), markers.get(marker_of(side), 0)
            after: list[PrivateEvent] = []
            if last > marker:
                after = await store.page(key, min(last - marker, UNREAD_READ), None)
            unread = unread_among(after, account, marker, last)
            user = await self._shown(side, newest)
            listed.append(Conversation(user, unread, last, newest.time))
        return listed

    async def _shown(self, side: str, newest: PrivateEvent) -> str:
        """The name the other side ``side`` of a conversation is shown by:
        as its newest message names it, else its account's name as
        registered (a plain name: its key)."""
        key = side.removeprefix(PLAIN)
        for name in (newest.sender, newest.recipient):
            if name_key(name) == key:
                return name
        if side.startswith(PLAIN):
            return key
        account = await self.records.get(side)
        return account.name if account is not None else key

    async def party_of(self, name: str) -> str:
        """The party ``name`` is in a conversation, as :meth:`history`
        finds it: its account's key if it has one, else the name's."""
        found = await self.find_user(name)
        return party(found.account, found.name) if found else name_key(name)

    async def targets(self, session: Session) -> list[PrivateEvent]:
        """The newest message of each conversation of the caller's account
        (a plain name keeps none)."""
        if not session.account:
            return []
        return await self.conversations.latest(session.account)

    async def deliver_kept(self, member: Member, session: Session) -> None:
        """After a sign-in: the account's kept messages, oldest first."""
        if not session.account:
            return
        for event in await self.conversations.take(session.account):
            deliver_to(member, event)
