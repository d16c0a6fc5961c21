"""Staying signed in: a device session's token, kept where only its user
reads it.

Asked to (``--stay-signed-in``, or ``stay_signed_in = true`` in the
settings' ``[server]``), the client that signed in to an account with its
password asks the server for a device session (``/session new``,
answered ``SESSION TOKEN SECONDS``: protocol.md, *Accounts*) and keeps the
token in ``$XDG_STATE_HOME/chatroom/sessions.json`` (``~/.local/state``
when unset), by server and account, in a file only its user can read or
write (0600, in a folder of 0700). The next start with that account's
name signs in with it (``/session TOKEN``) instead of asking for the
password; the password itself is never written anywhere. The server
ends a token after weeks unused, on ``/logout`` of its device, a
password change and the account's end; the client then asks for the
password as before and forgets the token. ``/session end`` ends it by
hand.

It is a choice, off by default: whoever can read the user's files can
sign in as them until the token ends, as with a browser's.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

from chatroom.wire.names import name_key

#: The file's name in the state folder.
FILE_NAME = "sessions.json"


def default_folder(environ: Mapping[str, str] = os.environ) -> Path:
    """Where the client keeps state, by the XDG base directory rules."""
    base = environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "chatroom"


class SessionTokens:
    """The tokens kept, by server address and account (folded).

    A file that cannot be read is no tokens at all (the user signs in
    with the password); one that cannot be written loses the token, which
    the server ends after weeks unused: neither stops the client.
    """

    def __init__(self, folder: Path) -> None:
        self.path = folder / FILE_NAME

    def token(self, server: str, account: str) -> str | None:
        """The token kept for ``account`` on ``server``, if any."""
        kept = self._read().get(server, {})
        token = kept.get(name_key(account)) if isinstance(kept, dict) else None
        return token if isinstance(token, str) and token else None

    def keep(self, server: str, account: str, token: str) -> None:
        """Keep ``token`` for ``account`` on ``server``."""
        tokens = self._read()
        tokens.setdefault(server, {})[name_key(account)] = token
        self._write(tokens)

    def forget(self, server: str, account: str) -> None:
        """The token for ``account`` on ``server`` is over (ended, refused)."""
        tokens = self._read()
        if tokens.get(server, {}).pop(name_key(account), None) is not None:
            self._write({where: kept for where, kept in tokens.items() if kept})

    def _read(self) -> dict[str, dict[str, str]]:
        try:
            tokens = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(tokens, dict):
            return {}
        return {
            server: dict(kept)
            for server, kept in tokens.items()
            if isinstance(server, str) and isinstance(kept, dict)
        }

    def _write(self, tokens: dict[str, dict[str, str]]) -> None:
        """The file anew, never readable by others, not even for a moment:
        made 0600 in a 0700 folder, then moved over the old one."""
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fresh = self.path.with_suffix(".new")
            descriptor = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as output:
                os.fchmod(output.fileno(), 0o600)
                json.dump(tokens, output)
            os.replace(fresh, self.path)
        except OSError:
            return
