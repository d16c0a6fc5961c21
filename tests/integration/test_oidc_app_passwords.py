"""An account made by signing in through a real OpenID provider has no
password: its page makes an app password, and irssi (in tmux) signs in to
the account with it over SASL PLAIN. The provider is node-oidc-provider
on 127.0.0.1 (:mod:`tests.oidc`), the server a real ``twistd chatroom``."""

from __future__ import annotations

import re

from tests.client.test_terminal import wait_for
from tests.integration.test_oidc import OidcCase, through_the_provider

SHOWN = re.compile(r"app password for irssi: ([a-z2-9]{4}(?:-[a-z2-9]{4}){4})")


class AppPasswordOfAProvidersAccountTests(OidcCase):
    def test_irssi_signs_in_with_the_pages_app_password(self) -> None:
        page = self.browser()
        page.driver.get(self.server.url)
        page.wait_page("username")
        wait_for("the provider's button", lambda: page.visible("oidc-button"))
        through_the_provider(page, self.provider, "u-1001")
        wait_for("signed in as alice", lambda: "alice" in page.element("whoami").text)
        page.type_into("create-input", "/app-password add irssi")

        def shown() -> str:
            return str(page.element("lobby-log").text)

        wait_for("the app password", lambda: SHOWN.search(shown()) is not None)
        found = SHOWN.search(shown())
        assert found is not None
        irssi = self.irssi("guest")
        irssi.shows("Welcome to chatroom, guest")
        irssi.type_line(
            "/network add -nick alice -sasl_mechanism plain -sasl_username alice"
            f" -sasl_password {found.group(1)} chat"
        )
        irssi.type_line(f"/server add -network chat 127.0.0.1 {self.server.irc_port}")
        irssi.type_line("/connect chat")
        irssi.shows("SASL authentication succeeded")
        irssi.shows("You are now logged in as alice")
