"""Reloading the configuration in place: ``/rehash``, IRC's ``REHASH``.

A server built from real options parsed from a ``--config`` file (as
``makeService`` builds it, on a ``task.Clock``), its file then rewritten
and reloaded: what may change in a running server changes for everyone
already connected, nobody is disconnected, what needs a restart is named,
and a file with a mistake changes nothing. ``SIGHUP`` and the TLS
certificates are reloaded in the real plugin, with a hundred clients:
tests/integration/test_reload_many.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

from twisted.web.server import Request
from twisted.web.test.requesthelper import DummyRequest

from chatroom.core.model.config import ServerConfig
from chatroom.doors.web.socket import LineWebSocketResource
from chatroom.wiring.reload import Reloader, ReloadError
from chatroom.wiring.tap import Options
from tests.doors.irc.test_irc_moderation import PASSWORD, AccountsCase
from tests.support import FakeClient

FILE = """admins = ["boss"]
db = ":memory:"
port = "tcp:0"
motd = "{motd}"
[limits]
rate = {rate}
burst = 2
"""


class ReloadTests(AccountsCase):
    """A file rewritten, then reloaded."""

    def setUp(self) -> None:
        folder = Path(self.mktemp())
        folder.mkdir()
        self.motd = folder / "motd.txt"
        self.motd.write_text("Tea at five.\n")
        self.file = folder / "chatroom.toml"
        self.write(rate=0)
        self.options = Options()
        self.options.parseOptions(["--config", str(self.file)])
        self.config = self.options.server_config()
        super().setUp()
        self.reloader = Reloader(self.options, self.server, [])
        self.server.registry.attach_reloader(self.reloader.rehash)

    def write(self, rate: float, extra: str = "") -> None:
        self.file.write_text(FILE.format(motd=self.motd, rate=rate) + extra)

    def test_reload_applies_to_everyone_connected(self) -> None:
        """The new MOTD for the next sign-in, the new rate for a connection
        already open; what needs a restart is named and left alone."""
        alice = self.line("alice")
        self.motd.write_text("Scones today.\n")
        self.write(rate=1, extra='\n[doors]\nirc = "tcp:6667"\n')
        self.assertEqual(
            self.reloader.reload(),
            "applied: rate, motd; needs a restart: irc",
        )
        self.assertEqual(self.server.config.motd, ("Scones today.",))
        self.assertIsNone(self.reloader.running["irc"])  # as it runs
        bob = FakeClient(self.server)
        bob.send("bob")
        self.assertIn("MOTD Scones today.", bob.received())
        for number in range(4):  # a burst of 2, then one a second
            alice.send(f"/nick alice{number}")
        said = alice.received()
        self.assertEqual(len([line for line in said if line.startswith("NICK")]), 2)
        self.clock.advance(2)
        self.assertEqual(
            len([ln for ln in alice.received() if ln.startswith("NICK")]), 2
        )
        self.assertFalse(alice.transport.disconnecting)

    def test_the_providers_options_need_a_restart(self) -> None:
        """The OpenID options are read once, at start (the provider's
        sign-in is built then): one changed is named as needing a restart,
        and the button keeps its words."""
        self.write(rate=0, extra='\n[oidc]\noidc-name = "Staff SSO"\n')
        self.assertEqual(
            self.reloader.reload(), "nothing to apply; needs a restart: oidc-name"
        )
        self.assertEqual(self.reloader.running["oidc-name"], "")

    def test_nothing_changed(self) -> None:
        """The same file again: nothing to apply."""
        self.assertEqual(self.reloader.reload(), "nothing to apply")

    def test_bad_file_keeps_the_running_config(self) -> None:
        """A mistake: the reason, the line named, nothing changed."""
        running = self.server.config
        self.motd.write_text("Scones today.\n")
        self.write(rate=-1)
        with self.assertRaises(ReloadError) as caught:
            self.reloader.reload()
        self.assertEqual(
            str(caught.exception), f"{self.file}:6: rate: must be at least 0"
        )
        self.assertIs(self.server.config, running)

    def admin(self, name: str = "boss") -> FakeClient:
        self.account(name)
        boss = FakeClient(self.server)
        boss.send(f"/login {name} {PASSWORD}")
        boss.received()
        return boss

    def test_admins_reloaded(self) -> None:
        """``admins`` rewritten: an account added is an admin at its next
        command, at the line door and the IRC door, already signed in;
        one removed is no longer."""
        boss = self.admin()
        carol = self.admin("carol")
        carol_irc = self.signed_in("carol")
        carol.send("/announce tea")
        self.assertEqual(
            carol.received(), ["ERR NOT_ALLOWED only server admins can /announce"]
        )
        self.file.write_text(
            self.file.read_text().replace('admins = ["boss"]', 'admins = ["carol"]')
        )
        self.assertEqual(self.reloader.reload(), "applied: admins")
        carol.send("/announce tea")
        self.assertEqual(carol.received(), ["ANNOUNCE carol tea"])
        boss.received()  # the announcement
        boss.send("/announce scones")
        self.assertEqual(
            boss.received(), ["ERR NOT_ALLOWED only server admins can /announce"]
        )
        carol_irc.received()  # the announcement
        carol_irc.send("REHASH")
        self.assertEqual(
            carol_irc.received(),
            [":chatroom 382 carol chatroom :Rehashing: nothing to apply"],
        )
        boss.send("/rehash")
        self.assertEqual(
            boss.received(), ["ERR NOT_ALLOWED only server admins can /rehash"]
        )

    def test_http_origins_reloaded(self) -> None:
        """``http-origins`` rewritten: the next WebSocket handshake from a
        page of a newly allowed site is accepted, one dropped is refused."""
        ws = LineWebSocketResource(self.server)

        def allowed(origin: str) -> bool:
            request = DummyRequest([b""])
            request.requestHeaders.setRawHeaders(b"origin", [origin.encode()])
            request.requestHeaders.setRawHeaders(b"host", [b"chat.example.org"])
            return ws.allowed(cast(Request, request))

        self.assertTrue(allowed("https://chat.example.org"))  # the site's own
        self.assertFalse(allowed("https://a.example"))
        self.write(rate=0, extra='[doors]\nhttp-origins = ["https://a.example"]\n')
        self.assertEqual(self.reloader.reload(), "applied: http-origins")
        self.assertTrue(allowed("https://A.example/"))
        self.assertFalse(allowed("https://b.example"))
        self.write(rate=0, extra='[doors]\nhttp-origins = ["https://b.example"]\n')
        self.reloader.reload()
        self.assertFalse(allowed("https://a.example"))
        self.assertTrue(allowed("https://b.example"))

    def test_rehash_command(self) -> None:
        """An admin's ``/rehash`` is answered ``REHASHED``, or ``ERR
        REHASH_FAILED`` with the reason; anyone else's is refused."""
        boss = self.admin()
        self.motd.write_text("Scones today.\n")
        boss.send("/rehash")
        self.assertEqual(boss.received(), ["REHASHED applied: motd"])
        self.write(rate=-1)
        boss.send("/rehash")
        self.assertEqual(
            boss.received(),
            [f"ERR REHASH_FAILED {self.file}:6: rate: must be at least 0"],
        )
        carol = self.line("carol")
        carol.send("/rehash")
        self.assertEqual(
            carol.received(), ["ERR NOT_ALLOWED only server admins can /rehash"]
        )

    def test_irc_rehash(self) -> None:
        """``REHASH``: ``382`` for an admin, ``481`` for anyone else, a
        mistake as a ``NOTICE``."""
        self.account("boss")
        boss = self.signed_in("boss")
        self.motd.write_text("Scones today.\n")
        boss.send("REHASH")
        self.assertEqual(
            boss.received(),
            [":chatroom 382 boss chatroom :Rehashing: applied: motd"],
        )
        self.write(rate=-1)
        boss.send("REHASH")
        self.assertEqual(
            boss.received(),
            [
                f":chatroom NOTICE boss :REHASH_FAILED {self.file}:6: rate: "
                "must be at least 0"
            ],
        )
        carol = self.irc("carol")
        carol.send("REHASH")
        self.assertEqual(
            carol.received(),
            [":chatroom 481 carol :Permission Denied: only server admins can /rehash"],
        )


class NothingToReloadTests(AccountsCase):
    """A server not built from options (as in a test, or embedded) has no
    configuration to read again; the core says so, after its admin check."""

    config = ServerConfig(rate=0, admins=("boss",))

    def test_an_admin_is_told_there_is_nothing_to_reload(self) -> None:
        """``/rehash`` and ``REHASH`` by an admin: ``REHASH_FAILED`` and why,
        in each door's words."""
        self.account("boss")
        boss = FakeClient(self.server)
        boss.send(f"/login boss {PASSWORD}")
        boss.received()
        boss.send("/rehash")
        self.assertEqual(
            boss.received(),
            ["ERR REHASH_FAILED this server has no configuration to reload"],
        )
        boss_irc = self.signed_in("boss")
        boss_irc.send("REHASH")
        self.assertEqual(
            boss_irc.received(),
            [
                ":chatroom NOTICE boss :REHASH_FAILED this server has no "
                "configuration to reload"
            ],
        )

    def test_anyone_else_is_refused_first(self) -> None:
        """Anyone else is refused as on a server that reloads, at both doors:
        whether there is a configuration is an admin's business."""
        carol = self.line("carol")
        carol.send("/rehash")
        self.assertEqual(
            carol.received(), ["ERR NOT_ALLOWED only server admins can /rehash"]
        )
        dave = self.irc("dave")
        dave.send("REHASH")
        self.assertEqual(
            dave.received(),
            [":chatroom 481 dave :Permission Denied: only server admins can /rehash"],
        )
