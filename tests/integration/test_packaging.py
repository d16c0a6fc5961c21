"""What an operator deploys with: the systemd unit, the container image and
the cluster's compose file (docs/operations.md, "Packaging").

The unit is checked by ``systemd-analyze verify``; the command line each of
the three runs is parsed by the server's real options, so none of them can
drift from what ``twistd chatroom`` accepts; a server started with the
compose nodes' doors (``haproxy:`` endpoints) serves clients that come
through a proxy, by their own addresses, and passes the containers' health
check. The image is built where a container engine runs (none does on
this project's CI machine: the test says so).
"""

from __future__ import annotations

import re
import shlex
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import yaml
from twisted.internet import defer, threads
from twisted.python.filepath import FilePath
from twisted.trial import unittest

from chatroom.wiring.healthcheck import healthy
from chatroom.wiring.tap import Options
from tests.integration.real_clients import require
from tests.integration.test_http_limits import WEB_CLIENT
from tests.integration.test_server import write_self_signed
from tests.integration.test_twistd import REPO_ROOT, spawn_twistd
from tests.support import free_port

ROOT = Path(REPO_ROOT.path)
UNIT = ROOT / "packaging" / "systemd" / "chatroom.service"
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "compose.yaml"
NGINX = ROOT / "packaging" / "compose" / "nginx.conf"
#: What the unit runs, before the chatroom options.
UNIT_TWISTD = "/opt/chatroom/bin/twistd --nodaemon --pidfile= --logfile=- chatroom"


def unit_command() -> list[str]:
    """The unit's ExecStart, its continuation lines joined."""
    text = UNIT.read_text().replace("\\\n", " ")
    (line,) = [line for line in text.splitlines() if line.startswith("ExecStart=")]
    return shlex.split(line.removeprefix("ExecStart="))


def dockerfile_instruction(name: str) -> list[str]:
    """The JSON (exec) form of an instruction of the final stage."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    (line,) = [line for line in text.splitlines() if line.startswith(f"{name} [")]
    return list(yaml.safe_load(line.removeprefix(f"{name} ")))


def compose() -> dict:
    return dict(yaml.safe_load(COMPOSE.read_text()))


def parses(arguments: list[str]) -> Options:
    """``arguments`` as ``twistd chatroom`` would take them (UsageError if not)."""
    options = Options()
    options.parseOptions(arguments)
    return options


class PackagingFilesTests(unittest.TestCase):
    def test_systemd_unit_verifies(self) -> None:
        """``systemd-analyze verify`` accepts the unit with no warning
        (its twistd pointed at this checkout's, since /opt/chatroom is the
        install it documents), and the unit runs hardened, as its own user."""
        if shutil.which("systemd-analyze") is None:
            raise unittest.SkipTest("systemd-analyze is not installed")
        twistd = ROOT / ".venv" / "bin" / "twistd"
        folder = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, folder)
        unit = folder / "chatroom.service"
        unit.write_text(
            UNIT.read_text().replace("/opt/chatroom/bin/twistd", str(twistd))
        )
        result = subprocess.run(
            ["systemd-analyze", "verify", str(unit)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertNotIn("chatroom.service", result.stderr)  # no warning about it
        text = UNIT.read_text()
        for setting in (
            "DynamicUser=yes",
            "ProtectSystem=strict",
            "StateDirectory=chatroom",
            "LimitNOFILE=",
            "Restart=on-failure",
            "NoNewPrivileges=yes",
        ):
            self.assertIn(setting, text)

    def test_every_command_line_is_the_servers(self) -> None:
        """The unit's, the image's and each compose node's arguments are
        accepted by ``twistd chatroom``'s own options, with their doors."""
        command = unit_command()
        self.assertEqual(" ".join(command[:5]), UNIT_TWISTD)
        unit = parses(command[5:])
        self.assertEqual(unit["db"], "/var/lib/chatroom/chatroom.sqlite3")
        entry = dockerfile_instruction("ENTRYPOINT")
        self.assertEqual(entry[0], "twistd")
        self.assertEqual(entry[-1], "chatroom")
        image = parses(dockerfile_instruction("CMD"))
        self.assertEqual(image["http"], ("tcp:8000",))
        nodes = {
            name: service
            for name, service in compose()["services"].items()
            if service.get("image") == "chatroom"
        }
        self.assertEqual(sorted(nodes), ["node1", "node2"])
        node_ids = set()
        for service in nodes.values():
            arguments = [
                argument.replace("${POSTGRES_PASSWORD:-chatroom}", "chatroom")
                for argument in service["command"]
            ]
            node = parses(arguments)
            self.assertEqual((node["redis"].host, node["redis"].port), ("redis", 6379))
            for door in ("port", "irc", "http"):
                (description,) = node[door]
                self.assertTrue(description.startswith("haproxy:tcp:"), description)
            node_ids.add(node["node-id"])
        self.assertEqual(len(node_ids), 2)

    def test_image_runs_as_a_user_with_a_health_check(self) -> None:
        """The image's last stage drops root and checks /healthz."""
        text = DOCKERFILE.read_text()
        final = text[text.rindex("\nFROM ") :]
        self.assertRegex(final, r"\nUSER chatroom\n")
        check = re.search(
            r"\nHEALTHCHECK [^\n]*?CMD (\[.*?\])\n", final.replace("\\\n", " ")
        )
        assert check is not None
        self.assertEqual(
            yaml.safe_load(check.group(1)),
            ["python", "-m", "chatroom.wiring.healthcheck", "8000"],
        )

    def test_proxy_and_nodes_agree(self) -> None:
        """nginx publishes what compose maps, and sends each door to the
        nodes' ports for it, with the PROXY header the nodes read."""
        conf = NGINX.read_text()
        self.assertIn("proxy_protocol      on;", conf)
        published = {
            int(mapping.split(":")[0])
            for mapping in compose()["services"]["proxy"]["ports"]
        }
        listened = {int(port) for port in re.findall(r"listen (\d+) ssl;", conf)}
        self.assertEqual(published, listened)
        node_ports = {
            door: int(
                compose()["services"]["node1"]["command"][index + 1].rsplit(":", 1)[1]
            )
            for index, door in enumerate(compose()["services"]["node1"]["command"])
            if door in ("--port", "--irc", "--http")
        }
        for upstream, door in (("line", "--port"), ("irc", "--irc"), ("web", "--http")):
            servers = re.search(rf"upstream {upstream}\s+\{{(.*?)\}}", conf)
            assert servers is not None
            self.assertEqual(
                sorted(re.findall(r"server (node\d):(\d+);", servers.group(1))),
                [("node1", str(node_ports[door])), ("node2", str(node_ports[door]))],
            )

    def test_image_builds_where_an_engine_runs(self) -> None:
        """``docker build`` of the Dockerfile, where a container engine runs."""
        docker = shutil.which("docker")
        engine = docker is not None and (
            subprocess.run([docker, "info"], capture_output=True, timeout=60).returncode
            == 0
        )
        if not engine:
            raise unittest.SkipTest(
                "no container engine runs here (docker's client without an"
                " engine): the image was not built"
            )
        assert docker is not None
        result = subprocess.run(
            [docker, "build", "-q", "-t", "chatroom-test", str(ROOT)],
            capture_output=True,
            text=True,
            timeout=1800,
        )
        self.assertEqual(result.returncode, 0, result.stderr)


class BehindTheProxyTests(unittest.TestCase):
    """A server with the compose nodes' doors, reached as the proxy would."""

    timeout = 30

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        local = "haproxy:tcp:0:interface=127.0.0.1"
        self.process = spawn_twistd(
            self, "--port", local, "--http", local, "--db", ":memory:"
        )
        self.port = yield self.process.listening
        yield self.process.when_output(b"web client: open http://localhost:")
        match = WEB_CLIENT.search(self.process.output)
        assert match is not None
        self.http_port = int(match.group(1))

    def talk(self, data: bytes, port: int) -> bytes:
        """Send ``data`` on a fresh connection; what came back in 5 seconds."""
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(data)
            received = b""
            while b"WELCOME" not in received:
                try:
                    chunk = sock.recv(4096)
                except (TimeoutError, ConnectionResetError):
                    break
                if not chunk:
                    break
                received += chunk
            return received

    @defer.inlineCallbacks
    def test_client_known_by_its_own_address(self):
        """A client whose proxy names it 203.0.113.7 is greeted and named,
        and the server's log says where it really came from."""
        answer = yield threads.deferToThread(
            self.talk,
            b"PROXY TCP4 203.0.113.7 127.0.0.1 41000 8443\r\nalice\r\n",
            self.port,
        )
        self.assertIn(b"WELCOME alice", answer)
        yield self.process.when_output(b"line connection from 203.0.113.7")

    @defer.inlineCallbacks
    def test_direct_connection_refused(self):
        """A client that skips the proxy is closed without a word."""
        answer = yield threads.deferToThread(self.talk, b"mallory\r\n", self.port)
        self.assertEqual(answer, b"")

    @defer.inlineCallbacks
    def test_container_health_check(self):
        """The compose nodes' health check (with its header) passes; without
        the header the node does not answer it."""
        self.assertTrue((yield threads.deferToThread(healthy, self.http_port, True)))
        self.assertFalse(
            (yield threads.deferToThread(healthy, self.http_port, False, 2.0))
        )


NGINX_BINARY = shutil.which("nginx") or (
    "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
)
#: Debian builds nginx's stream module apart (libnginx-mod-stream); the
#: official image compose.yaml runs has it built in.
STREAM_MODULE = Path("/usr/lib/nginx/modules/ngx_stream_module.so")


class ComposeProxyTests(unittest.TestCase):
    """compose.yaml's nginx configuration, run by a real nginx in front of a
    real server with the nodes' doors: TLS ends at nginx, and the server
    knows each client by its own address (a client on 127.0.0.2, nginx
    connecting from 127.0.0.1)."""

    timeout = 60

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        require(NGINX_BINARY, "nginx", "compose.yaml's proxy")
        doors = {"line": free_port(), "irc": free_port(), "http": free_port()}
        endpoint = "haproxy:tcp:{}:interface=127.0.0.1".format
        self.process = spawn_twistd(
            self,
            *("--port", endpoint(doors["line"]), "--irc", endpoint(doors["irc"])),
            *("--http", endpoint(doors["http"]), "--db", ":memory:"),
        )
        yield self.process.when_output(b"web client: open http://localhost:")
        self.folder = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.folder)
        key, cert = write_self_signed(FilePath(str(self.folder)).child("certs"))
        self.cert = cert.path
        self.ports = {"line": free_port(), "irc": free_port(), "web": free_port()}
        conf = NGINX.read_text()
        for published, door in (("8443", "line"), ("6697", "irc"), ("443", "web")):
            conf = conf.replace(
                f"listen {published} ssl;", f"listen 127.0.0.1:{self.ports[door]} ssl;"
            )
        for node_port, door in (("8080", "line"), ("6667", "irc"), ("8000", "http")):
            port = doors[door]
            for node in ("node1", "node2"):  # one server plays both nodes here
                conf = conf.replace(f"{node}:{node_port};", f"127.0.0.1:{port};")
        conf = conf.replace("/etc/nginx/certs/cert.pem", cert.path)
        conf = conf.replace("/etc/nginx/certs/key.pem", key.path)
        prelude = f"load_module {STREAM_MODULE};\n" if STREAM_MODULE.exists() else ""
        prelude += f"pid {self.folder}/nginx.pid;\nerror_log {self.folder}/error.log;\n"
        (self.folder / "nginx.conf").write_text(prelude + conf)
        assert NGINX_BINARY is not None
        nginx = subprocess.Popen(
            [
                NGINX_BINARY,
                "-p",
                str(self.folder),
                "-c",
                str(self.folder / "nginx.conf"),
                "-g",
                "daemon off;",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self.addCleanup(self._stop, nginx)
        yield threads.deferToThread(self._wait_listening, nginx)

    def _stop(self, nginx: subprocess.Popen[bytes]) -> None:
        nginx.terminate()
        nginx.wait(timeout=10)
        assert nginx.stdout is not None
        nginx.stdout.close()

    def _wait_listening(self, nginx: subprocess.Popen[bytes]) -> None:
        """Until nginx accepts on every port (or exits, saying why)."""
        deadline = time.monotonic() + 20
        for port in self.ports.values():
            while True:
                if nginx.poll() is not None:
                    log = (self.folder / "error.log").read_text(errors="replace")
                    raise AssertionError(f"nginx exited: {log}")
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)

    def tls(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=self.cert)
        return context

    def line_session(self, name: str) -> bytes:
        """A line client on 127.0.0.2, through nginx over TLS: what it heard
        up to its WELCOME."""
        raw = socket.create_connection(
            ("127.0.0.1", self.ports["line"]),
            timeout=10,
            source_address=("127.0.0.2", 0),
        )
        with self.tls().wrap_socket(raw, server_hostname="127.0.0.1") as sock:
            sock.sendall(f"{name}\r\n".encode())
            heard = b""
            while b"WELCOME" not in heard:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                heard += chunk
            return heard

    def health_through_proxy(self) -> int:
        url = f"https://127.0.0.1:{self.ports['web']}/healthz"
        with urllib.request.urlopen(url, context=self.tls(), timeout=10) as answer:
            return int(answer.status)

    @defer.inlineCallbacks
    def test_line_client_through_nginx(self):
        """Over TLS to nginx, a line client is greeted and named, and the
        server logs the client's own address, 127.0.0.2, not nginx's."""
        heard = yield threads.deferToThread(self.line_session, "alice")
        self.assertIn(b"HELLO chatroom ", heard)
        self.assertIn(b"WELCOME alice", heard)
        yield self.process.when_output(b"line connection from 127.0.0.2")

    @defer.inlineCallbacks
    def test_web_door_through_nginx(self):
        """The web door answers over nginx's TLS: /healthz is 200."""
        self.assertEqual((yield threads.deferToThread(self.health_through_proxy)), 200)
