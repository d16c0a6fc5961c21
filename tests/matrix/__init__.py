"""A real Matrix homeserver for the bridge's tests: Synapse on 127.0.0.1.

``make synapse`` installs ``matrix-synapse`` into a virtualenv of its own,
``build/synapse``; :class:`Synapse` writes a ``homeserver.yaml`` (server
name ``localhost``, SQLite, the client API alone on a free port of
127.0.0.1, rate limits relaxed, registration by shared secret, and
``app_service_config_files`` naming the bridge's registration) and starts
it, then waits until it answers. Without the virtualenv the tests are
skipped with the reason (or fail, with ``CHATROOM_REQUIRE_TOOLS``).

:func:`register_user` makes a Matrix user the way an operator does, through
Synapse's shared-secret registration; the tests then speak as that user
with matrix-nio, a real Matrix client library.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import signal
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tests.client.tmux import wait_for
from tests.support import free_port, require

ROOT = Path(__file__).resolve().parents[2]
#: Where ``make synapse`` installs Synapse.
VENV = ROOT / "build" / "synapse"
PYTHON = VENV / "bin" / "python"
SERVER_NAME = "localhost"

#: Rate limits high enough for a test's bursts (Synapse's defaults hold a
#: busy test back for seconds).
_RELAXED = {"per_second": 1000, "burst_count": 1000}


def _config(folder: Path, port: int, secret: str, registrations: list[str]) -> dict:
    return {
        "server_name": SERVER_NAME,
        "pid_file": str(folder / "homeserver.pid"),
        "listeners": [
            {
                "port": port,
                "bind_addresses": ["127.0.0.1"],
                "type": "http",
                "tls": False,
                "x_forwarded": False,
                "resources": [{"names": ["client"], "compress": False}],
            }
        ],
        "database": {
            "name": "sqlite3",
            "args": {"database": str(folder / "homeserver.db")},
        },
        "log_config": str(folder / "log.yaml"),
        "media_store_path": str(folder / "media"),
        "signing_key_path": str(folder / "signing.key"),
        "registration_shared_secret": secret,
        "macaroon_secret_key": secrets.token_urlsafe(24),
        "form_secret": secrets.token_urlsafe(24),
        "report_stats": False,
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "enable_registration": False,
        "app_service_config_files": registrations,
        "presence": {"enabled": False},
        "rc_message": _RELAXED,
        "rc_registration": _RELAXED,
        "rc_joins": {"local": _RELAXED, "remote": _RELAXED},
        "rc_joins_per_room": _RELAXED,
        "rc_invites": {
            "per_room": _RELAXED,
            "per_user": _RELAXED,
            "per_issuer": _RELAXED,
        },
        "rc_login": {
            "address": _RELAXED,
            "account": _RELAXED,
            "failed_attempts": _RELAXED,
        },
        "rc_admin_redaction": _RELAXED,
        "rc_room_creation": _RELAXED,
    }


_LOGGING = """\
version: 1
formatters:
  plain:
    format: '%(asctime)s %(levelname)s %(name)s %(message)s'
handlers:
  file:
    class: logging.FileHandler
    filename: {path}
    formatter: plain
root:
  level: INFO
  handlers: [file]
disable_existing_loggers: false
"""


class Synapse:
    """Synapse in a process of its own, on one folder (its database kept
    there across :meth:`stop` and :meth:`start`)."""

    def __init__(
        self, folder: Path, registrations: list[str], start: bool = True
    ) -> None:
        """Synapse on a free port, started (``start``) or to be (its port
        known first, for a server that names it)."""
        found = str(PYTHON) if PYTHON.exists() else None
        require(found, "matrix-synapse", "the Matrix bridge's tests")
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.secret = secrets.token_urlsafe(24)
        self.log_path = folder / "homeserver.log"
        (folder / "media").mkdir(parents=True, exist_ok=True)
        # An Ed25519 seed, as Synapse's --generate-keys writes one.
        seed = base64.b64encode(os.urandom(32)).decode().rstrip("=")
        (folder / "signing.key").write_text(f"ed25519 a_test {seed}\n")
        (folder / "log.yaml").write_text(_LOGGING.format(path=self.log_path))
        self.config_path = folder / "homeserver.yaml"
        # JSON is YAML: Synapse reads it as written.
        self.config_path.write_text(
            json.dumps(_config(folder, self.port, self.secret, registrations))
        )
        self.process: subprocess.Popen[bytes] | None = None
        if start:
            self.start()

    def start(self) -> None:
        """Start it (again, on its database) and wait until it answers."""
        self.output = (self.folder / "homeserver.out").open("ab")
        self.process = subprocess.Popen(
            [str(PYTHON), "-m", "synapse.app.homeserver", "-c", str(self.config_path)],
            stdout=self.output,
            stderr=subprocess.STDOUT,
            cwd=self.folder,
        )
        wait_for("Synapse to answer", self._answers, timeout=120)

    def _answers(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            tail = (self.folder / "homeserver.out").read_text()[-3000:]
            raise AssertionError(f"Synapse exited: {tail}")
        try:
            with urllib.request.urlopen(
                f"{self.url}/_matrix/client/versions", timeout=5
            ) as answer:
                return bool(answer.status == 200)
        except (OSError, urllib.error.URLError):
            return False

    def stop(self) -> None:
        """Stop it (SIGTERM; its database stays)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if not self.output.closed:
            self.output.close()

    def request(
        self, method: str, path: str, body: Any = None, token: str | None = None
    ) -> tuple[int, Any]:
        """One client-server API call, blocking: its status and JSON."""
        data = None if body is None else json.dumps(body).encode()
        call = urllib.request.Request(self.url + path, data=data, method=method)
        call.add_header("content-type", "application/json")
        if token is not None:
            call.add_header("authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(call, timeout=30) as answer:
                return answer.status, json.loads(answer.read() or b"{}")
        except urllib.error.HTTPError as refused:
            return refused.code, json.loads(refused.read() or b"{}")

    def register_user(self, localpart: str, password: str = "secret-pw") -> str:
        """A user made with the shared secret (Synapse's admin API, as
        ``register_new_matrix_user`` does); their user id."""
        path = "/_synapse/admin/v1/register"
        _, answer = self.request("GET", path)
        nonce = answer["nonce"]
        # the HMAC covers the three fields and "notadmin", NUL-separated,
        # with no NUL after the last
        mac = hmac.new(self.secret.encode(), digestmod=hashlib.sha1)
        mac.update(
            b"\x00".join(p.encode() for p in (nonce, localpart, password, "notadmin"))
        )
        digest = mac.hexdigest()
        status, made = self.request(
            "POST",
            path,
            {
                "nonce": nonce,
                "username": localpart,
                "password": password,
                "admin": False,
                "mac": digest,
            },
        )
        assert status == 200, (status, made)
        return str(made["user_id"])
