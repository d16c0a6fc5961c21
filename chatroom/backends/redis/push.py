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
from chatroom.core.model.changes.base import DecidedChange, PremiseFailedError, applies
from chatroom.core.model.changes.push import AccountPush, AddSubscription
from chatroom.core.model.errors import ChatError
from chatroom.core.model.subscription import Subscription

#: Operands: made (a new key). The kept key (the new one if there was none).
SERVER_KEY = Script("push-server-key")

#: Operands: ``change`` (an account's subscriptions': a subscription kept,
#: moved from the account that kept its endpoint, forgotten, or every one
#: forgotten; resting on the account being registered, keeping fewer than
#: the most, keeping one at an endpoint, an endpoint kept by whom as
#: read), ``keys`` (each subscription kept's keys as the account's hash
#: keeps them, JSON, one for each operation). ``{'OK'}`` once applied;
#: ``{'CHANGED', the failed premise's place, subscriptions}`` (the
#: account's hash flattened, as HGETALL), and nothing is written.
APPLY = Script("push-apply", subjects=(AccountPush,))

#: Operands: accounts. For each account keeping any: account, then its
#: hash's fields and values flattened (as HGETALL), as one entry each.
OF = Script("push-of")

#: Operands: endpoint. The account keeping a subscription there ('': none).
OWNER = Script("push-owner")

#: Operands: version (the count of changes the node's copy was read at; ""
#: for none). The count, then (only if it moved) every account keeping a
#: subscription. Subscriptions kept before the set existed are gathered
#: into it once.
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
        kept: bytes = await self.calls.eval(SERVER_KEY, {"made": made})
        return kept.decode()

    @applies(AccountPush)
    async def apply(self, change: DecidedChange) -> None:
        """One :data:`APPLY`: the change's premises checked and its
        operations stored there, or :class:`~chatroom.core.model.changes.
        base.PremiseFailedError` with the account's subscriptions as the
        script found them."""
        assert isinstance(change.subject, AccountPush)
        keys = [
            json.dumps(
                [op.subscription.p256dh, op.subscription.auth, op.subscription.format]
            )
            if isinstance(op, AddSubscription)
            else ""
            for op in change.ops
        ]
        reply = await self.calls.eval(APPLY, {"change": change, "keys": keys})
        if reply[0] != b"OK":
            failed = change.premises[int(reply[1]) - 1]
            flat = reply[2]
            pairs = zip(flat[::2], flat[1::2], strict=True)
            now = [_subscription(endpoint, keys) for endpoint, keys in pairs]
            raise PremiseFailedError(now, failed)
        if keys and any(keys) and self._known is not None:  # looked for here at once
            self._known = self._known | {change.subject.account}

    async def of(self, accounts: Sequence[str]) -> dict[str, list[Subscription]]:
        if not accounts:
            return {}
        found = await self.calls.eval(OF, {"accounts": list(accounts)})
        kept: dict[str, list[Subscription]] = {}
        for account, flat in zip(found[::2], found[1::2], strict=True):
            kept[account.decode()] = [
                _subscription(endpoint, keys)
                for endpoint, keys in zip(flat[::2], flat[1::2], strict=True)
            ]
        return kept

    async def owner(self, endpoint: str) -> str:
        found: bytes = await self.calls.eval(OWNER, {"endpoint": endpoint})
        return found.decode()

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
            found = await self.calls.eval(SUBSCRIBERS, {"version": self._version})
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
