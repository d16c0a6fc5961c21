"""Accounts bound to an OpenID provider's subject against the Redis
back-end on a real redis-server (``tests/backends/contracts/oidc.py``):
the binding's premise is checked by the script that makes the account."""

from __future__ import annotations

from tests.backends.contracts.account_changes import CONFIG
from tests.backends.contracts.oidc import OidcContract
from tests.cluster.support import RedisRegistryTestCase


class RedisOidcTests(RedisRegistryTestCase, OidcContract):
    """Replies come once Redis has answered."""

    config = CONFIG
