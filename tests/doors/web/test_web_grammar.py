"""The web client's grammar is the server's: ``/wire.js``, made from
``chatroom.wire`` at its first request (``chatroom/doors/web/wirescript.py``).

Each test asks the real ``--http`` site (:func:`build_site`) over a
``StringTransport``, as a browser would. That the page parses every line as
``parse_event`` does is checked in a real browser
(``tests/integration/test_web_client.py``, ``GrammarTests``).
"""

from __future__ import annotations

import json
import re
import tracemalloc
from pathlib import Path

from twisted.internet.address import IPv4Address
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.protocols.policies import WrappingFactory
from twisted.trial import unittest

import chatroom.doors.web
from chatroom.core.model.config import ServerConfig
from chatroom.doors.web.site import build_site
from chatroom.wire.commands import COMMANDS
from chatroom.wire.goodbyes import ACCOUNT_DELETED, FINAL_STARTS, SIGN_IN_REFUSALS
from chatroom.wire.lines import (
    EVENT_FIELDS,
    FREE_TEXT_EVENTS,
    LIST_EVENTS,
    PROTOCOL_VERSION,
)
from chatroom.wire.names import KEY_ROUNDS, case_folds, prototypes
from chatroom.wire.pastes import (
    ESCAPES,
    LINE_BREAK,
    MAX_BYTES,
    MAX_LINES,
    PASTE_COMMAND,
)
from chatroom.wire.said import COMMAND_PREFIX, ESCAPED_PREFIX
from chatroom.wire.signin import ACCOUNTS_ONLY, LOGIN_HINT
from chatroom.wire.tags import UNESCAPES
from chatroom.wire.waiting import NOT_YET, UNITS
from tests.support import local_server

STATIC = Path(chatroom.doors.web.__file__).parent / "static"


class Response:
    """One HTTP response, as the client read it."""

    def __init__(self, raw: bytes) -> None:
        head, _, self.body = raw.partition(b"\r\n\r\n")
        status, *lines = head.decode("latin-1").split("\r\n")
        self.code = int(status.split(" ")[1])
        self.headers = {
            name.lower(): value
            for name, _, value in (line.partition(": ") for line in lines)
        }


class WireScriptTests(unittest.TestCase):
    """``/wire.js`` holds the server's grammar and commands, served as the
    page's other scripts are."""

    def get(self, path: str, site: WrappingFactory | None = None) -> Response:
        if site is None:
            site = build_site(local_server(ServerConfig(), Clock()))
        transport = StringTransport(peerAddress=IPv4Address("TCP", "127.0.0.1", 50000))
        connection = site.buildProtocol(transport.getPeer())
        connection.makeConnection(transport)
        connection.dataReceived(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        return Response(transport.value())

    def wire(self) -> dict[str, object]:
        """``WIRE`` as the page gets it (its value is JSON)."""
        script = self.get("/wire.js").body.decode("utf-8")
        found = re.search(r"^const WIRE = (\{.*\});$", script, re.S | re.M)
        assert found is not None, script
        table: dict[str, object] = json.loads(found.group(1))
        return table

    def test_made_at_its_first_request_not_at_start(self) -> None:
        """A node's web door starts without making ``/wire.js`` (its name
        tables take megabytes while they are made, and a node no browser
        opens the page on never needs them); the first request is served
        the whole script, as is the next."""
        server = local_server(ServerConfig(), Clock())
        tracemalloc.start()
        self.addCleanup(tracemalloc.stop)
        site = build_site(server)
        _, peak = tracemalloc.get_traced_memory()
        self.assertLess(peak, 1024 * 1024)
        first, second = self.get("/wire.js", site), self.get("/wire.js", site)
        self.assertIn(b"const WIRE = {", first.body)
        self.assertEqual(first.body, second.body)

    def test_served_as_the_other_scripts(self) -> None:
        """200, JavaScript, with the same Content-Security-Policy, caching
        and other headers as ``/app.js``."""
        wire, app = self.get("/wire.js"), self.get("/app.js")
        self.assertEqual(wire.code, 200)
        self.assertEqual(wire.headers["content-type"], "text/javascript; charset=utf-8")
        for name in (
            "content-type",
            "content-security-policy",
            "x-content-type-options",
            "referrer-policy",
            "cache-control",
        ):
            self.assertEqual(wire.headers[name], app.headers[name], name)

    def test_the_grammar_is_the_servers(self) -> None:
        """Each event's field names in order, the events ending in free text
        or in a list, and the protocol's version are ``chatroom.wire.lines``'."""
        wire = self.wire()
        self.assertEqual(
            wire["fields"],
            {event: list(names) for event, names in EVENT_FIELDS.items()},
        )
        self.assertEqual(wire["freeText"], sorted(FREE_TEXT_EVENTS))
        self.assertEqual(wire["lists"], sorted(LIST_EVENTS))
        self.assertEqual(wire["version"], PROTOCOL_VERSION)

    def test_the_said_rule_and_tag_escapes_are_the_servers(self) -> None:
        """The ``//`` rule's prefixes (``chatroom.wire.said``) and a tag
        value's escapes (``chatroom.wire.tags``), which the page uses to
        decide what a typed line is and to read ``@ID;tags``."""
        wire = self.wire()
        self.assertEqual(wire["commandPrefix"], COMMAND_PREFIX)
        self.assertEqual(wire["escapedPrefix"], ESCAPED_PREFIX)
        self.assertEqual(wire["tagUnescapes"], UNESCAPES)

    def test_the_name_key_is_the_servers(self) -> None:
        """What the page computes a name's key with is the server's: every
        character Python's full case folding changes (``ß`` to ``ss``, a
        Cherokee small letter to its capital), every one ICU's skeleton
        maps (``0`` to ``O``, a Cyrillic ``а`` to a Latin ``a``), each to
        what the server makes of it, and the server's count of rounds."""
        names = self.wire()["names"]
        assert isinstance(names, dict)

        def by_char(by_result: dict[str, str]) -> dict[str, str]:
            return {
                char: result for result, chars in by_result.items() for char in chars
            }

        self.assertEqual(names["rounds"], KEY_ROUNDS)
        folds, skeleton = by_char(names["folds"]), by_char(names["prototypes"])
        self.assertEqual(folds, case_folds())
        self.assertEqual(skeleton, prototypes())
        self.assertEqual(
            (folds["ß"], folds["Σ"], folds["ς"], folds["ꭰ"]), ("ss", "σ", "σ", "Ꭰ")
        )
        self.assertEqual(
            (skeleton["0"], skeleton["а"], skeleton["m"]), ("O", "a", "rn")
        )

    def test_the_paste_rule_is_the_servers(self) -> None:
        """How a paste is split, bounded and written on one line
        (``chatroom.wire.pastes``), which ``compose.js`` sends pastes by."""
        self.assertEqual(
            self.wire()["paste"],
            {
                "command": PASTE_COMMAND,
                "maxLines": MAX_LINES,
                "maxBytes": MAX_BYTES,
                "escapes": ESCAPES,
                "lineBreak": LINE_BREAK,
            },
        )
        self.assertEqual((MAX_LINES, MAX_BYTES, PASTE_COMMAND), (32, 4000, "/paste"))

    def test_the_commands_are_the_servers(self) -> None:
        """Every command of ``chatroom.wire.commands``, in ``/help``'s order,
        and those that carry passwords or codes (which the page never shows,
        keeps or queues), with the words that come before them."""
        wire = self.wire()
        self.assertEqual(wire["commands"], list(COMMANDS))
        self.assertEqual(
            wire["secretCommands"],
            [
                "login",
                "oidc",
                "register",
                "password",
                "unregister",
                "session",
                "delete-account",
                "verify",
                "reset",
                "redeem",
            ],
        )
        # The words before the passwords: what the page shows as typed
        # (``/login NAME``), the rest hidden.
        words, secret = wire["secretWords"], wire["secretCommands"]
        assert isinstance(words, dict) and isinstance(secret, list)
        self.assertEqual(words, {name: COMMANDS[name].secret for name in secret})
        self.assertEqual((words["login"], words["register"]), (2, 1))

    def test_the_refusals_and_final_goodbyes_are_the_clients(self) -> None:
        """The refusals that send the page back to its name form and the
        goodbyes after which it does not reconnect are the terminal
        client's (``chatroom.wire.goodbyes``): the two give up alike."""
        self.assertEqual(
            self.wire()["goodbyes"],
            {
                "signInRefusals": sorted(SIGN_IN_REFUSALS),
                "finalStarts": list(FINAL_STARTS),
                "accountDeleted": list(ACCOUNT_DELETED),
            },
        )
        self.assertIn("your address is listed by ", FINAL_STARTS)
        self.assertIn("REGISTRATION_CLOSED", SIGN_IN_REFUSALS)
        self.assertIn("SERVER_CLOSED", SIGN_IN_REFUSALS)  # the lockdown's closed

    def test_a_newcomers_wait_is_said_in_the_wires_words(self) -> None:
        """The units and the sentence the page says ``ERR NOT_YET`` with
        are ``chatroom.wire.waiting``'s, as the terminal client's and the
        IRC door's (the page's use of them: ``tests/integration/
        test_web_client.py``)."""
        self.assertEqual(
            self.wire()["waiting"],
            {"units": [list(unit) for unit in UNITS], "notYet": NOT_YET},
        )

    def test_a_name_refused_for_want_of_an_account_is_said_in_the_wires_words(
        self,
    ) -> None:
        """The reason and the line protocol's command the page takes from
        ``ERR ACCOUNT_REQUIRED`` are ``chatroom.wire.signin``'s, as the
        terminal client's and the IRC door's (the page's use of them:
        ``tests/integration/test_web_client.py``)."""
        self.assertEqual(
            self.wire()["signIn"],
            {"accountsOnly": ACCOUNTS_ONLY, "loginHint": LOGIN_HINT},
        )

    def test_loaded_before_the_client(self) -> None:
        """The page loads ``wire.js`` first, deferred like the others, so
        ``WIRE`` is there before any script that reads it runs."""
        page = self.get("/").body.decode("utf-8")
        scripts = re.findall(r'<script src="([^"]+)" defer></script>', page)
        self.assertEqual(scripts[:2], ["wire.js", "app.js"])
        self.assertNotIn("<script>", page)  # the policy allows no inline one


class ByNameTests(unittest.TestCase):
    """No script of the page reads an event's fields by position."""

    def test_no_script_reads_fields_by_position(self) -> None:
        """No handler takes its fields as an array (``MSG([, user])``), and
        no script reads ``event.fields`` (the page has no such array): a
        field is read by its name in the server's grammar."""
        by_position = re.compile(r"^\s+[A-Z_]+\(\[|\bevent\.fields\b|\bFIELDS\b", re.M)
        found = {
            script.name: by_position.findall(script.read_text(encoding="utf-8"))
            for script in sorted(STATIC.glob("*.js"))
        }
        self.assertEqual({name: hits for name, hits in found.items() if hits}, {})

    def test_no_second_copy_of_the_rules(self) -> None:
        """No script spells the ``//`` rule, the tag escapes or a paste's
        bounds itself: they come from ``WIRE``, so the page cannot drift
        from the server."""
        own_copy = re.compile(
            r'startsWith\("//"\)|\{ ":": ";"|\b4000\b'
            r'|"BAD_PASSWORD", "NO_SUCH_ACCOUNT"|\^\(signed in',
            re.M,
        )
        found = {
            script.name: own_copy.findall(script.read_text(encoding="utf-8"))
            for script in sorted(STATIC.glob("*.js"))
        }
        self.assertEqual({name: hits for name, hits in found.items() if hits}, {})
