"""TURN credentials, as coturn's ``use-auth-secret`` takes them.

The TURN REST API (draft-uberti-behave-turn-rest-00, coturn's
``--use-auth-secret``): the username is ``<expiry>:<name>``, the expiry a
Unix time, and the password base64(HMAC-SHA1(secret, username)). coturn,
holding the same ``static-auth-secret``, computes the same password from
the username and refuses it once the expiry is past, so the server hands
out credentials without telling coturn anything, and a leaked pair is good
for ``--turn-ttl`` seconds at most.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import NamedTuple


class TurnCredentials(NamedTuple):
    """A username and password good until the username's expiry."""

    username: str
    password: str


def credentials(secret: str, name: str, now: float, ttl: int) -> TurnCredentials:
    """The credentials for ``name``, made at ``now`` (Unix seconds), good for
    ``ttl`` seconds, with the TURN server's shared ``secret``."""
    username = f"{int(now) + ttl}:{name}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return TurnCredentials(username, base64.b64encode(digest).decode("ascii"))
