"""Signing in with a real OpenID provider: node-oidc-provider (OpenID
Certified) on 127.0.0.1 (:mod:`tests.oidc`), a real ``twistd chatroom``
with ``--oidc-issuer``, headless chromium going through the provider's own
sign-in page, and IRC's SASL ``OAUTHBEARER`` with the provider's access
token, checked by the server against the provider's keys."""

from __future__ import annotations

import base64
import json
import re
import socket
import urllib.error
import urllib.request
from functools import partial

from tests.client.test_terminal import wait_for
from tests.cluster.postgres import session_postgres
from tests.integration.real_clients import (
    BrowserPage,
    LineUser,
    RealClientsCase,
    Server,
)
from tests.integration.two_nodes import (
    NODE_OPTIONS,
    require_a_cluster,
    serving,
    start_redis,
)
from tests.oidc import OpenIDProvider, sign_in
from tests.support import free_port


def through_the_provider(
    page: BrowserPage, provider: OpenIDProvider, login: str
) -> None:
    """On the name form: "Sign in with …", then ``login`` signs in on the
    provider's own page, and the chat's lobby is back."""
    page.element("oidc-button").click()
    # The title comes with the page's head, its form a moment later.
    wait_for(
        "the provider's sign-in form",
        lambda: page.driver.find_elements("css selector", "input[name=login]"),
    )
    assert page.driver.current_url.startswith(provider.issuer)
    form = page.driver.find_element("css selector", "input[name=login]")
    form.send_keys(login)
    password = page.driver.find_element("css selector", "input[name=password]")
    password.send_keys("anything")
    password.submit()
    page.wait_page("lobby")


def session_token(page: BrowserPage) -> str:
    """The device session's token the page keeps, once it has made one."""
    script = "return JSON.parse(localStorage.getItem('chatroom.session'));"
    wait_for("the device session", lambda: page.driver.execute_script(script))
    return str(page.driver.execute_script(script)["token"])


class OidcCase(RealClientsCase):
    """A provider, and a server whose callback it knows."""

    def start_servers(self) -> None:
        http_port = free_port()
        public = f"http://127.0.0.1:{http_port}"
        self.provider = OpenIDProvider(self.folder, f"{public}/oidc/callback")
        self.addCleanup(self.provider.stop)
        self.server = Server(
            self.folder,
            "--rate",
            "0",
            "--public-url",
            public,
            *self.provider.options(),
        )
        self.server.http_port = http_port
        self.server.start()
        self.addCleanup(self.server.stop)


class IRCClient(LineUser):
    """An IRC client on a blocking socket, not yet registered."""

    def __init__(self, port: int) -> None:
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.socket.settimeout(0.1)
        self.buffer = b""
        self.lines: list[str] = []

    def oauthbearer(self, nick: str, token: str, authzid: str = "") -> str:
        """``CAP LS``, then ``AUTHENTICATE OAUTHBEARER`` with ``token`` (RFC
        7628's message, in 400-byte chunks): the numeric that ends it."""
        self.send("CAP LS 302", f"NICK {nick}", f"USER {nick} 0 * :{nick}")
        self.wait(lambda line: " CAP * LS :" in line, "CAP LS")
        offered = " ".join(line for line in self.lines if " CAP * LS " in line)
        assert "sasl=PLAIN,SCRAM-SHA-256,OAUTHBEARER" in offered, offered
        self.send("CAP REQ :sasl")
        self.wait(lambda line: " ACK " in line, "the ACK")
        self.send("AUTHENTICATE OAUTHBEARER")
        self.wait(lambda line: line == "AUTHENTICATE +", "AUTHENTICATE +")
        header = f"n,a={authzid}," if authzid else "n,,"
        message = f"{header}\x01host=127.0.0.1\x01auth=Bearer {token}\x01\x01"
        encoded = base64.b64encode(message.encode()).decode()
        chunks = [encoded[at : at + 400] for at in range(0, len(encoded), 400)]
        if len(chunks[-1]) == 400:
            chunks.append("+")
        self.send(*(f"AUTHENTICATE {chunk}" for chunk in chunks))
        return self.wait(lambda line: re.search(r" 90[3-7] ", line) is not None, "90x")


class WebSignInTests(OidcCase):
    def test_sign_in_through_the_providers_page(self) -> None:
        """The page offers "Sign in with Example SSO"; clicking it goes to
        the provider's sign-in page, where alice (subject u-1001) signs in;
        back at the chat the page is signed in to account alice, made now,
        and has made a device session in place of the ticket. A reload
        signs in again (the session); the log has neither the callback's
        code and state nor the session's token; after Sign out a reload
        asks again. Another person the provider
        also calls alice (u-1002) is made alice2; the first again is alice:
        the account is the subject's, not the name's."""
        page = self.browser()
        page.driver.get(self.server.url)
        page.wait_page("username")
        wait_for("the provider's button", lambda: page.visible("oidc-button"))
        self.assertEqual(page.element("oidc-button").text, "Sign in with Example SSO")

        through_the_provider(page, self.provider, "u-1001")
        self.assertNotIn("oidc=", page.driver.current_url)  # the ticket taken off
        wait_for("signed in as alice", lambda: "alice" in page.element("whoami").text)
        # account alice exists, with no password, bound to the subject
        user = LineUser(self.server.line_port, None)
        self.addCleanup(user.close)
        user.send("/login alice anything-at-all")
        user.wait(lambda line: line.startswith("ERR BAD_PASSWORD "))

        token = session_token(page)
        page.driver.refresh()
        page.wait_page("lobby")
        wait_for("alice again", lambda: "alice" in page.element("whoami").text)
        self.assertIsNone(
            page.driver.execute_script(
                "return sessionStorage.getItem('chatroom.ticket')"
            )
        )
        log = (self.folder / "server.log").read_text()
        self.assertRegex(log, r'"GET /oidc/callback\?code=-&state=-\S* HTTP/1.1" 302')
        self.assertNotIn(token, log)

        # Sign out: a reload does not sign in again, and offers the provider
        page.element("signout-button").click()
        page.wait_page("username")
        page.driver.refresh()
        page.wait_page("username")
        wait_for("the provider's button", lambda: page.visible("oidc-button"))
        self.assertNotIn("password", page.error())

        def as_someone_else(login: str) -> str:
            """Signed out of the chat and the provider (both on 127.0.0.1:
            one host's cookies), ``login`` signs in: the name shown."""
            page.driver.execute_script("sessionStorage.clear(); localStorage.clear()")
            page.driver.delete_all_cookies()
            page.driver.get(self.server.url)
            page.wait_page("username")
            wait_for("the provider's button", lambda: page.visible("oidc-button"))
            through_the_provider(page, self.provider, login)
            wait_for("a name", lambda: "alice" in page.element("whoami").text)
            return str(page.element("whoami").text)

        self.assertIn("alice2", as_someone_else("u-1002"))
        self.assertNotIn("alice2", as_someone_else("u-1001"))

    def test_a_forged_callback_is_refused(self) -> None:
        """The callback without the flow's cookie (another browser's state,
        or a code made up) is refused, and nothing is signed in."""
        url = f"{self.server.url}oidc/callback?code=made-up&state=guessed"
        with self.assertRaises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url, timeout=10)
        self.assertEqual(refused.exception.code, 403)
        self.assertIn(b"refused", refused.exception.read())
        log = (self.folder / "server.log").read_text()
        self.assertIn('"GET /oidc/callback?code=-&state=- HTTP/1.1" 403', log)
        self.assertNotIn("made-up", log)
        self.assertNotIn("guessed", log)

    def test_an_answer_naming_another_issuer_is_refused(self) -> None:
        """RFC 9207: with this sign-in's cookie and state, a callback whose
        ``iss`` is another provider's (a mix-up attack), or that has none
        from a provider that always sends one, is refused before its code
        is spent."""

        class Stay(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: object, **kwargs: object) -> None:
                return None

        opener = urllib.request.build_opener(Stay)
        with self.assertRaises(urllib.error.HTTPError) as started:
            opener.open(f"{self.server.url}oidc/start", timeout=10)
        location = started.exception.headers["location"]
        cookie = started.exception.headers["set-cookie"].split(";")[0]
        (state,) = re.findall(r"[?&]state=([^&]+)", location)
        for iss in ("&iss=https%3A%2F%2Fevil.example.org", ""):
            url = f"{self.server.url}oidc/callback?code=c0de&state={state}{iss}"
            request = urllib.request.Request(url, headers={"cookie": cookie})
            with self.assertRaises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request, timeout=10)
            self.assertEqual(refused.exception.code, 403, iss)
            self.assertIn(b"names another issuer", refused.exception.read())

    def test_the_provider_name_is_told_to_the_page(self) -> None:
        with urllib.request.urlopen(f"{self.server.url}oidc/provider") as answer:
            self.assertEqual(json.loads(answer.read()), {"name": "Example SSO"})


class OAuthBearerTests(OidcCase):
    def test_an_access_token_signs_in(self) -> None:
        """bob (u-1003) signs in with the provider (the code flow, run by
        the test); his access token signs him in over SASL OAUTHBEARER, to
        account bob, made now; the same token again is the same account.
        A token changed by one character is 904."""
        tokens = sign_in(self.provider, "u-1003")
        client = IRCClient(self.server.irc_port)
        self.addCleanup(client.close)
        done = client.oauthbearer("someone", tokens["access_token"])
        self.assertIn(" 903 ", done)
        logged_in = [line for line in client.lines if " 900 " in line]
        self.assertIn(" bob ", logged_in[0])

        again = IRCClient(self.server.irc_port)
        self.addCleanup(again.close)
        self.assertIn(
            " 903 ", again.oauthbearer("bobby", tokens["access_token"], "bob")
        )

        token = tokens["access_token"]
        forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        third = IRCClient(self.server.irc_port)
        self.addCleanup(third.close)
        refused = third.oauthbearer("mallory", forged)
        self.assertIn(" 904 ", refused)
        log = (self.folder / "server.log").read_text()
        self.assertNotIn(token[-40:], log)


class TwoNodesTests(RealClientsCase):
    """Two nodes of a cluster behind one public address (node one's): the
    sign-in starts on node two and comes back to node one, which finishes
    it with what node two sealed; the ticket and the provider's token then
    sign in on node two, to the same account."""

    def start_servers(self) -> None:
        require_a_cluster()
        redis = start_redis(self.addCleanup)
        search_db = session_postgres().new_database()
        http_one = free_port()
        public = f"http://127.0.0.1:{http_one}"
        self.provider = OpenIDProvider(self.folder, f"{public}/oidc/callback")
        self.addCleanup(self.provider.stop)
        nodes = []
        for name in ("one", "two"):
            folder = self.folder / name
            folder.mkdir()
            node = Server(
                folder, "--rate", "0", "--public-url", public,
                *self.provider.options(),
                "--redis", redis, "--node-id", name, "--search-db", search_db,
                *NODE_OPTIONS,
            )  # fmt: skip
            if name == "one":
                node.http_port = http_one
            node.launch()
            self.addCleanup(node.stop)
            nodes.append(node)
        for node in nodes:
            node.wait_started()
            wait_for("the node to serve", partial(serving, node.url))
        self.server, self.other = nodes

    def test_a_sign_in_across_the_nodes(self) -> None:
        """alice starts on node two's page and lands on node one's, signed
        in; the device session the page made with her ticket signs in at
        node two's line door, and her access token at node two's IRC door,
        both to account alice."""
        page = self.browser()
        page.driver.get(self.other.url)
        page.wait_page("username")
        wait_for("the provider's button", lambda: page.visible("oidc-button"))
        through_the_provider(page, self.provider, "u-1001")
        self.assertTrue(page.driver.current_url.startswith(self.server.url))
        wait_for("signed in as alice", lambda: "alice" in page.element("whoami").text)

        token = session_token(page)
        user = LineUser(self.other.line_port, None)
        self.addCleanup(user.close)
        user.send(f"/session {token}")
        user.wait(lambda line: line.startswith("WELCOME alice"))

        token = sign_in(self.provider, "u-1001")["access_token"]
        client = IRCClient(self.other.irc_port)
        self.addCleanup(client.close)
        self.assertIn(" 903 ", client.oauthbearer("ali", token, "alice"))
