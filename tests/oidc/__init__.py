"""A real OpenID provider for the tests: node-oidc-provider on 127.0.0.1.

``make oidc-provider`` installs it (npm) into ``build/oidc-provider``;
:class:`OpenIDProvider` starts ``node tests/oidc/provider.mjs`` on a free
port, with one client (``chatroom``, its secret in a file the server is
given) whose redirect URI is the chatroom server's ``/oidc/callback``.
Without node or the package, the tests are skipped with the reason (or
fail, with ``CHATROOM_REQUIRE_TOOLS``).

:func:`sign_in` runs the authorization code flow as a browser would,
without one: the provider's own sign-in form (its devInteractions: any
login, any password), the code exchanged for the tokens with PKCE, for
the tests that need a token (IRC's ``OAUTHBEARER``) and no browser.
"""

from __future__ import annotations

import base64
import hashlib
import http.cookiejar
import json
import re
import secrets
import shutil
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from tests.client.tmux import wait_for
from tests.support import free_port, require

ROOT = Path(__file__).resolve().parents[2]
#: Where ``make oidc-provider`` installs the package.
MODULE = ROOT / "build" / "oidc-provider" / "node_modules" / "oidc-provider"
CONFIG = Path(__file__).with_name("provider.mjs")
CLIENT_ID = "chatroom"
#: A redirect URI the provider takes besides the server's, for flows run
#: by the tests (never followed: the code is read off the redirect).
TEST_CALLBACK = "http://127.0.0.1/test-callback"


class OpenIDProvider:
    """oidc-provider in a node process, for one chatroom server."""

    def __init__(self, folder: Path, redirect_uri: str) -> None:
        node = shutil.which("node")
        require(node, "node", "the OpenID provider's tests")
        found = str(MODULE) if MODULE.is_dir() else None
        require(found, "oidc-provider", "the OpenID provider's tests")
        assert node is not None
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.secret = secrets.token_urlsafe(24)
        self.secret_file = folder / "oidc-secret"
        self.secret_file.write_text(self.secret + "\n")
        self.secret_file.chmod(0o600)
        self.log = (folder / "oidc-provider.log").open("wb")
        self.process = subprocess.Popen(
            [node, str(CONFIG), str(MODULE), str(self.port), redirect_uri, self.secret],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.log_path = folder / "oidc-provider.log"
        wait_for("the OpenID provider to listen", self._listening)

    def _listening(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(
                f"oidc-provider exited: {self.log_path.read_text()[-2000:]}"
            )
        return b"listening" in self.log_path.read_bytes()

    def options(self, name: str = "Example SSO") -> list[str]:
        """The server's options for this provider."""
        return [
            "--oidc-issuer",
            self.issuer,
            "--oidc-client-id",
            CLIENT_ID,
            "--oidc-client-secret-file",
            str(self.secret_file),
            "--oidc-name",
            name,
        ]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.log.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects to the test's callback are answers, not followed."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        if newurl.startswith(TEST_CALLBACK):
            raise _ArrivedError(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class _ArrivedError(Exception):
    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


def authorize(url: str, login: str) -> dict[str, str]:
    """What the provider sends the browser back with (``code``, ``state``)
    after ``login`` signs in on its form, from authorization URL ``url``
    (whose redirect URI is :data:`TEST_CALLBACK`)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(jar), _NoRedirect()
    )
    try:
        page = opener.open(url, timeout=10)
        form = page.read().decode()
        action = re.search(r'action="([^"]+)"', form)
        assert action is not None, form
        fields = urllib.parse.urlencode(
            {"prompt": "login", "login": login, "password": "any"}
        ).encode()
        opener.open(
            urllib.parse.urljoin(page.geturl(), action.group(1)), fields, timeout=10
        )
    except _ArrivedError as arrived:
        answer = urllib.parse.parse_qs(urllib.parse.urlsplit(arrived.url).query)
        return {key: values[0] for key, values in answer.items()}
    raise AssertionError("the provider never sent the browser back")


def sign_in(provider: OpenIDProvider, login: str) -> dict[str, str]:
    """The tokens the provider gives after ``login`` signs in on its form
    (the authorization code flow with PKCE, to :data:`TEST_CALLBACK`)."""
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        .rstrip(b"=")
        .decode()
    )
    query = urllib.parse.urlencode(
        {
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": TEST_CALLBACK,
            "scope": "openid profile",
            "state": "s",
            "nonce": "n",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    code = authorize(f"{provider.issuer}/auth?{query}", login)["code"]
    basic = base64.b64encode(f"{CLIENT_ID}:{provider.secret}".encode()).decode()
    request = urllib.request.Request(
        f"{provider.issuer}/token",
        urllib.parse.urlencode(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": TEST_CALLBACK,
                "code_verifier": verifier,
            }
        ).encode(),
        {"authorization": f"Basic {basic}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            tokens: dict[str, str] = json.loads(response.read())
    except urllib.error.HTTPError as refused:
        raise AssertionError(refused.read().decode()) from None
    return tokens
