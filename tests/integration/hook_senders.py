"""Real senders to a webhook's address, as the people who run them run them.

- **apprise** (PyPI, a test extra): its command line posts to a Mattermost
  incoming webhook, ``mmost://[USER@]HOST:PORT/SECRET``, which is a hook's
  address (``<base>/hooks/<secret>``) as apprise builds it.
- **Prometheus Alertmanager** (Debian's ``prometheus-alertmanager``, which
  ``make test`` installs): a real Alertmanager whose Slack receiver
  (``slack_configs``) has the hook's address as its ``api_url`` and the
  alert's ``summary`` annotation as its ``text``; an alert POSTed to its
  API (``/api/v2/alerts``) is sent there within a second or so.

Without them the tests that use them are skipped, or, with
``CHATROOM_REQUIRE_TOOLS`` (CI), fail (:func:`tests.support.require`).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from io import BytesIO
from typing import Any
from urllib.parse import urlsplit

from twisted.internet import defer, protocol, reactor, task, utils
from twisted.python.failure import Failure
from twisted.trial import unittest
from twisted.web.client import Agent, FileBodyProducer, readBody
from twisted.web.http_headers import Headers

from tests.support import free_port, require

ALERTMANAGER = "/usr/bin/prometheus-alertmanager"


def apprise_command() -> str:
    """apprise's command, beside this Python's (the venv's) or on the PATH;
    skipped (failed under CI) when it is not installed."""
    beside = os.path.join(os.path.dirname(sys.executable), "apprise")
    found = beside if os.access(beside, os.X_OK) else shutil.which("apprise")
    require(found, "apprise", "the webhooks' tests post with its CLI")
    assert found is not None
    return found


def mattermost_url(hook_url: str, user: str = "", port: int = 0) -> str:
    """apprise's ``mmost://`` URL for a hook's address (through ``port``,
    another node's door, when given): ``mmost://USER@127.0.0.1:PORT/SECRET``."""
    parts = urlsplit(hook_url)
    secret = parts.path.rsplit("/", 1)[1]
    at = f"{user}@" if user else ""
    return f"mmost://{at}127.0.0.1:{port or parts.port}/{secret}"


@defer.inlineCallbacks
def apprise(url: str, text: str, title: str = "") -> Any:
    """Run ``apprise -vv [-t TITLE] -b TEXT URL``: its exit status (0 once
    it was answered ``200``) and what it printed."""
    command = apprise_command()
    titled = ["-t", title] if title else []
    out, err, status = yield utils.getProcessOutputAndValue(
        command,
        ["-vv", *titled, "-b", text, url],
        env={**os.environ, "HOME": tempfile.gettempdir()},
        reactor=reactor,
    )
    return status, (out + err).decode("utf-8", "replace")


class _Output(protocol.ProcessProtocol):
    """A program's output, and when it ends."""

    def __init__(self) -> None:
        self.output = b""
        self.ended: defer.Deferred[None] = defer.Deferred()

    def outReceived(self, data: bytes) -> None:
        self.output += data

    errReceived = outReceived

    def processEnded(self, reason: Failure) -> None:
        self.ended.callback(None)


class Alertmanager:
    """A real Alertmanager on a free loopback port, its one receiver a
    Slack receiver posting to ``hook_url``; stopped when ``case`` ends."""

    def __init__(self, case: unittest.TestCase, hook_url: str) -> None:
        require(
            ALERTMANAGER if os.access(ALERTMANAGER, os.X_OK) else None,
            "prometheus-alertmanager",
            "the webhooks' tests fire a real alert through it",
        )
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        home = tempfile.mkdtemp(prefix="alertmanager-")
        case.addCleanup(shutil.rmtree, home, True)
        config = os.path.join(home, "alertmanager.yml")
        with open(config, "w") as file:
            file.write(self.config(hook_url.replace("//localhost:", "//127.0.0.1:")))
        self.process = _Output()
        self.transport = reactor.spawnProcess(
            self.process,
            ALERTMANAGER,
            [
                ALERTMANAGER,
                f"--config.file={config}",
                f"--storage.path={home}/data",
                f"--web.listen-address=127.0.0.1:{self.port}",
                f"--web.external-url={self.url}",
                "--cluster.listen-address=",  # alone: no gossip port
            ],
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
            path=home,
        )
        case.addCleanup(self.stop)
        self.agent = Agent(reactor)

    @staticmethod
    def config(hook_url: str) -> str:
        """Every alert to the Slack receiver at once (no grouping wait)."""
        return (
            "route:\n"
            "  receiver: chat\n"
            "  group_by: [alertname]\n"
            "  group_wait: 0s\n"
            "  group_interval: 1s\n"
            "  repeat_interval: 1h\n"
            "receivers:\n"
            "  - name: chat\n"
            "    slack_configs:\n"
            f"      - api_url: {json.dumps(hook_url)}\n"
            "        text: '{{ .CommonAnnotations.summary }}'\n"
        )

    def stop(self) -> defer.Deferred[None]:
        if not self.process.ended.called:
            self.transport.signalProcess("KILL")
        return self.process.ended

    @defer.inlineCallbacks
    def fire(self, name: str, summary: str) -> Any:
        """POST one firing alert to Alertmanager's API, as Prometheus does
        (asked again until Alertmanager is up); its answer's status."""
        alert = [
            {
                "labels": {"alertname": name, "severity": "critical"},
                "annotations": {"summary": summary},
            }
        ]
        deadline = reactor.seconds() + 60
        while True:
            try:
                response = yield self.agent.request(
                    b"POST",
                    f"{self.url}/api/v2/alerts".encode(),
                    Headers({b"content-type": [b"application/json"]}),
                    FileBodyProducer(BytesIO(json.dumps(alert).encode())),
                )
                yield readBody(response)
                return response.code
            except Exception:  # not listening yet
                if reactor.seconds() > deadline or self.process.ended.called:
                    raise AssertionError(
                        "Alertmanager did not take the alert:\n"
                        + self.process.output.decode("utf-8", "replace")
                    ) from None
                yield task.deferLater(reactor, 0.1, lambda: None)
