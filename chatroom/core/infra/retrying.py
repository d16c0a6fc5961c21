"""Deciding again when the facts change under a decision: bounded retries.

A decision on a room's facts (topic, deletion, moderation, a message's
life) reads the facts, applies the rule, and asks the back-end to apply
the outcome *if the facts still hold*; when they changed meanwhile
(another node acted first, :class:`~chatroom.core.backend.FactsChangedError`)
it decides again, a bounded number of times. In one process the facts
never change under a decision; in a cluster they can. The core's
decisions (:mod:`chatroom.core.services`' topics, deletions and
moderation, joins, creates and leaves in :mod:`chatroom.core.rooms.entries`,
sessions' ends in :mod:`chatroom.core.rooms.departures`, successions in
:mod:`chatroom.core.rooms.settling`) are retried here. A message is
decided again as often, on the facts the refusal brought
(:class:`~chatroom.core.model.changes.base.PremiseFailedError`: no second read), by
:meth:`chatroom.core.services.messages.MessageService._append`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any, TypeVar

from twisted.internet import defer

from chatroom.core.model import errors
from chatroom.core.model.changes.base import (
    DECISION_ATTEMPTS as DECISION_ATTEMPTS,
)
from chatroom.core.model.changes.base import FactsChangedError, PremiseFailedError
from chatroom.core.model.facts import DecisionFacts

Decided = TypeVar("Decided")
Read = TypeVar("Read")
Answer = TypeVar("Answer")


async def retried(attempt: Callable[[], Awaitable[Answer]]) -> Answer:
    """Read, decide and apply again while what was read changes under it;
    ``UNAVAILABLE`` if it never settles."""
    for _attempt in range(DECISION_ATTEMPTS):
        try:
            return await attempt()
        except FactsChangedError:
            continue
    raise errors.unavailable()


async def decided_again(
    facts: Read,
    decide: Callable[[Read], Decided | None],
    apply: Callable[[Decided], Awaitable[object]],
) -> None:
    """Apply the change ``decide`` makes of ``facts`` (None: nothing to
    change; most often a :class:`DecidedChange`, or the premises of a
    back-end's own step, such as a name's claim); when a premise fails,
    decide again on the facts the refusal brings
    (:class:`PremiseFailedError`, of the kind of ``facts``), a bounded
    number of times."""
    read = [facts]

    async def attempt() -> None:
        change = decide(read[0])
        if change is None:
            return
        try:
            await apply(change)
        except PremiseFailedError as failed:
            if isinstance(failed.facts, type(read[0])):
                read[0] = failed.facts
            raise

    await retried(attempt)


async def all_at_once(runs: Iterable[Coroutine[Any, Any, None]]) -> None:
    """Every one of ``runs`` at once (a room each); the first failure is
    raised, the others go on."""
    running = [defer.ensureDeferred(run) for run in runs]
    try:
        await defer.gatherResults(running, consumeErrors=True)
    except defer.FirstError as first:
        first.subFailure.raiseException()


async def decided(
    facts_of: Callable[[str, str], Awaitable[DecisionFacts]],
    room: str,
    rule: Callable[[DecisionFacts], Decided],
    apply: Callable[[DecisionFacts, Decided], Awaitable[Answer]],
    target: str = "",
) -> Answer:
    """Apply ``rule`` to the room's facts (``facts_of``: the back-end's
    read), then ``apply`` what it decided if the facts still hold; decide
    again on new facts if not."""

    async def attempt() -> Answer:
        facts = await facts_of(room, target)
        return await apply(facts, rule(facts))

    return await retried(attempt)
