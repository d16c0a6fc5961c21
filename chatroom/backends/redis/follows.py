"""The threads accounts follow, in Redis: the cluster's :class:`FollowStore`.

One hash per account, ``P follows:<account key>``: thread
(:func:`~chatroom.core.thread_follows.follow_key`) → ``1`` followed,
``0`` unfollowed. Every node reads and writes the same hash, so each of
an account's devices follows the same threads.
"""

from __future__ import annotations

from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.prelude import Script
from chatroom.core import changes

#: ARGV: P, account, thread, 1|0, thread, 1|0...: each thread followed
#: (1) or unfollowed (0), in order. Answers ``OK``.
APPLY = Script("follows-apply")

#: ARGV: P, account. Every thread of the account: thread, 1|0, ...
FOLLOWS = Script("follows")


class RedisFollows:
    """The threads of accounts, kept in Redis (one round trip each)."""

    def __init__(self, calls: RedisCalls) -> None:
        self.calls = calls

    async def follows(self, account: str) -> dict[str, bool]:
        flat = await self.calls.eval(FOLLOWS, account)
        return {flat[i].decode(): flat[i + 1] == b"1" for i in range(0, len(flat), 2)}

    async def apply(self, change: changes.DecidedChange) -> None:
        """One ``APPLY``: the change's follows stored, in order."""
        account = changes.account_of(change, changes.AccountThreads)
        pairs = [
            item
            for op in change.of(changes.SetFollow)
            for item in (op.thread, "1" if op.following else "0")
        ]
        await self.calls.eval(APPLY, account, *pairs)
