"""E-mail addresses and resets by mail against the Redis back-end on a
real redis-server (``tests/backends/contracts/mailbox.py``): a mailbox's
premise is checked by the script that applies the change."""

from __future__ import annotations

from tests.backends.contracts.account_changes import CONFIG
from tests.backends.contracts.mailbox import (
    REQUIRED,
    MailboxContract,
    RequiredEmailContract,
)
from tests.cluster.support import RedisRegistryTestCase


class RedisMailboxTests(RedisRegistryTestCase, MailboxContract):
    """Replies come once Redis has answered."""

    config = CONFIG


class RedisRequiredEmailTests(RedisRegistryTestCase, RequiredEmailContract):
    config = REQUIRED
