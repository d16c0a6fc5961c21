"""The OpenID provider: its discovery, its keys, the code flow's exchange
and the checks of its tokens, behind :class:`chatroom.core.accounts.oidc.Provider`.

``--oidc-issuer URL`` names the provider; its endpoints come from
``URL/.well-known/openid-configuration`` (OpenID Connect Discovery), read
at the first sign-in and again after a failure. ``--oidc-client-id`` and
``--oidc-client-secret-file`` are the server's registration there
(confidential client; the secret goes as HTTP Basic, or in the form when
the provider takes only ``client_secret_post``).

The protocol's checks are joserfc's (the JOSE library of Authlib's
author, typed, on ``cryptography``): a token's signature against the
provider's JWKS (fetched again once when a token names a key not yet
seen, as providers rotate theirs), then its claims with
:class:`joserfc.jwt.JWTClaimsRegistry` on the server's clock:

- the ID token (the web page's code flow): ``iss`` the issuer, ``aud``
  the client id, ``exp`` not past, ``nonce`` the flow's;
- an access token (IRC's SASL ``OAUTHBEARER``): a JWT (RFC 9068, as
  Keycloak, Authentik and oidc-provider issue them) whose ``iss`` is the
  issuer, ``exp`` not past, and made for this server: its ``client_id``
  or ``azp`` is the client id, or ``aud`` names it.

The flow (:meth:`OidcProvider.start`, :meth:`OidcProvider.finish`) is the
authorization code flow with PKCE (S256), ``state`` and ``nonce``; what
the browser keeps in between (the three of them) is sealed with a key
derived from the client secret (:func:`chatroom.core.accounts.oidc.seal`), so any
node of a cluster finishes a flow another started, and keeps nothing.

Nothing here logs a code, a token, a verifier or the secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from io import BytesIO
from typing import Any
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.errors import ClaimError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet, KeySetSerialization
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.web.client import Agent, FileBodyProducer, HTTPConnectionPool
from twisted.web.http_headers import Headers
from twisted.web.iweb import IAgent

from chatroom.core.accounts.oidc import OidcSignIn, ProviderClaims, seal, unsealed
from chatroom.core.model import errors
from chatroom.core.registry import Registry
from chatroom.wiring.linkfetch import BoundedBody
from chatroom.wiring.oidc import OidcSettings

#: Seconds a request to the provider has (discovery, keys, the exchange).
TIMEOUT = 10.0
#: Seconds a browser has to come back from the provider.
FLOW_SECONDS = 600
#: The most of a provider's answer read (its keys, a token's answer).
MOST_READ = 256 * 1024
#: The signatures taken (asymmetric only: a shared-secret one would let
#: anyone who knows the client secret make tokens).
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"]
#: Seconds of clock skew allowed between the provider and this server.
LEEWAY = 60


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class OidcProvider:
    """The provider's endpoints, keys and checks (:class:`~chatroom.core.
    oidc.Provider`), on the reactor."""

    def __init__(
        self, settings: OidcSettings, clock: IReactorTime, agent: IAgent
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.agent = agent
        #: The discovery document, once read.
        self.metadata: dict[str, Any] | None = None
        self.keys: KeySet | None = None
        self.flow_key = settings.key(b"chatroom oidc flow")

    @classmethod
    def on(cls, settings: OidcSettings, reactor: Any) -> OidcProvider:
        """The provider reached from ``reactor``, its connections kept for
        the next request (one host, a few requests a sign-in)."""
        return cls(settings, reactor, Agent(reactor, pool=HTTPConnectionPool(reactor)))

    # -- the flow --------------------------------------------------------------

    async def start(self, redirect_uri: str) -> tuple[str, str]:
        metadata = await self._metadata()
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        verifier = secrets.token_urlsafe(48)
        challenge = _b64(hashlib.sha256(verifier.encode()).digest())
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.settings.client_id,
                "redirect_uri": redirect_uri,
                "scope": "openid profile email",
                "state": state,
                "nonce": nonce,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
        endpoint = str(metadata["authorization_endpoint"])
        joiner = "&" if "?" in endpoint else "?"
        until = self.clock.seconds() + FLOW_SECONDS
        kept = seal(self.flow_key, [state, nonce, verifier], until)
        return f"{endpoint}{joiner}{query}", kept

    async def finish(
        self, code: str, state: str, kept: str, redirect_uri: str, iss: str = ""
    ) -> ProviderClaims:
        try:
            expected, nonce, verifier = unsealed(
                self.flow_key, kept, self.clock.seconds()
            )
        except ValueError as problem:
            raise errors.bad_token(f"the sign-in's cookie is {problem}") from None
        if not code or not hmac.compare_digest(state, expected):
            raise errors.bad_token("the provider's answer is not this sign-in's")
        metadata = await self._metadata()
        # RFC 9207: an answer naming another issuer is a mix-up attack's
        # (another provider's code sent here); one that names none is
        # refused when this provider says it always does.
        said = metadata.get("authorization_response_iss_parameter_supported")
        if (iss or said is True) and iss != self.settings.issuer:
            raise errors.bad_token("the answer names another issuer")
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        }
        answer = await self._token_request(str(metadata["token_endpoint"]), form)
        id_token = answer.get("id_token")
        if not isinstance(id_token, str):
            raise errors.bad_token("the provider gave no ID token")
        claims = await self._verified(id_token)
        registry = jwt.JWTClaimsRegistry(
            now=self._now,
            leeway=LEEWAY,
            iss={"essential": True, "value": self.settings.issuer},
            aud={"essential": True, "value": self.settings.client_id},
            exp={"essential": True},
            sub={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        return self._claims(registry, claims)

    async def access_token_claims(self, token: str) -> ProviderClaims:
        claims = await self._verified(token)
        client = self.settings.client_id
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if client not in (claims.get("client_id"), claims.get("azp"), *audiences):
            raise errors.bad_token("the token was not issued for this server")
        registry = jwt.JWTClaimsRegistry(
            now=self._now,
            leeway=LEEWAY,
            iss={"essential": True, "value": self.settings.issuer},
            exp={"essential": True},
            sub={"essential": True},
        )
        return self._claims(registry, claims)

    def _claims(
        self, registry: jwt.JWTClaimsRegistry, claims: dict[str, Any]
    ) -> ProviderClaims:
        try:
            registry.validate(claims)
        except ClaimError as problem:
            raise errors.bad_token(
                f"the token's {problem.claim} does not hold"
            ) from None
        except JoseError:
            raise errors.bad_token("the token's claims do not hold") from None
        username = claims.get(self.settings.username_claim)
        return ProviderClaims(
            self.settings.issuer,
            str(claims["sub"]),
            username if isinstance(username, str) else "",
        )

    def _now(self) -> int:
        return int(self.clock.seconds())

    # -- the provider's documents ------------------------------------------------

    async def _metadata(self) -> dict[str, Any]:
        if self.metadata is None:
            issuer = self.settings.issuer.rstrip("/")  # Authentik's ends in /
            url = f"{issuer}/.well-known/openid-configuration"
            found = await self._get_json(url)
            if found.get("issuer") != self.settings.issuer:
                raise errors.bad_token("the provider names another issuer")
            self.metadata = found
        return self.metadata

    async def _verified(self, token: str) -> dict[str, Any]:
        """``token``'s claims once its signature is the provider's (its keys
        read again once if it names one not seen)."""
        for fresh in (False, True):
            keys = await self._keys(fresh)
            try:
                return dict(jwt.decode(token, keys, algorithms=ALGORITHMS).claims)
            except InvalidKeyIdError:  # no such key: maybe a new one
                if fresh:
                    raise errors.bad_token("not signed by the provider") from None
            except (JoseError, ValueError):
                raise errors.bad_token("not signed by the provider") from None
        raise errors.bad_token("not signed by the provider")

    async def _keys(self, fresh: bool) -> KeySet:
        if self.keys is None or fresh:
            metadata = await self._metadata()
            found = await self._get_json(str(metadata["jwks_uri"]))
            self.keys = KeySet.import_key_set(KeySetSerialization(keys=found["keys"]))
        return self.keys

    async def _get_json(self, url: str) -> dict[str, Any]:
        return await self._request(b"GET", url, Headers(), None)

    async def _token_request(self, url: str, form: dict[str, str]) -> dict[str, Any]:
        assert self.metadata is not None
        headers = Headers({b"content-type": [b"application/x-www-form-urlencoded"]})
        methods = self.metadata.get("token_endpoint_auth_methods_supported") or [
            "client_secret_basic"
        ]
        settings = self.settings
        if "client_secret_basic" in methods:
            pair = f"{_form(settings.client_id)}:{_form(settings.client_secret)}"
            basic = base64.b64encode(pair.encode()).decode()
            headers.addRawHeader(b"authorization", f"Basic {basic}".encode())
        else:
            form = form | {
                "client_id": settings.client_id,
                "client_secret": settings.client_secret,
            }
        return await self._request(b"POST", url, headers, urlencode(form).encode())

    async def _request(
        self, method: bytes, url: str, headers: Headers, body: bytes | None
    ) -> dict[str, Any]:
        """One request to the provider, its JSON answer; ``BAD_TOKEN``
        saying which part failed (never what was sent)."""
        headers.addRawHeader(b"accept", b"application/json")
        producer = FileBodyProducer(BytesIO(body)) if body is not None else None
        asked: Deferred[Any] = self.agent.request(
            method, url.encode(), headers, producer
        )
        asked.addTimeout(TIMEOUT, self.clock)
        try:
            response = await asked
            reading = BoundedBody(MOST_READ)
            response.deliverBody(reading)
            data = await reading.done.addTimeout(TIMEOUT, self.clock)
        except Exception as problem:
            self.metadata = None  # read again next time
            raise errors.bad_token(
                f"the provider cannot be reached ({type(problem).__name__})"
            ) from None
        if response.code != 200:
            raise errors.bad_token(f"the provider answered {response.code}")
        try:
            found = json.loads(data)
        except ValueError:
            raise errors.bad_token("the provider's answer is not JSON") from None
        if not isinstance(found, dict):
            raise errors.bad_token("the provider's answer is not JSON")
        return found


def _form(text: str) -> str:
    """RFC 6749 2.3.1: the id and secret form-encoded inside Basic."""
    return urlencode({"": text})[1:]


def oidc_sign_in(
    settings: OidcSettings, registry: Registry, reactor: Any
) -> OidcSignIn:
    """The core's sign-ins through the provider ``settings`` name, on the
    registry's accounts; its tickets signed with a key derived from the
    client secret (every node's the same)."""
    return OidcSignIn(
        registry.accounts.store,
        registry.accounts.bans,
        registry.accounts.apply,
        reactor,
        settings.name,
        settings.key(b"chatroom sign-in tickets"),
        OidcProvider.on(settings, reactor),
    )
