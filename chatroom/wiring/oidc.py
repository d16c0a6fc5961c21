"""The OpenID provider's options: ``--oidc-issuer`` and its companions.

``--oidc-issuer URL`` names the provider (its endpoints are read from
``URL/.well-known/openid-configuration``); ``--oidc-client-id`` and
``--oidc-client-secret-file`` are the server's registration there;
``--oidc-name`` the button's words; ``--oidc-username-claim`` the claim a
new account is named from; ``--oidc-only`` turns ``/register`` off.
Checked at start, each mistake one line; the provider itself (discovery,
keys, the flow, the tokens' checks) is :mod:`chatroom.wiring.oidc_provider`,
loaded only when ``--oidc-issuer`` is given.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from twisted.python import usage

#: The button's words when ``--oidc-name`` says none.
DEFAULT_NAME = "SSO"

#: ``twistd chatroom``'s options for the provider.
OIDC_OPTIONS: list[list[Any]] = [
    [
        "oidc-issuer",
        None,
        None,
        "An OpenID Connect provider's issuer URL (its endpoints are read from "
        "URL/.well-known/openid-configuration): the web page offers "
        '"Sign in with --oidc-name", and IRC takes its tokens (SASL OAUTHBEARER).',
    ],
    ["oidc-client-id", None, None, "This server's client id at --oidc-issuer."],
    [
        "oidc-client-secret-file",
        None,
        None,
        "A file whose first line is the client secret at --oidc-issuer.",
    ],
    [
        "oidc-name",
        None,
        None,
        "The provider's name on the web page's button, e.g. \"Example SSO\" "
        f"(default {DEFAULT_NAME!r}).",
    ],
    [
        "oidc-username-claim",
        None,
        "preferred_username",
        "The claim a new account is named from (a free variant if it is taken).",
    ],
]

#: ``twistd chatroom``'s flags for the provider.
OIDC_FLAGS: list[list[Any]] = [
    [
        "oidc-only",
        None,
        "Accounts are made by signing in with --oidc-issuer only: /register is off.",
    ],
]


@dataclass(frozen=True)
class OidcSettings:
    """The provider as the options name it."""

    issuer: str
    client_id: str
    client_secret: str
    name: str
    username_claim: str

    def key(self, purpose: bytes) -> bytes:
        """A key for ``purpose``, derived from the client secret: the same
        on every node, unknown to anyone without the secret."""
        return hmac.new(self.client_secret.encode(), purpose, hashlib.sha256).digest()


def check_oidc(options: Any) -> None:
    """``--oidc-*``, checked at start (one line each): ``options.oidc`` the
    settings, or None."""
    issuer = options["oidc-issuer"]
    options["oidc-name"] = options["oidc-name"] or (DEFAULT_NAME if issuer else "")
    if issuer is None:
        if options["oidc-client-id"] or options["oidc-client-secret-file"]:
            raise usage.UsageError(
                "--oidc-client-id, --oidc-client-secret-file: need --oidc-issuer"
            )
        if options["oidc-only"]:
            raise usage.UsageError("--oidc-only: needs --oidc-issuer")
        options.oidc = None
        return
    if not issuer.startswith(("https://", "http://")):
        raise usage.UsageError("--oidc-issuer: must start with https:// or http://")
    if not options["oidc-client-id"]:
        raise usage.UsageError("--oidc-issuer: needs --oidc-client-id")
    if options["oidc-client-secret-file"] is None:
        raise usage.UsageError("--oidc-issuer: needs --oidc-client-secret-file")
    try:
        with open(options["oidc-client-secret-file"], encoding="utf-8") as file:
            secret = file.readline().strip()
    except OSError as problem:
        raise usage.UsageError(
            f"--oidc-client-secret-file: {problem.strerror}"
        ) from None
    if not secret:
        raise usage.UsageError("--oidc-client-secret-file: the file is empty")
    if options["http"] is None:
        raise usage.UsageError("--oidc-issuer: needs --http (its callback is there)")
    options.oidc = OidcSettings(
        issuer,
        options["oidc-client-id"],
        secret,
        options["oidc-name"],
        options["oidc-username-claim"],
    )
