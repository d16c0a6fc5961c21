"""SCRAM-SHA-256 (RFC 5802, RFC 7677): its stored keys and the server's side.

SCRAM lets a client prove it knows a password without sending it: the
server keeps, beside the Argon2id hash, a salt, an iteration count and two
keys derived from the password with PBKDF2 (``StoredKey`` and
``ServerKey``), and checks the client's proof against them with a few
HMACs. The protocol itself is ``scramp``'s (the library pg8000 uses);
this module only stores what it needs and runs it for a sign-in.

The keys are stored as RFC 5803 writes them (as PostgreSQL does)::

    SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>

(base64 each). They are a password-equivalent for SCRAM only: whoever
holds them can sign in by SCRAM as the account (not by ``PLAIN``,
``/login`` or NickServ, which check the Argon2id hash), and can guess the
password offline at the cost of PBKDF2 with :data:`SCRAM_ITERATIONS`.

Deriving them is PBKDF2, slow on purpose, so it runs on the hashing
threads (:class:`chatroom.core.infra.hashing.HashingQueue`), in the same job as
the Argon2id hash or check; checking a proof is cheap and runs in place.

``scramp`` (with asn1crypto and the rest it imports, some 2.4 MiB of every
server's memory) is loaded when SCRAM is first used, not with this module:
every server imports this one, few ever set a password or see a SCRAM
sign-in. Its refusals reach the callers as :class:`ScramError`, ours,
so that catching one loads nothing.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from functools import cache, partial
from typing import Any, cast

from chatroom.core.model.config import SCRAM_ITERATIONS

__all__ = [
    "MECHANISM",
    "SCRAM_ITERATIONS",
    "ScramError",
    "ScramExchange",
    "ScramKeys",
    "derive",
    "requested_name",
]

MECHANISM = "SCRAM-SHA-256"


class ScramError(Exception):
    """A SCRAM message refused: malformed, an authzid or channel binding
    asked for, or a wrong proof (``scramp``'s refusal, raised as ours)."""


@cache
def _scram() -> Any:
    """``scramp``'s SCRAM-SHA-256, loaded at its first use."""
    from scramp import ScramMechanism

    return ScramMechanism(MECHANISM)


def _refused(run: Any, *arguments: Any) -> Any:
    """``run(*arguments)``, a refusal of ``scramp``'s raised as
    :class:`ScramError`."""
    from scramp import ScramException as Refused

    try:
        return run(*arguments)
    except Refused as refusal:
        raise ScramError(str(refusal)) from refusal


@dataclass(frozen=True)
class ScramKeys:
    """An account's SCRAM credentials (what ``scramp``'s ``auth_fn`` returns)."""

    salt: bytes
    stored_key: bytes
    server_key: bytes
    iterations: int

    def encode(self) -> str:
        """RFC 5803's form, as stored."""
        b64 = _b64
        return (
            f"{MECHANISM}${self.iterations}:{b64(self.salt)}"
            f"${b64(self.stored_key)}:{b64(self.server_key)}"
        )

    @classmethod
    def decode(cls, stored: str) -> ScramKeys | None:
        """The keys in ``stored``; None if there are none (or not ours)."""
        try:
            mechanism, counted, keys = stored.split("$")
            iterations, salt = counted.split(":")
            stored_key, server_key = keys.split(":")
            if mechanism != MECHANISM:
                return None
            return cls(
                base64.b64decode(salt, validate=True),
                base64.b64decode(stored_key, validate=True),
                base64.b64decode(server_key, validate=True),
                int(iterations),
            )
        except (ValueError, binascii.Error):
            return None


def derive(password: str, iterations: int = SCRAM_ITERATIONS) -> str:
    """The stored form of ``password``'s keys, with a fresh salt; on a
    hashing thread. "" for a password SASLprep (RFC 4013) refuses, such as
    one with control characters: that account signs in by ``PLAIN`` only."""
    try:
        salt, stored_key, server_key, count = _refused(
            partial(_scram().make_auth_info, iteration_count=iterations), password
        )
    except ScramError:
        return ""
    return ScramKeys(salt, stored_key, server_key, count).encode()


def requested_name(client_first: str) -> str:
    """The name in a client-first message, as ``scramp`` parses it (the
    ``n=`` attribute, unescaped and SASLprepped), before the account's keys
    are looked up: ``scramp`` asks for them by a call that cannot wait.

    Raises:
        ScramError: a malformed message, an authzid, channel binding.
    """
    names: list[str] = []

    def capture(name: object) -> tuple[bytes, bytes, bytes, int]:
        names.append(str(name))
        # Stand-ins of the right shape: this exchange goes no further.
        return bytes(16), bytes(32), bytes(32), 4096

    _refused(_scram().make_server(capture).set_client_first, client_first)
    return names[0]


class ScramExchange:
    """The server's side of one exchange, for an account with ``keys``."""

    def __init__(self, keys: ScramKeys) -> None:
        def credentials(name: object) -> tuple[bytes, bytes, bytes, int]:
            return keys.salt, keys.stored_key, keys.server_key, keys.iterations

        self._server: Any = _scram().make_server(credentials)

    def server_first(self, client_first: str) -> str:
        """The salt, the iteration count and the joined nonce.

        Raises:
            ScramError: a malformed message.
        """
        _refused(self._server.set_client_first, client_first)
        return cast(str, _refused(self._server.get_server_first))

    def server_final(self, client_final: str) -> str:
        """The server's signature, once the client's proof is right.

        Raises:
            ScramError: a wrong proof (a wrong password) or a
                malformed message.
        """
        _refused(self._server.set_client_final, client_final)
        return cast(str, _refused(self._server.get_server_final))


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
