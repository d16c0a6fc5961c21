"""News of watched names for every node: the Redis :class:`WatchSteps`.

One channel, ``P watch``, carries every
:class:`~chatroom.core.model.events.Watched` of the cluster in its encoding
(:mod:`chatroom.core.model.codec`), whatever the name (not a channel per nick):

- a name coming online or going offline is published by the script that
  changes ``P users``, in the same step: ``CLAIM`` (a first name; a rename
  is the old name offline, the new one online), ``unname`` in the prelude
  (a release, a takeover, ``/kill``, a server ban, and the harvest of a
  node that died, whose users' watchers hear they went), ``RESUME`` (a
  name a returning node takes back after it was freed);
- away, realname and account news is published by the user's node
  (:data:`TELL`), once its rooms have it.

A node subscribes to the channel only while it has listeners (its IRC
door has ``MONITOR`` watchers), and on every resume if it still has; each
message costs Redis one ``PUBLISH``, written once to each subscribed node.
"""

from __future__ import annotations

from twisted.logger import Logger

from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.encoded import decoded
from chatroom.backends.redis.prelude import Script
from chatroom.core.model import codec
from chatroom.core.model.errors import ChatError
from chatroom.core.model.events import Watched
from chatroom.core.server.watching import Listener, Listeners

#: Operands: news. ``news`` (a Watched, encoded) to every node listening.
TELL = Script("watch-tell")


class RedisWatching(Listeners):
    """A node's listeners, and its subscription to the cluster's news."""

    log = Logger()

    def __init__(self, calls: RedisCalls, prefix: str) -> None:
        super().__init__()
        self.calls = calls
        self.channel = f"{prefix}watch".encode()
        self.subscribed = False

    async def follow(self, listener: Listener, following: bool) -> None:
        if not self.add(listener, following):
            return
        if following and not self.subscribed:
            self.subscribed = True
            try:
                await self.calls.subscribe(self.channel)
            except ChatError:
                self.subscribed = False  # the resume subscribes, if still wanted
        elif not following and self.subscribed:
            self.subscribed = False
            self.calls.unsubscribe(self.channel)

    async def tell(self, news: Watched) -> None:
        await self.calls.eval(TELL, {"news": codec.encode(news)})

    def channels(self) -> list[bytes]:
        """What a resume subscribes to: the channel, while there are listeners."""
        self.subscribed = bool(self.each)
        return [self.channel] if self.each else []

    def lost(self) -> None:
        """The subscriber link dropped: the resume subscribes again."""
        self.subscribed = False

    def on_message(self, data: bytes) -> None:
        """One message of the channel: news for the listeners."""
        if (news := decoded(data, Watched)) is not None:
            self.hear(news)
