"""Reactions to a message (``/react``, ``/unreact``): their rules and their state.

The rules (what a reaction may be, how many a message may have) are
decided here once; the state (which user reacted to which message with
what) is each back-end's, changed atomically where it lives:
:class:`Reactions` in one process (kept in the room's step, rebuilt from
the store at start-up), a hash per room in Redis
(:mod:`chatroom.backends.redis.life_scripts`). Both answer a change with
one of :data:`CHANGED`, :data:`UNCHANGED` or :data:`FULL`, so the core
turns the outcome into the same reply on either.
"""

from __future__ import annotations

from chatroom.core import errors
from chatroom.core.events import Reaction
from chatroom.core.text import has_control_characters, name_key

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

    def change(
        self, target: str, reaction: str, user: str, adding: bool, limit: int
    ) -> str:
        """Add (or take back) ``user``'s ``reaction`` to message ``target``."""
        key = name_key(user)
        on_message = self.of.get(target, {})
        users = on_message.get(reaction, set())
        if adding:
            if key in users:
                return UNCHANGED
            if not users and len(on_message) >= limit:
                return FULL
            users.add(key)
            on_message[reaction] = users
            self.of[target] = on_message
            self.changes += 1
            return CHANGED
        if key not in users:
            return UNCHANGED
        users.discard(key)
        if not users:
            del on_message[reaction]
            if not on_message:
                del self.of[target]
        self.changes += 1
        return CHANGED

    def replay(self, event: Reaction) -> None:
        """A stored reaction (or its taking back) read back at start-up."""
        self.change(
            event.target, event.reaction, event.user, event.adding, limit=1 << 30
        )  # was kept

    def forget(self, target: str) -> None:
        """Message ``target`` is gone (redacted), with its reactions."""
        self.of.pop(target, None)

    def prune(self, first: int) -> None:
        """Messages before id ``first`` are no longer kept, nor their reactions."""
        for target in [target for target in self.of if int(target) < first]:
            del self.of[target]
