"""``RELAYMSG`` with real clients: a relay bot made by the operator
(``chatroom-admin``'s admin API, ``--relay``) signs in from irssi with
``PASS NAME:TOKEN`` and relays as ``carol/matrix``; another irssi shows
the line from ``carol/matrix``, and a line client gets ``MSG tea
carol/matrix ...``.
"""

from __future__ import annotations

from tests.integration.real_clients import RealClientsCase, Server

#: The admin API's token (the server's --admin-token-file).
ADMIN_TOKEN = "relay-test-admin-token-0123456789abcdef"


class RelayMsgIrssiTests(RealClientsCase):
    def start_servers(self) -> None:
        token_file = self.folder / "admin.token"
        token_file.write_text(ADMIN_TOKEN + "\n")
        token_file.chmod(0o600)
        self.server = Server(self.folder, "--admin-token-file", str(token_file))
        self.server.start()
        self.addCleanup(self.server.stop)

    def test_irssi_sees_the_relayed_nick(self) -> None:
        from chatroom.wiring.admintool import AdminClient

        admin = AdminClient(self.server.url.rstrip("/"), ADMIN_TOKEN)
        made = admin.call("POST", "bots", {"name": "bridge", "relay": True})
        self.assertEqual((made["bot"], made["relay"]), ("bridge", True))
        lina = self.line_user("lina")
        lina.send("/create tea")
        lina.wait(lambda line: line.startswith("MEMBERS tea"), "tea made")
        ivy = self.irssi("ivy")
        ivy.shows("End of /MOTD command")
        ivy.type_line("/join #tea")
        ivy.shows("Total of 2 nicks")
        bridge = self.irssi("bridge", password=f"bridge:{made['token']}")
        bridge.shows("You are now logged in as bridge")
        bridge.type_line("/join #tea")
        bridge.shows("Total of 3 nicks")
        bridge.type_line("/quote RELAYMSG #tea carol/matrix :hello from matrix")
        ivy.shows("carol/matrix> hello from matrix")
        bridge.shows("carol/matrix> hello from matrix")
        lina.wait(
            lambda line: (
                line.startswith("MSG tea carol/matrix ")
                and line.endswith(" hello from matrix")
            ),
            "the relayed line",
        )
        ivy.type_line("/quote RELAYMSG #tea eve/matrix :not mine to say")
        ivy.type_line("/window 1")  # the server's replies: its status window
        ivy.shows("only a relay bot or a server admin may relay")
        self.assertNotIn("not mine to say", "\n".join(lina.listen(1.0)))
