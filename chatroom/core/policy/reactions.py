"""Reactions to a message (``/react``, ``/unreact``): their rules and their state.

The rules (what a reaction may be, how many a message may have, what
reacting twice does) are decided here once (:func:`decide`), on the
:class:`ReactionFacts` a back-end reads; the state (which user reacted to
which message with what) is each back-end's, changed atomically where it
lives, as a :class:`~chatroom.core.model.changes.base.DecidedChange` resting on the
facts as read: :class:`Reactions` in one process (rebuilt from the store
at start-up), a hash per room in Redis
(:mod:`chatroom.backends.redis.life_scripts`).
"""

from __future__ import annotations

from dataclasses import dataclass

from chatroom.core.model import errors
from chatroom.core.model.events import Reaction
from chatroom.core.model.text import has_control_characters, name_key

#: Most bytes (UTF-8) of one reaction: an emoji sequence with modifiers fits.
REACTION_MAX_BYTES = 32

#: Most distinct reactions one message may carry.
REACTIONS_PER_MESSAGE = 20

#: Changes between two prunings of the reactions to messages no longer kept
#: (a room's oldest go as it keeps only ``--retention`` events): the state
#: stays bounded without a pass over it on every reaction.
PRUNE_EVERY = 1000

#: A change was made: its ``REACT``/``UNREACT`` is stored and published.
CHANGED = "changed"
#: Nothing to change (reacting twice, taking back what was never given).
UNCHANGED = "same"
#: The message already has :data:`REACTIONS_PER_MESSAGE` other reactions.
FULL = "full"


@dataclass(frozen=True)
class ReactionFacts:
    """What a reaction to a message is decided on: whether its user gave
    it already (``mine``), whether anyone did (``given``), and how many
    distinct reactions the message carries (``distinct``)."""

    mine: bool
    given: bool
    distinct: int


def decide(facts: ReactionFacts, adding: bool, limit: int) -> str:
    """What reacting (``adding``) or taking a reaction back does: nothing
    twice (:data:`UNCHANGED`), no reaction past ``limit`` distinct ones
    (:data:`FULL`), else :data:`CHANGED`."""
    if not adding:
        return CHANGED if facts.mine else UNCHANGED
    if facts.mine:
        return UNCHANGED
    if not facts.given and facts.distinct >= limit:
        return FULL
    return CHANGED


def check_reaction(reaction: str) -> None:
    """A reaction is 1 to 32 bytes with no spaces or control characters."""
    if (
        not reaction
        or len(reaction.encode("utf-8")) > REACTION_MAX_BYTES
        or any(char.isspace() for char in reaction)
        or has_control_characters(reaction)
    ):
        raise errors.bad_args(
            f"a reaction is 1 to {REACTION_MAX_BYTES} bytes, "
            "without spaces or control characters"
        )


def refuse_full() -> errors.ChatError:
    """The reply to a reaction that would be one too many."""
    return errors.bad_args(
        f"a message has at most {REACTIONS_PER_MESSAGE} different reactions"
    )


class Reactions:
    """Who reacted to which message with what, in one process.

    ``of[message id][reaction]`` is the set of the name keys of the users
    who reacted so; a reaction nobody holds any more is gone, so the
    number of keys is the message's number of distinct reactions.
    """

    __slots__ = ("changes", "of")

    def __init__(self) -> None:
        self.of: dict[str, dict[str, set[str]]] = {}
        #: Changes made so far (when to prune).
        self.changes = 0

    def facts(self, target: str, reaction: str, user: str) -> ReactionFacts:
        """What a reaction of ``user`` (a name key) to message ``target`` is
        decided on."""
        on_message = self.of.get(target, {})
        users = on_message.get(reaction, ())
        return ReactionFacts(user in users, bool(users), len(on_message))

    def apply(self, target: str, reaction: str, user: str, adding: bool) -> None:
        """``user`` (a name key) gives ``reaction`` to message ``target``
        (``adding``), or takes it back: as decided, nothing checked."""
        on_message = self.of.setdefault(target, {})
        users = on_message.setdefault(reaction, set())
        if adding:
            users.add(user)
        else:
            users.discard(user)
            if not users:
                del on_message[reaction]
        if not on_message:
            del self.of[target]
        self.changes += 1

    def replay(self, event: Reaction) -> None:
        """A stored reaction (or its taking back) read back at start-up."""
        self.apply(event.target, event.reaction, name_key(event.user), event.adding)

    def forget(self, target: str) -> None:
        """Message ``target`` is gone (redacted), with its reactions."""
        self.of.pop(target, None)

    def prune(self, first: int) -> None:
        """Messages before id ``first`` are no longer kept, nor their reactions."""
        for target in [target for target in self.of if int(target) < first]:
            del self.of[target]
