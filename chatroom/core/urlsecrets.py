"""The secrets URLs carry, hidden wherever a URL is written to a log.

Some of the server's addresses are capabilities: whoever holds one may use
it, with no other credential (a webhook's address posts to its room, an
export link downloads a user's archive). A log is read by more people, and
kept longer, than any of them should be, so the access log
(:func:`chatroom.doors.web.channel.access_line`) and every line of the
server's own log, text or JSON (:mod:`chatroom.wiring.logs`), pass through
:func:`without_secrets`: a URL keeps its shape, and its secret reads ``-``
(``/hooks/-``, ``/export/-``, ``?code=-``).

Where a URL carries a secret is this module's two tables, one line each:
the paths whose next segment is one (:data:`SECRET_PATHS`), and the query
parameters whose value is one (:data:`SECRET_PARAMETERS`). A new kind of
secret link (a password reset's, an invitation's) is a line added here.
"""

from __future__ import annotations

import re

from chatroom.core.exporting import EXPORT_PATH
from chatroom.core.model.hooks import HOOK_PATH

#: Paths whose next segment is a secret.
SECRET_PATHS = (
    HOOK_PATH,  # a webhook's address: posts to its room
    EXPORT_PATH,  # a user's archive, downloaded once
)

#: Query parameters whose value is a secret.
SECRET_PARAMETERS = (
    "token",  # a bearer token (an upload's, /token) written into a URL
    "access_token",  # OAuth's bearer token in a URL (RFC 6750, section 2.3)
    "id_token",  # an OpenID Connect ID token
    # an OAuth / OpenID Connect authorization code; a code the server
    # mailed, in its links (chatroom.core.services.mailbox: /email/verify, /email/reset)
    "code",
    # the OpenID Connect flow's state, which its callback carries with the code
    "state",
    "invite",  # an invitation's code, in the link that redeems it
)

#: What a secret in a path is made of: URLs' unreserved characters and
#: percent-escapes (the server's are base64url); anything else (``/``,
#: ``?``, the ``:`` a log line writes after a URL) ends it.
_IN_PATH = r"[\w\-.~%]+"
#: What a secret in a query is made of: the same, and what base64 and
#: form encoding add (``+``, ``/``, ``=``).
_IN_QUERY = r"[\w\-.~%+/=]+"

_SECRET = re.compile(
    "|".join(
        [
            *(
                rf"(?P<path{n}>{re.escape(path)}){_IN_PATH}"
                for n, path in enumerate(SECRET_PATHS)
            ),
            *(
                rf"(?P<parameter{n}>[?&;]{re.escape(name)}=){_IN_QUERY}"
                for n, name in enumerate(SECRET_PARAMETERS)
            ),
        ]
    )
)


def _hidden(found: re.Match[str]) -> str:
    """The part before the secret, and ``-`` for it."""
    return next(part for part in found.groups() if part is not None) + "-"


def without_secrets(text: str) -> str:
    """``text`` with the secret of every URL in it (see the module) read
    as ``-``; ``text`` itself when it holds none.

    Every line of the log passes here, so a line that cannot hold a
    secret (no ``=``, none of the paths: most of them) is told apart by
    substring tests alone, a tenth of the regular expression's cost.
    """
    if "=" in text or any(path in text for path in SECRET_PATHS):
        return _SECRET.sub(_hidden, text)
    return text
