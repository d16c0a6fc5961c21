"""Account changes against the Redis back-end on a real redis-server
(``tests/backends/contracts/account_changes.py``): a premise is checked by
the script that applies the change, and a refusal brings the account as
the script found it, on which the core decides again."""

from __future__ import annotations

from tests.backends.contracts.account_changes import CONFIG, AccountChangesContract
from tests.cluster.support import RedisRegistryTestCase


class RedisAccountChangesTests(RedisRegistryTestCase, AccountChangesContract):
    """Replies come once Redis has answered."""

    config = CONFIG
