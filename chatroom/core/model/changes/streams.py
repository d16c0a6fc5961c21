"""A bot's event streams: their subject, premise and operations.

A bot may hold at most ``--max-devices`` of the REST API's event streams
(``GET /api/v1/events``) open at once, counted over every node
(:mod:`chatroom.core.services.streams` decides). Each open stream is one
entry of the bot's :class:`BotStreams`, named by an id the core made: one
more is opened on the premise that the bot has fewer than the limit
(:class:`FewerStreamsThan`), and a stream that ends is closed with no
premise. A back-end ties each stream to the node that opened it, so a
node's death or stop frees its streams (nothing of them outlives their
node: the local back-end keeps them in memory, Redis forgets a node's
with it).
"""

from __future__ import annotations

from dataclasses import dataclass

from chatroom.core.model.changes.base import (
    AccountSubject,
    Operation,
    Premise,
    declare,
)


@dataclass(frozen=True)
class BotStreams(AccountSubject):
    """The event streams open for the bot whose name key is ``account``."""


@dataclass(frozen=True)
class FewerStreamsThan(Premise):
    """The bot has fewer than ``count`` streams open on the live nodes: one
    more opened stays within the core's limit (``--max-devices``), however
    many are asked for at once on any node. A refusal brings no facts (the
    count is the answer: the limit is reached)."""

    count: int


@dataclass(frozen=True)
class OpenStream(Operation):
    """Stream ``stream`` (an id the core made) is open, on the node that
    applies the change."""

    stream: str


@dataclass(frozen=True)
class CloseStream(Operation):
    """Stream ``stream`` has ended (nothing if it is not open)."""

    stream: str


declare(
    BotStreams,
    operations=(OpenStream, CloseStream),
    premises=(FewerStreamsThan,),
)
