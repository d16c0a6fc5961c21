"""The bounds of one HTTP connection, as ``--http``'s options set them.

Apart from :mod:`chatroom.doors.web.channel`, which enforces them, so
that ``twistd chatroom``'s options can show their defaults without
loading twisted.web and the rest of the web door (which only ``--http``
does).
"""

from __future__ import annotations

from dataclasses import dataclass

from chatroom.core.rooms.webhooks import HOOK_BODY_MAX


@dataclass(frozen=True)
class HTTPLimits:
    """The bounds of one HTTP connection (``twistd chatroom --help``)."""

    #: Seconds a request's line and headers may take to arrive.
    header_timeout: float = 10.0
    #: Seconds a keep-alive connection may wait for its next request.
    idle_timeout: float = 60.0
    #: Largest request body announced that is read (no resource but the
    #: webhooks takes one).
    max_body: int = 1024
    #: Largest body of a webhook's ``POST``.
    max_hook_body: int = HOOK_BODY_MAX
    #: A Matrix homeserver's transaction (``/_matrix/app/``): up to a
    #: hundred events and a hundred ephemeral ones.
    max_transaction_body: int = 4 * 1024 * 1024
    #: Largest body of a REST API request (``/api/v1/``: 16 KiB).
    max_api_body: int = 16 * 1024
    #: Bytes of output a connection may fall behind once its buffer is full.
    sendq: int = 1024 * 1024
    #: Seconds a closing connection may take to drain before it is aborted.
    abort_after: float = 3.0
