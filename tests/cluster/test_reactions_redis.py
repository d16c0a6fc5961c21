"""Reactions, typing and the moderation log (issue 22) on a real redis-server."""

from __future__ import annotations

from tests.cluster.support import RedisRegistryTestCase
from tests.reaction_contract import REACTION_CONFIG, ReactionContract


class RedisRegistryReactionTests(RedisRegistryTestCase, ReactionContract):
    """Replies come once Redis has answered."""

    config = REACTION_CONFIG
