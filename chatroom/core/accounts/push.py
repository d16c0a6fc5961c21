"""Notifications with no device connected: who is pushed to, when, how often.

An account may keep Web Push subscriptions (RFC 8030: a push service's
endpoint and the browser's keys, ``/push add``, IRC's ``WEBPUSH
REGISTER``). When the account is mentioned in a room it is in, or is sent
a private message, and none of its devices has been active for
``--push-idle`` seconds, each of its subscriptions is sent a
:class:`Notice`; this module is that rule, written once, on the injected
clock:

- **who**: a room message mentions the accounts whose names are words of
  its text (not its sender), among those that keep the room, unless the
  account muted the room (``/notify ROOM none``); an account that asked
  for every message of the room (``/notify ROOM all``) is pushed each
  (:mod:`chatroom.core.accounts.notify_levels`), and one that follows a thread its
  messages (:mod:`chatroom.core.messages.threads`); a private message, its
  recipient;
- **when**: only an account none of whose devices was active (did
  anything, or left) within ``idle`` seconds (:meth:`Notifications.active`
  is told by the core);
- **how often**: at most one push per room (or private conversation) per
  :data:`PER_PLACE` seconds per account; what arrives meanwhile is held,
  and when the minute ends the newest is sent with ``count`` saying how
  many messages it stands for.

Sending (the encryption, the VAPID signature, the HTTP request, its
bounds) is the :class:`PushSender` the wiring hands in
(:mod:`chatroom.wiring.webpush`); it answers whether the push service said
the subscription is gone (404 or 410), and the subscription is then
forgotten. An endpoint is a URL a user gave, which the server will
connect to: the sender also says whether it would (:meth:`PushSender.allows`,
the server's guard of such requests), and ``/push add`` refuses one it
would not. Nothing here waits on the network: a room's message is
delivered before its pushes are thought of.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
from collections.abc import Awaitable, Callable, Collection, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from twisted.internet.defer import Deferred, ensureDeferred
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatroom.core.accounts.notify_levels import ALL, DEFAULT, NONE, level_in
from chatroom.core.accounts.thread_follows import followed_in, root_of
from chatroom.core.model import errors
from chatroom.core.model.changes.accounts import Registered
from chatroom.core.model.changes.base import (
    DECISION_ATTEMPTS,
    Apply,
    DecidedChange,
    Operation,
    Premise,
    PremiseFailedError,
)
from chatroom.core.model.changes.push import (
    AccountPush,
    AddSubscription,
    DropSubscriptions,
    EndpointOwner,
    FewerSubscriptionsThan,
    MoveEndpoint,
    RemoveSubscription,
    Subscribed,
)
from chatroom.core.model.events import Event, Message
from chatroom.core.model.subscription import IRC as IRC
from chatroom.core.model.subscription import JSON as JSON
from chatroom.core.model.subscription import Subscription as Subscription
from chatroom.core.model.subscription import origin_of as origin_of
from chatroom.core.model.text import name_key

#: Seconds between two pushes to one account about one room.
PER_PLACE = 60.0
#: Seconds an account's settings read for pushes (its rooms' levels, the
#: threads it follows) are used before they are read again: a change made
#: meanwhile counts for pushes from then on.
SETTINGS_TRUSTED = 60.0
#: How many accounts' settings are kept read before the stale ones go.
SETTINGS_KEPT = 4096
#: Default of ``--push-idle``: seconds without a device's activity.
IDLE = 60.0
#: The most subscriptions one account keeps (a new one past it is refused).
MOST_SUBSCRIPTIONS = 20
#: The longest endpoint kept (push services' are well under 1 KiB).
LONGEST_ENDPOINT = 2048

#: A word that may be a name in a message's text ("alice:", "@alice").
_WORD = re.compile(r"[^\s,:;.!?@()<>\"']+")
#: base64url without padding, as a browser's PushSubscription gives keys.
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+={0,2}")


def named_keys(text: str) -> set[str]:
    """The name keys of the words of ``text`` that may be names ("alice:",
    "@alice"): whom a room message mentions, if they are accounts."""
    return {name_key(word) for word in _WORD.findall(text)}


class Heard(Protocol):
    """Told of each message delivered, as the pushes are (the mail for what
    an account missed: :mod:`chatroom.core.accounts.missed_mail`)."""

    def said_in_room(self, room: str, sender: str, text: str) -> None: ...

    def said_privately(self, recipient: str, sender: str, text: str) -> None: ...


@dataclass(slots=True)
class Notice:
    """What one push says: ``sender`` said ``text`` in ``room`` (None for
    a private message); ``count`` messages since the last push to this
    place (1, or more when some were held); ``event`` the message itself
    (what ``draft/webpush`` sends, rendered by the IRC door)."""

    account: str
    room: str | None
    sender: str
    text: str
    event: Event
    count: int = 1

    def payload(self) -> bytes:
        """The JSON a line or web subscription is sent (before encryption)."""
        return json.dumps(
            {
                "from": self.sender,
                "text": self.text,
                "room": self.room,
                "count": self.count,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()


class PushStore(Protocol):
    """Where the server's VAPID key and accounts' subscriptions are kept
    (the SQLite file, or Redis), surviving restarts. A subscription kept or
    forgotten (or every one of an account:
    :class:`~chatroom.core.model.changes.push.DropSubscriptions`) is a change of an
    :class:`~chatroom.core.model.changes.push.AccountPush`
    the back-end applies (:meth:`chatroom.core.backend.Backend.apply`):
    atomically, or :class:`~chatroom.core.model.changes.base.PremiseFailedError` with
    the account's subscriptions as they are now."""

    async def server_key(self, made: str) -> str:
        """The kept VAPID private key (PEM); ``made`` is kept first when
        there is none yet (the first start), and returned."""
        ...

    async def of(self, accounts: Sequence[str]) -> dict[str, list[Subscription]]:
        """The subscriptions of those of ``accounts`` that keep any."""
        ...

    async def owner(self, endpoint: str) -> str:
        """The account that keeps a subscription at ``endpoint`` ("" for
        none)."""
        ...

    def subscribers(self) -> Collection[str] | None:
        """Every account keeping a subscription, where the store holds them
        in memory (one process); None where it must be asked (Redis). A
        room message is then looked at only if it names one of them: the
        message path pays nothing while nobody has subscribed."""
        ...


#: An account's settings (:mod:`chatroom.core.accounts.account_settings`).
SettingsOf = Callable[[str], Awaitable[dict[str, str]]]


#: What a decision about an account's subscriptions is: the premises and
#: the operations of its change.
Decided = tuple[tuple[Premise, ...], tuple[Operation, ...]]


def dropped(account: str) -> DecidedChange:
    """The change that forgets every subscription of ``account`` (a key)."""
    subject = AccountPush(account)
    return DecidedChange(subject, (), (DropSubscriptions(),))


def subscribing(
    account: str, kept: list[Subscription], subscription: Subscription, owner: str
) -> Decided:
    """Keep ``subscription`` beside ``account``'s ``kept`` ones: at most
    :data:`MOST_SUBSCRIPTIONS` (``SubscriptionsFullError`` past it; the
    same endpoint is replaced); resting on the account keeping fewer
    still, and on its endpoint being ``owner``'s ("": nobody's) as read.
    An endpoint is one account's: kept by another, it moves to this one
    (a browser subscribed again under another account)."""
    endpoint = subscription.endpoint
    endpoints = {each.endpoint for each in kept}
    if len(kept) >= MOST_SUBSCRIPTIONS and endpoint not in endpoints:
        raise errors.SubscriptionsFullError(MOST_SUBSCRIPTIONS)
    premises = (
        FewerSubscriptionsThan(MOST_SUBSCRIPTIONS, endpoint),
        EndpointOwner(endpoint, owner),
    )
    added = AddSubscription(subscription)
    if owner and owner != account:
        return premises, (MoveEndpoint(endpoint, owner, account), added)
    return premises, (added,)


def unsubscribing(kept: list[Subscription], endpoint: str) -> Decided:
    """Forget the account's subscription at ``endpoint``, one of its
    ``kept`` ones (``BAD_ARGS`` if not), resting on its keeping it still."""
    if endpoint not in {each.endpoint for each in kept}:
        raise errors.bad_args("no push subscription of yours at that endpoint")
    return (Subscribed(endpoint),), (RemoveSubscription(endpoint),)


def change_of(account: str, decided: Decided) -> DecidedChange:
    """The change of account ``account``'s subscriptions ``decided`` is,
    resting on the account being registered still (none is kept for an
    account deleted meanwhile)."""
    premises, ops = decided
    return DecidedChange(AccountPush(account), (Registered(), *premises), ops)


class PushSender(Protocol):
    """The wiring's Web Push (:class:`chatroom.wiring.webpush.WebPushSender`)."""

    def send(
        self, pem: str, subscription: Subscription, notice: Notice
    ) -> Deferred[bool]:
        """One notice to one subscription, signed with the server's VAPID
        key (its PEM); fires True when the push service answered that the
        subscription is gone (404, 410)."""
        ...

    def allows(self, endpoint: str) -> Deferred[bool]:
        """Whether the server would connect to ``endpoint`` (its guard of
        the requests made on a user's word)."""
        ...


#: The rooms an account keeps (the back-end's remembered rooms).
KeptRooms = Callable[[str], Awaitable[list[str]]]

#: Whether a device of an account is connected on another node of the
#: cluster (never, on a single server).
ConnectedElsewhere = Callable[[str], Awaitable[bool]]


async def _nowhere_else(account: str) -> bool:
    return False


#: The name keys an account ignores (:mod:`chatroom.core.infra.ignoring`).
Ignores = Callable[[str], Awaitable[frozenset[str]]]


async def _nobody_ignored(account: str) -> frozenset[str]:
    return frozenset()


def new_server_key() -> str:
    """A new VAPID key pair (RFC 8292: ECDSA on P-256), as PKCS#8 PEM."""
    made = ec.generate_private_key(ec.SECP256R1())
    return made.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def public_key_of(pem: str) -> str:
    """The VAPID public key clients subscribe with (``applicationServerKey``,
    IRC's ``VAPID=``): the uncompressed P-256 point, base64url, unpadded."""
    private = serialization.load_pem_private_key(pem.encode(), None)
    point = private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(point).rstrip(b"=").decode()


def check_subscription(
    endpoint: str, p256dh: str, auth: str, allow_http: Sequence[str]
) -> Subscription:
    """A subscription as a client gave it, or ``BAD_ARGUMENT``: an https
    endpoint (or http under one of ``allow_http``'s prefixes), and keys in
    base64url (a 65-byte point and a 16-byte secret)."""
    secure = endpoint.startswith("https://") and len(endpoint) > len("https://")
    allowed = any(endpoint.startswith(prefix) for prefix in allow_http if prefix)
    if not (secure or allowed) or len(endpoint) > LONGEST_ENDPOINT:
        raise errors.bad_args("the endpoint must be an https URL")
    for key, size in ((p256dh, 65), (auth, 16)):
        if not _BASE64URL.fullmatch(key) or len(key.rstrip("=")) != -(-size * 4 // 3):
            raise errors.bad_args("the keys must be base64url (p256dh, auth)")
    return Subscription(endpoint, p256dh.rstrip("="), auth.rstrip("="))


@dataclass(slots=True)
class _Window:
    """One account's minute for one place: the notices held meanwhile."""

    held: Notice | None = None
    count: int = 0
    call: IDelayedCall | None = field(default=None, repr=False)


class Activity:
    """When each account's devices were last active here, on the core's
    clock: whom Web Push and the mail for what was missed leave alone (an
    account active lately reads its messages), one record for both."""

    def __init__(self, clock: IReactorTime) -> None:
        self.clock = clock
        #: Account key → when one of its devices last did something here.
        self._last: dict[str, float] = {}

    def active(self, account: str) -> None:
        """A device of ``account`` did something (or left) just now."""
        if account:
            self._last[account] = self.clock.seconds()

    def last_active(self, account: str) -> float | None:
        """When a device of ``account`` last did something here (or left);
        None: not since this node started."""
        return self._last.get(account)


class Notifications:
    """The rule of the module: who is pushed to, when, how often."""

    log = Logger()

    def __init__(
        self,
        clock: IReactorTime,
        store: PushStore,
        apply: Apply,
        kept_rooms: KeptRooms,
        sender: PushSender | None,
        idle: float = IDLE,
        per_place: float = PER_PLACE,
        connected_elsewhere: ConnectedElsewhere = _nowhere_else,
        settings_of: SettingsOf | None = None,
        ignores: Ignores = _nobody_ignored,
        activity: Activity | None = None,
        also: Sequence[Heard] = (),
    ) -> None:
        """Args:
        store: the back-end's subscriptions and key, as read.
        apply: the back-end's one write, which keeps and forgets them.
        kept_rooms: the rooms an account is in while away.
        sender: the wiring's sender; None: no pushes are sent (subscriptions
            are still kept, e.g. for a node that only serves doors).
        idle: ``--push-idle``.
        connected_elsewhere: whether an account has a device on another
            node. How active a device is is known only to its own node,
            so an account connected elsewhere is never pushed to (a user
            chatting on another node would be, mentioned from this one).
        settings_of: an account's settings, for its rooms' notification
            levels (None: every room at the default, ``mentions``).
        activity: when each account's devices were last active here
            (shared with the mail for what was missed; None: its own).
        also: told of each message delivered too (the mail for what was
            missed).
        """
        self.clock = clock
        self.store = store
        self.apply = apply
        self.kept_rooms = kept_rooms
        self.sender = sender
        self.idle = idle
        self.per_place = per_place
        self.connected_elsewhere = connected_elsewhere
        self.settings_of = settings_of
        #: Account key → when its settings were read, and what they were.
        self._settings_read: dict[str, tuple[float, dict[str, str]]] = {}
        #: An account is never pushed what someone it ignores said.
        self.ignores = ignores
        #: When each account's devices last did something here.
        self.activity = activity or Activity(clock)
        #: Told of each message delivered too (the mail for what was missed).
        self.also = tuple(also)
        #: (account, place) → its minute, while one runs.
        self._windows: dict[tuple[str, str], _Window] = {}
        #: Set once the service stops: a decision still reading the store
        #: then starts no timer.
        self._stopped = False
        self._server_key: str | None = None
        #: Pushes sent and subscriptions forgotten (``/metrics``, tests).
        self.sent = 0
        self.forgotten = 0

    async def server_key(self) -> str:
        """The server's VAPID private key (PEM), made at the first start
        and kept in the store; read once per process."""
        if self._server_key is None:
            self._server_key = await self.store.server_key(new_server_key())
        return self._server_key

    async def subscribe(self, account: str, subscription: Subscription) -> None:
        """``/push add``: keep the account's subscription (at most
        :data:`MOST_SUBSCRIPTIONS`; the same endpoint is replaced)."""
        if not account:
            raise errors.not_signed_in()
        if self.sender is not None and not await self.sender.allows(
            subscription.endpoint
        ):
            raise errors.bad_args("the endpoint is not a public address")
        endpoint = subscription.endpoint
        owner = [await self.store.owner(endpoint)]

        def decide(kept: list[Subscription]) -> Decided:
            return subscribing(account, kept, subscription, owner[0])

        async def read_again() -> None:
            owner[0] = await self.store.owner(endpoint)

        await self._applied(account, decide, read_again)

    async def unsubscribe(self, account: str, endpoint: str) -> None:
        """``/push remove``: forget one of the account's subscriptions."""
        if not account:
            raise errors.not_signed_in()
        await self._applied(account, lambda kept: unsubscribing(kept, endpoint))

    async def _applied(
        self,
        account: str,
        decide: Callable[[list[Subscription]], Decided],
        read_again: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """What ``decide`` decides on the account's subscriptions as read,
        applied; decided again on those a refusal brings (and on what
        ``read_again`` reads again: who keeps the endpoint), at most
        :data:`~chatroom.core.model.changes.base.DECISION_ATTEMPTS` times."""
        kept = (await self.store.of([account])).get(account, [])
        for _attempt in range(DECISION_ATTEMPTS):
            change = change_of(account, decide(kept))
            try:
                await self.apply(change)
            except PremiseFailedError as refusal:
                if isinstance(refusal.premise, Registered):
                    raise errors.not_signed_in() from None  # deleted meanwhile
                if isinstance(refusal.facts, list):
                    kept = refusal.facts
                else:
                    kept = (await self.store.of([account])).get(account, [])
                if read_again is not None:
                    await read_again()
                continue
            return
        raise errors.unavailable()

    def active(self, account: str) -> None:
        """A device of ``account`` did something (or left) just now."""
        self.activity.active(account)

    def _idle(self, account: str) -> bool:
        last = self.activity.last_active(account)
        return last is None or self.clock.seconds() - last >= self.idle

    # -- what happened ------------------------------------------------------------

    def said_in_room(self, room: str, sender: str, text: str, event: Event) -> None:
        """A room message was delivered: push to those it mentions."""
        for heard in self.also:
            heard.said_in_room(room, sender, text)
        if self.sender is None:
            return
        subscribers = self.store.subscribers()
        if subscribers is not None and not subscribers:
            return
        sender_key = name_key(sender)
        named = named_keys(text)
        named.discard(sender_key)
        if subscribers is not None:
            named.intersection_update(subscribers)
        named = {key for key in named if key and self._idle(key)}
        # Those who may want every message: the idle subscribers this node
        # knows of (their levels are read off the message's path).
        others: set[str] = set()
        if subscribers is not None and self.settings_of is not None:
            others = {k for k in subscribers if k != sender_key and self._idle(k)}
            others -= named
        if named or others:
            work = self._mentions(room, sender, text, event, named, others)
            self._spawn(work)

    def said_privately(
        self, recipient: str, sender: str, text: str, event: Event
    ) -> None:
        """A private message was delivered: push to its recipient."""
        for heard in self.also:
            heard.said_privately(recipient, sender, text)
        account = name_key(recipient)
        if (
            self.sender is None
            or account == name_key(sender)
            or not self._idle(account)
        ):
            return
        notice = Notice(account, None, sender, text, event)
        self._spawn(self._offered(notice, "@" + name_key(sender)))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        done: Deferred[None] = ensureDeferred(work)
        # Redis out of reach (UNAVAILABLE): that message is not pushed, as
        # the store could not say who is subscribed; nothing else is wrong.
        done.addErrback(self._failed)

    def _failed(self, failure: Failure) -> None:
        if not isinstance(failure.value, errors.ChatError):
            self.log.failure("push", failure)

    async def _mentions(
        self,
        room: str,
        sender: str,
        text: str,
        event: Event,
        named: set[str],
        others: set[str],
    ) -> None:
        """Push to the ``named`` accounts that did not mute the room, and to
        ``others`` that asked for all of its messages or follow the thread
        the message is in (their settings as read within
        :data:`SETTINGS_TRUSTED` seconds: most messages read nothing)."""
        root = root_of(event) if isinstance(event, Message) else ""
        wanted = []
        for account in sorted(named | others):
            level, following = DEFAULT, False
            if self.settings_of is not None:
                settings = await self._settings(account)
                level = level_in(settings, room)
                following = bool(root) and root in followed_in(settings, room)
            if level != NONE and (account in named or level == ALL or following):
                wanted.append(account)
        subscribed = await self.store.of(wanted) if wanted else {}
        for account in subscribed:
            if name_key(sender) in await self.ignores(account):
                continue
            rooms = {name_key(kept) for kept in await self.kept_rooms(account)}
            if name_key(room) in rooms:
                notice = Notice(account, room, sender, text, event)
                await self._offered(notice, name_key(room))

    def settings_changed(self, account: str) -> None:
        """``account`` changed its settings here: read them again at its
        next message (another node's change counts within
        :data:`SETTINGS_TRUSTED` seconds)."""
        self._settings_read.pop(account, None)

    async def _settings(self, account: str) -> dict[str, str]:
        """``account``'s settings, read again once those read are
        :data:`SETTINGS_TRUSTED` seconds old."""
        assert self.settings_of is not None
        now = self.clock.seconds()
        read = self._settings_read.get(account)
        if read is not None and now - read[0] < SETTINGS_TRUSTED:
            return read[1]
        if len(self._settings_read) >= SETTINGS_KEPT:  # the stale ones go
            self._settings_read = {
                key: kept
                for key, kept in self._settings_read.items()
                if now - kept[0] < SETTINGS_TRUSTED
            }
        settings = await self.settings_of(account)
        self._settings_read[account] = (now, settings)
        return settings

    # -- how often ----------------------------------------------------------------

    async def _offered(self, notice: Notice, place: str) -> None:
        """Push now, or hold until the place's minute ends (nothing for an
        account with a device on another node)."""
        key = (notice.account, place)
        if await self.connected_elsewhere(notice.account) or self._stopped:
            return
        window = self._windows.get(key)
        if window is not None:
            window.held, window.count = notice, window.count + 1
            return
        self._open(key)
        await self._push(notice)

    def _open(self, key: tuple[str, str]) -> None:
        window = self._windows[key] = _Window()
        window.call = self.clock.callLater(self.per_place, self._minute_over, key)

    def _minute_over(self, key: tuple[str, str]) -> None:
        window = self._windows.pop(key)
        notice = window.held
        if notice is None or not self._idle(notice.account):
            return  # nothing held, or its account came back meanwhile
        notice.count = window.count
        self._open(key)
        self._spawn(self._push(notice))

    async def _push(self, notice: Notice) -> None:
        assert self.sender is not None
        found = await self.store.of([notice.account])
        key = await self.server_key() if found else ""
        for subscription in found.get(notice.account, []):
            try:
                gone = await self.sender.send(key, subscription, notice)
            except Exception:  # one service failing never stops the others
                self.log.failure("push to {origin}", origin=subscription.origin)
                continue
            self.sent += 1
            if gone:
                self.forgotten += 1
                await self._forget(notice.account, subscription.endpoint)

    async def _forget(self, account: str, endpoint: str) -> None:
        """A subscription its push service says is gone is forgotten
        (unless the account forgot it meanwhile)."""
        gone = (Subscribed(endpoint),), (RemoveSubscription(endpoint),)
        change = change_of(account, gone)
        with contextlib.suppress(PremiseFailedError):
            await self.apply(change)

    def stop(self) -> None:
        """Cancel the minutes' timers (the service stops); none starts
        after."""
        self._stopped = True
        for window in self._windows.values():
            if window.call is not None and window.call.active():
                window.call.cancel()
        self._windows.clear()
