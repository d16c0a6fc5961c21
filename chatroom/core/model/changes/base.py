"""A decided change: what a back-end applies, and the premises it rests on.

Every write goes one way (Synapse's ``update_membership``: read, decide,
then persist). The core reads the facts it needs from a back-end, decides
with its rules (:mod:`chatroom.core.rooms.membership`,
:mod:`chatroom.core.policy.moderation`, :mod:`chatroom.core.policy.rules`) and hands the
back-end one :class:`DecidedChange`: *what* it is about (its
:class:`Subject`: a room's seating, a room's messages, an account's
markers), the *operations* to perform there, in order, and the *premises*
they rest on: each a fact the decision read that must still be as it was
("the room is incarnation X", "fewer than N members", "the owner is O").

A back-end applies a change atomically, checking every premise first: the
local back-end on its own state (nothing changes between a read and an
apply in one process, yet the check is the same), Redis in one script. If
a premise no longer holds it applies nothing and answers
:class:`PremiseFailedError` with the facts as they are now; the core then
decides again on those, a bounded number of times
(:mod:`chatroom.core.infra.retrying`), then ``UNAVAILABLE``.

These are plain values: no callable, no rule. A back-end interprets them
and decides nothing; what a rule decided reaches it as an operand (the
``N`` of ``FewerMembersThan``, the quietness of ``AddMember``), never as
the rule. Premises and operations are named for what they say, so that one
vocabulary serves every kind of write.

Each subject's module of this package (rooms, messages, private
conversations, accounts, settings, push, files, moderation, the server)
defines its subjects, premises and operations and *declares* them
(:func:`declare`): which operations a subject admits, and which premises
may guard them. A back-end builds its dispatch from those declarations,
and the contract tests enumerate them, so a new kind of write is added in
one module and found by every reader of the vocabulary.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

#: How often a decision is made when its premises keep failing under it
#: (:mod:`chatroom.core.infra.retrying`), before ``UNAVAILABLE``.
DECISION_ATTEMPTS = 5


class FactsChangedError(Exception):
    """The facts a decision was made on changed before it was applied (the
    back-end applied nothing); the core reads and decides again."""


class PremiseFailedError(FactsChangedError):
    """A premise of a change no longer holds, and nothing was applied.

    ``facts`` are the facts as the back-end found them (of the kind the
    core reads for that decision: for a room's seating,
    :class:`~chatroom.core.model.facts.SeatingFacts`), or None when it has none
    to offer and the core must read them again. ``premise`` is the one
    that failed, when the back-end knows which (for logs and tests)."""

    def __init__(self, facts: object = None, premise: Premise | None = None) -> None:
        super().__init__(facts, premise)
        self.facts = facts
        self.premise = premise


# -- subjects: what a change is about ------------------------------------------


@dataclass(frozen=True)
class Subject:
    """What a change is about. Its leaf subclasses are the subjects, each
    declared with its operations and premises (:func:`declare`)."""


@dataclass(frozen=True)
class RoomSubject(Subject):
    """A subject about one room, ``room`` (its name key):
    :attr:`DecidedChange.room`."""

    room: str


@dataclass(frozen=True)
class AccountSubject(Subject):
    """A subject about one account, ``account`` (its name key)."""

    account: str


# -- premises and operations -----------------------------------------------------


@dataclass(frozen=True)
class Premise:
    """A fact a decision rested on. Subclasses say which."""


@dataclass(frozen=True)
class Operation:
    """One step of a change. Subclasses say which."""


# -- a change -----------------------------------------------------------------

Op = TypeVar("Op", bound=Operation)
Pr = TypeVar("Pr", bound=Premise)
AnAccount = TypeVar("AnAccount", bound=AccountSubject)


@dataclass(frozen=True)
class DecidedChange:
    """One decided change of ``subject``: ``ops`` performed in order if
    every one of ``premises`` holds, else nothing
    (:class:`PremiseFailedError`). ``about``: the users the decision was
    about (name keys), whose facts a refusal brings back."""

    subject: Subject
    premises: tuple[Premise, ...] = ()
    ops: tuple[Operation, ...] = ()
    about: tuple[str, ...] = ()

    @property
    def room(self) -> str:
        """The key of the room the change is about (a room's seating,
        messages, moderation, webhooks, pins or name; an account's markers,
        record, subscriptions or rooms are about no room)."""
        if not isinstance(self.subject, RoomSubject):
            raise TypeError(f"{self.subject!r} is about no room")
        return self.subject.room

    def of(self, kind: type[Op]) -> tuple[Op, ...]:
        """The operations of one kind, in order."""
        return tuple(op for op in self.ops if isinstance(op, kind))

    def premise(self, kind: type[Pr]) -> Pr | None:
        """The premise of one kind, if the change rests on one."""
        return next((p for p in self.premises if isinstance(p, kind)), None)


def account_of(change: DecidedChange, kind: type[AnAccount]) -> str:
    """The key of the account a change of ``kind`` is about (a back-end
    that applies that kind of change alone is handed no other)."""
    if not isinstance(change.subject, kind):
        raise TypeError(f"{change.subject!r} is no {kind.__name__}")
    return change.subject.account


#: The back-end's one write (:meth:`chatroom.core.backend.Backend.apply`)
#: as a service of the core is handed it: a decided change applied, or
#: :class:`PremiseFailedError` (nothing applied).
Apply = Callable[[DecidedChange], Coroutine[Any, Any, object]]


def by_nobody(
    apply: Callable[[DecidedChange], Awaitable[None]],
) -> Callable[[DecidedChange, object], Awaitable[None]]:
    """A store's own apply as one step of a back-end's
    :meth:`~chatroom.core.backend.Backend.apply`: such a change (an
    account's, a room's hooks or pins, the server's) is by no member or
    session, so the step passes the change alone. It applies the subjects
    ``apply`` does (:func:`applies`)."""

    @functools.wraps(apply)
    async def applied(change: DecidedChange, by: object) -> None:
        await apply(change)

    return applied


#: A back-end's step of a subject's changes: the change first.
Step = TypeVar("Step", bound=Callable[..., Awaitable[Any]])


def applies(*subjects: type[Subject]) -> Callable[[Step], Step]:
    """Declare that the decorated step of a back-end (a store's ``apply``,
    a back-end's own) applies the changes of ``subjects``: what
    :func:`dispatch` builds a back-end's ``apply`` from. A wrapper made with
    :func:`functools.wraps` applies what it wraps."""

    def declared(step: Step) -> Step:
        setattr(step, "applies", subjects)  # noqa: B010 (a function's own attribute)
        return step

    return declared


def dispatch(steps: Iterable[Callable[..., Awaitable[Any]]]) -> dict[type, Any]:
    """Which of ``steps`` applies each subject, from what each declares it
    applies (:func:`applies`): a back-end's ``apply`` by its change's
    subject, with no table of them kept by hand. A subject two steps apply,
    or one declared (:data:`DECLARED`) that none does, is a back-end's bug,
    raised at once (its ``apply`` would fail a user's change later)."""
    table: dict[type, Any] = {}
    for step in steps:
        for subject in getattr(step, "applies", ()):
            if subject in table:
                raise TypeError(f"two steps apply {subject.__name__}: {step!r}")
            table[subject] = step
    missing = sorted(subject.__name__ for subject in DECLARED if subject not in table)
    if missing:
        raise TypeError(f"no step applies {', '.join(missing)}")
    return table


# -- the declarations ---------------------------------------------------------


@dataclass(frozen=True)
class Declaration:
    """What a subject admits: the ``operations`` a change of it may
    perform and the ``premises`` it may rest on."""

    subject: type[Subject]
    operations: tuple[type[Operation], ...]
    premises: tuple[type[Premise], ...]


#: Every subject declared so far (each subject's module declares its own
#: when imported), by subject.
DECLARED: dict[type[Subject], Declaration] = {}


def declare(
    subject: type[Subject],
    *,
    operations: tuple[type[Operation], ...],
    premises: tuple[type[Premise], ...] = (),
) -> Declaration:
    """Declare that a change of ``subject`` performs some of
    ``operations``, resting on some of ``premises``: what each back-end's
    dispatch and the contract tests read. The kinds named are made quick
    to build (:func:`_stored_straight`): every message makes a change and
    an operation, every join about a dozen of these."""
    declaration = Declaration(subject, operations, premises)
    DECLARED[subject] = declaration
    for kind in (subject, *operations, *premises):
        _stored_straight(kind)
    return declaration


def declared_premises() -> tuple[type[Premise], ...]:
    """Every premise some declared subject rests on, once each, in the
    order they were declared."""
    return tuple(dict.fromkeys(kind for d in DECLARED.values() for kind in d.premises))


def _stored_straight(cls: type) -> None:
    """Give the frozen dataclass ``cls`` an ``__init__`` that stores its
    fields straight in the instance's dict: the generated one calls
    ``object.__setattr__`` per field. Still frozen to any other write. A
    class with a field this cannot store so (no ``init``, a factory,
    keyword-only), or given one already, keeps the one it has."""
    made = cls.__dict__.get("__init__")
    if made is None or getattr(made, "_straight", False):
        return
    fields = dataclasses.fields(cls)
    if any(
        not f.init or f.kw_only or f.default_factory is not dataclasses.MISSING
        for f in fields
    ):
        return
    params = ", ".join(
        f.name if f.default is dataclasses.MISSING else f"{f.name}=_d_{f.name}"
        for f in fields
    )
    body = "".join(f"\n    d[{f.name!r}] = {f.name}" for f in fields) or "\n    pass"
    source = f"def __init__(self, {params}):\n    d = self.__dict__{body}"
    defaults: dict[str, Any] = {
        f"_d_{f.name}": f.default
        for f in fields
        if f.default is not dataclasses.MISSING
    }
    exec(source, defaults)
    init = defaults["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__ = made.__doc__
    init._straight = True
    setattr(cls, "__init__", init)  # noqa: B010 (mypy will not have it assigned)


_stored_straight(DecidedChange)
