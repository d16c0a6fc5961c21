"""A Web Push subscription: a plain value.

A leaf module, so that a back-end keeps subscriptions, and a change
(:mod:`chatroom.core.model.changes`) carries one, without importing the rule
about pushing (:mod:`chatroom.core.accounts.push`).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

#: The payload format of a subscription: JSON (line door, web page) or the
#: IRC message (``draft/webpush``).
JSON, IRC = "json", "irc"


@dataclass(frozen=True, slots=True)
class Subscription:
    """A push service's endpoint and the subscriber's keys (base64url):
    ``p256dh`` its P-256 public key, ``auth`` its 16-byte secret."""

    endpoint: str
    p256dh: str
    auth: str
    format: str = JSON

    @property
    def origin(self) -> str:
        """What a log says of the endpoint: its scheme and host (its path
        is the subscription's secret at its push service)."""
        return origin_of(self.endpoint)


def origin_of(endpoint: str) -> str:
    """An endpoint's scheme and host (and port)."""
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"
