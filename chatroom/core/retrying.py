"""Deciding again when the facts change under a decision: bounded retries.

A decision on a room's facts (topic, deletion, moderation, a message's
life) reads the facts, applies the rule, and asks the back-end to apply
the outcome *if the facts still hold*; when they changed meanwhile
(another node acted first, :class:`~chatroom.core.backend.FactsChangedError`)
it decides again, a bounded number of times. In one process the facts
never change under a decision; in a cluster they can. The core's
decisions (:mod:`chatroom.core.services`' topics, deletions and
moderation, joins, creates and
leaves in :mod:`chatroom.core.entries`) and the Redis back-end's
membership steps of sessions' ends (:mod:`chatroom.backends.redis.backend`)
are retried here, the same way. A message is decided again as often, on the facts the
refusal brought (:class:`~chatroom.core.changes.PremiseFailedError`: no
second read), by :meth:`chatroom.core.services.messages.MessageService._append`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from chatroom.core import errors
from chatroom.core.backend import DecisionFacts, FactsChangedError
from chatroom.core.changes import DECISION_ATTEMPTS as DECISION_ATTEMPTS

Decided = TypeVar("Decided")
Applied = TypeVar("Applied")


async def retried(attempt: Callable[[], Awaitable[Applied]]) -> Applied:
    """Read, decide and apply again while what was read changes under it;
    ``UNAVAILABLE`` if it never settles."""
    for _attempt in range(DECISION_ATTEMPTS):
        try:
            return await attempt()
        except FactsChangedError:
            continue
    raise errors.unavailable()


async def decided(
    facts_of: Callable[[str, str], Awaitable[DecisionFacts]],
    room: str,
    rule: Callable[[DecisionFacts], Decided],
    apply: Callable[[DecisionFacts, Decided], Awaitable[Applied]],
    target: str = "",
) -> Applied:
    """Apply ``rule`` to the room's facts (``facts_of``: the back-end's
    read), then ``apply`` what it decided if the facts still hold; decide
    again on new facts if not."""

    async def attempt() -> Applied:
        facts = await facts_of(room, target)
        return await apply(facts, rule(facts))

    return await retried(attempt)
