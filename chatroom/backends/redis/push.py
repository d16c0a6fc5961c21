"""Web Push's key and subscriptions in Redis: the cluster's :class:`PushStore`.

The VAPID key is the string ``P vapid-key`` (set once, by the first node
to start: ``SET NX``), so every node signs with the same key and a
subscription made through one node is pushed to by any. An account's
subscriptions are the hash ``P push:<account>`` (endpoint → JSON of the
keys and format); ``P push-owner`` maps each endpoint to its account, so
a browser subscribed again under another account moves to it, in the
same script.

A room message is looked at for mentions of subscribed accounts on the
node that delivered it; so that this costs Redis nothing per message,
``P push-accounts`` is the set of accounts keeping any subscription and
``P push-version`` counts its changes, and each node keeps a copy of the
set, read again (one script, the set itself only when the count moved)
at most every :data:`REFRESH` seconds while messages flow. A subscription
made through another node is therefore looked for within seconds, which
``--push-idle`` (a minute) dwarfs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from twisted.internet import defer
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.prelude import Script
from chatroom.core.errors import ChatError
from chatroom.core.model.changes.accounts import Registered
from chatroom.core.model.changes.base import (
    DecidedChange,
    PremiseFailedError,
    account_of,
)
from chatroom.core.model.changes.push import (
    AccountPush,
    AddSubscription,
    DropSubscriptions,
    FewerSubscriptionsThan,
    RemoveSubscription,
    Subscribed,
)
from chatroom.core.subscription import Subscription

#: ARGV: P, a new key. The kept key (the new one if there was none).
SERVER_KEY = Script("push-server-key")

#: ARGV: P, account, most, endpoint, subscribed, registered, then the
#: operations. A decided change of the account's subscriptions
#: (:meth:`RedisPush.apply`): its premises first, ``most`` and ``endpoint``
#: (it keeps fewer than most, or one at endpoint already; '-' no premise),
#: ``subscribed`` (it keeps one at this endpoint; '-' no premise) and
#: ``registered`` (the account is registered: '1'; '-' no premise,
#: ``{0, 'gone', {}}`` if it is not), then each operation in
#: order: ``add ENDPOINT KEYS`` (KEYS: JSON; the endpoint leaves any other
#: account that kept it), ``remove ENDPOINT``. ``{1}`` once applied;
#: ``{0, premise, subscriptions}`` if a premise does not hold (the
#: account's hash flattened, as HGETALL), and nothing is written.
APPLY = Script("push-apply")

#: ARGV: P, accounts... For each account keeping any: account, then its
#: hash's fields and values flattened (as HGETALL), as one entry each.
OF = Script("push-of")

#: ARGV: P, account. Every subscription of the account forgotten.
DROP = Script("push-drop")

#: ARGV: P, the count of changes the node's copy was read at ("" for none).
#: The count, then (only if it moved) every account keeping a subscription.
#: Subscriptions kept before the set existed are gathered into it once.
SUBSCRIBERS = Script("push-subscribers")

#: Seconds a node's copy of who keeps subscriptions is used before it is
#: checked again.
REFRESH = 5.0


def _subscription(endpoint: bytes, keys: bytes) -> Subscription:
    p256dh, auth, kind = json.loads(keys)
    return Subscription(endpoint.decode(), p256dh, auth, kind)


class RedisPush:
    """Subscriptions and the VAPID key kept in Redis, one round trip a step."""

    log = Logger()

    def __init__(self, calls: RedisCalls) -> None:
        self.calls = calls
        #: This node's copy of ``P push-accounts`` (None until first read),
        #: the count of changes it was read at, and when it was checked.
        self._known: frozenset[str] | None = None
        self._version = b""
        self._checked = float("-inf")
        self._reading = False

    async def server_key(self, made: str) -> str:
        kept: bytes = await self.calls.eval(SERVER_KEY, made)
        return kept.decode()

    async def apply(self, change: DecidedChange) -> None:
        """One :data:`APPLY`: the change's premises checked and its
        operations stored there, or :class:`~chatroom.core.model.changes.
        PremiseFailedError` with the account's subscriptions as the script
        found them; every subscription dropped, one :data:`DROP`."""
        account = account_of(change, AccountPush)
        if change.of(DropSubscriptions):
            if len(change.ops) > 1 or change.premises:
                raise TypeError(f"every subscription is dropped alone: {change!r}")
            await self.calls.eval(DROP, account)
            return
        fewer = change.premise(FewerSubscriptionsThan)
        subscribed = change.premise(Subscribed)
        registered = change.premise(Registered)
        arguments = [
            "-" if fewer is None else str(fewer.count),
            "" if fewer is None else fewer.endpoint,
            "-" if subscribed is None else subscribed.endpoint,
            "-" if registered is None else "1",
        ]
        added = False
        for op in change.ops:
            if isinstance(op, AddSubscription):
                added = True
                sub = op.subscription
                keys = json.dumps([sub.p256dh, sub.auth, sub.format])
                arguments += ["add", sub.endpoint, keys]
            elif isinstance(op, RemoveSubscription):
                arguments += ["remove", op.endpoint]
            else:
                raise TypeError(f"no operation {op!r} of an account's subscriptions")
        reply = await self.calls.eval(APPLY, account, *arguments)
        if not int(reply[0]):
            if reply[1] == b"gone":
                raise PremiseFailedError(None, registered)
            failed = fewer if reply[1] == b"fewer" else subscribed
            flat = reply[2]
            pairs = zip(flat[::2], flat[1::2], strict=True)
            now = [_subscription(endpoint, keys) for endpoint, keys in pairs]
            raise PremiseFailedError(now, failed)
        if added and self._known is not None:  # looked for here at once
            self._known = self._known | {account}

    async def of(self, accounts: Sequence[str]) -> dict[str, list[Subscription]]:
        if not accounts:
            return {}
        found = await self.calls.eval(OF, *accounts)
        kept: dict[str, list[Subscription]] = {}
        for account, flat in zip(found[::2], found[1::2], strict=True):
            kept[account.decode()] = [
                _subscription(endpoint, keys)
                for endpoint, keys in zip(flat[::2], flat[1::2], strict=True)
            ]
        return kept

    def subscribers(self) -> frozenset[str] | None:
        """This node's copy of who keeps subscriptions (None before it was
        first read: :meth:`of` is then asked), checked again in the
        background once it is :data:`REFRESH` seconds old."""
        if not self._reading and self.calls.clock.seconds() - self._checked >= REFRESH:
            self._reading = True
            reading = defer.ensureDeferred(self._read_subscribers())
            reading.addErrback(self._read_failed)
        return self._known

    async def _read_subscribers(self) -> None:
        try:
            found = await self.calls.eval(SUBSCRIBERS, self._version)
        finally:
            self._reading = False
            self._checked = self.calls.clock.seconds()
        version = found[0] if isinstance(found[0], bytes) else str(found[0]).encode()
        if version != self._version or self._known is None:
            self._known = frozenset(account.decode() for account in found[1:])
            self._version = version

    def _read_failed(self, failure: Failure) -> None:
        # Redis out of reach (UNAVAILABLE): the copy stays as it was.
        if not failure.check(ChatError):
            self.log.failure("who keeps push subscriptions", failure)
