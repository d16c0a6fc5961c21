"""``draft/webpush``: IRC clients subscribe to Web Push, as Ergo and soju do.

The capability ``draft/webpush`` is offered, and ``005`` carries
``VAPID=<key>`` (the server's VAPID public key, base64url) once the server
has read it. A client signed in to an account sends::

    WEBPUSH REGISTER <endpoint> <keys>
    WEBPUSH UNREGISTER <endpoint>

``<keys>`` is the subscription's keys written as message tags
(``p256dh=…;auth=…``, base64url). The server answers with the command
echoed (``:server WEBPUSH REGISTER <endpoint> <keys>``, ``:server WEBPUSH
UNREGISTER <endpoint>``), or a standard reply ``FAIL WEBPUSH <code>
<subcommand> <endpoint> :<description>`` with Ergo's codes
(``FORBIDDEN``: no account; ``INVALID_PARAMS``: a bad endpoint or keys;
``MAX_REGISTRATIONS``). Who is pushed to and when is the core's rule
(:mod:`chatroom.core.accounts.push`); what an IRC subscription is sent is the
message as an IRC line, with its ``time``, ``msgid`` and ``account`` tags
and no CR LF (:func:`push_line`), as Ergo's ``MakePushMessage`` does.
Unlike Ergo, ``REGISTER`` sends no test push first (a push service that
refuses is found out at the first real push).
"""

from __future__ import annotations

from collections.abc import Callable

from chatroom.core.accounts.push import IRC, Notice
from chatroom.core.model.errors import ChatError, SubscriptionsFullError
from chatroom.doors.irc.extensions import fail
from chatroom.doors.irc.rendering import IRCRenderer
from chatroom.doors.irc.session import IRCSession
from chatroom.doors.irc.wire import build_words
from chatroom.wire.tags import parse_tags

#: The capabilities a push line is rendered with.
_PUSH_CAPS = frozenset({"server-time", "message-tags", "account-tag"})


def vapid_token(session: IRCSession) -> list[str]:
    """``VAPID=<key>`` in ``005`` once the server knows its key."""
    key = session.server.vapid_key
    return [f"VAPID={key}"] if key else []


async def webpush(session: IRCSession, params: tuple[str, ...]) -> None:
    """``WEBPUSH REGISTER <endpoint> <keys>`` / ``UNREGISTER <endpoint>``."""
    subcommand, endpoint = params[0].upper(), params[1]
    if subcommand not in ("REGISTER", "UNREGISTER"):
        fail(
            session,
            "WEBPUSH",
            "INVALID_PARAMS",
            subcommand,
            endpoint,
            "Unknown subcommand",
        )
        return
    if not session.registry.sessions.account_of(session.member):
        text = "You must be logged in to receive push messages"
        fail(session, "WEBPUSH", "FORBIDDEN", subcommand, endpoint, text)
        return
    try:
        if subcommand == "UNREGISTER":
            await _unregister(session, endpoint)
            return
        if len(params) < 3:
            text = "Insufficient parameters for WEBPUSH REGISTER"
            fail(session, "WEBPUSH", "INVALID_PARAMS", subcommand, endpoint, text)
            return
        keys = parse_tags(params[2])
        await session.registry.users.push_subscribe(
            session.member,
            endpoint,
            keys.get("p256dh", ""),
            keys.get("auth", ""),
            IRC,
        )
    except ChatError as refused:
        full = isinstance(refused, SubscriptionsFullError)
        code = "MAX_REGISTRATIONS" if full else "INVALID_PARAMS"
        fail(session, "WEBPUSH", code, subcommand, endpoint, refused.text)
        return
    session.send(build_words(session.me, "WEBPUSH", "REGISTER", endpoint, params[2]))


async def _unregister(session: IRCSession, endpoint: str) -> None:
    """Always answered as done, as Ergo does: the endpoint is not kept."""
    try:
        await session.registry.users.push_unsubscribe(session.member, endpoint)
    except ChatError as refused:
        if refused.code != "BAD_ARGS":
            raise
    session.send(build_words(session.me, "WEBPUSH", "UNREGISTER", endpoint))


def push_line(renderer: IRCRenderer) -> Callable[[Notice], bytes]:
    """What a ``draft/webpush`` subscription is sent for a notice: the
    first line of its message as a client with ``server-time``,
    ``message-tags`` and ``account-tag`` would get it, without CR LF."""
    encoder = renderer.encoder(_PUSH_CAPS)

    def line(notice: Notice) -> bytes:
        return encoder(notice.event).split(b"\r\n", 1)[0]

    return line
