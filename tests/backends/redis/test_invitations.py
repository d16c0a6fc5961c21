"""Invitations against the Redis back-end on a real redis-server
(``tests/backends/contracts/invitations.py``): an invitation's premise is
checked by the script that keeps it."""

from __future__ import annotations

from tests.backends.contracts.invitations import (
    CLOSED,
    INVITE,
    ClosedContract,
    InvitationsContract,
)
from tests.cluster.support import RedisRegistryTestCase


class RedisInvitationsTests(RedisRegistryTestCase, InvitationsContract):
    """Replies come once Redis has answered."""

    config = INVITE


class RedisClosedTests(RedisRegistryTestCase, ClosedContract):
    config = CLOSED
