"""How many rooms one user may make in an hour (``--rooms-per-hour``).

Without it one IRC connection with a few ``JOIN #h0,#h1,...`` lines made a
thousand rooms in seconds and locked everyone out of making any
(``--max-rooms``, issue 21). A user is its account when signed in (a new
name does not escape it), else its name; server admins are not counted.
Counted by the core on its injected clock, so every door and both
back-ends refuse the same way (``TOO_MANY_ROOMS``, which the IRC door
answers ``405``); in a cluster each node counts the users it serves.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from twisted.internet.interfaces import IReactorTime

from chatroom.core.infra.throttle import WindowLimit
from chatroom.core.model import errors
from chatroom.core.policy.moderation import Actor

T = TypeVar("T")

#: The window ``--rooms-per-hour`` counts over, in seconds.
HOUR = 3600.0


class CreationLimit:
    """At most ``per_hour`` rooms made by one user in any hour (0: no limit)."""

    def __init__(self, clock: IReactorTime, per_hour: int) -> None:
        self.per_hour = per_hour
        self.window = WindowLimit(clock, per_hour, HOUR)

    async def making(self, actor: Actor, make: Callable[[], Awaitable[T]]) -> T:
        """Run ``make`` if ``actor`` may make one more room now, and answer
        what it answers; a refused ``make`` is not counted."""
        if actor.admin:
            return await make()
        key = actor.account or actor.key
        wait = self.window.take(key)
        if wait:
            raise errors.too_many_created(self.per_hour, wait)
        try:
            return await make()
        except BaseException:
            self.window.give_back(key)
            raise
