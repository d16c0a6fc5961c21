"""When a client stops trying: the refusals that send it back to the name
step, and the goodbyes after which it must not reconnect by itself.

Both clients decide by these tables (the terminal client imports them, the
page reads them from ``/wire.js``), so a server that adds a refusal or a
final goodbye tells both at once, and the two never disagree on whether
to try again.
"""

from __future__ import annotations

#: ``ERR`` codes that refuse the name (or sign-in) just tried: the client
#: forgets it, says why, and asks for a name again.
SIGN_IN_REFUSALS = frozenset(
    {
        "BAD_NAME",
        "NAME_TAKEN",
        "NAME_REGISTERED",
        "ACCOUNT_REQUIRED",
        "BAD_PASSWORD",
        "NO_SUCH_ACCOUNT",
        "RATE_LIMITED",
        "BANNED",
        "BAD_ARGS",
        "NOT_ALLOWED",
        "REGISTRATION_CLOSED",
        "SERVER_CLOSED",
        "EMAIL_REQUIRED",
        "INVITE_REQUIRED",
        "BAD_TOKEN",
    }
)

#: The one goodbye after which signing in again would take the account back
#: from the other session, which would take it back in turn, for ever.
SIGNED_IN_ELSEWHERE = "signed in elsewhere"

#: How the other final goodbyes start: coming back after a kill, a server
#: ban or a blocklist would only be refused again (or be the loop an admin
#: stopped); after another device's ``/logout`` it would undo what the
#: user asked for; after a password reset the password the client kept is
#: no longer the account's, and an account removed (not verified in time)
#: is gone.
FINAL_STARTS = (
    SIGNED_IN_ELSEWHERE,
    "killed by ",
    "banned from this server",
    "signed out from ",
    "your address is listed by ",
    "password reset",
    "account removed: ",
    "bot removed by ",
)

#: ``account NAME deleted`` (``/delete-account`` on any device): its start
#: and its end.
ACCOUNT_DELETED = ("account ", " deleted")


#: ``bot removed by WHO``: a bot account removed (its connections' ``BYE``),
#: and what its rooms hear of it (``PART room NAME bot removed``).
BOT_REMOVED_BY = "bot removed by "
BOT_REMOVED = "bot removed"


def heard_in_rooms(reason: str) -> str:
    """What a session's rooms hear when it ends told ``reason``: the
    reason, but a removed bot's rooms hear only that it was removed."""
    return BOT_REMOVED if reason.startswith(BOT_REMOVED_BY) else reason


def is_final(reason: str) -> bool:
    """Whether a ``BYE`` with ``reason`` means "do not come back on your
    own"."""
    start, end = ACCOUNT_DELETED
    return reason.startswith(FINAL_STARTS) or (
        reason.startswith(start) and reason.endswith(end)
    )
