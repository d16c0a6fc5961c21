"""The Matrix bridge end to end: ``twistd chatroom`` with the bridge's
options, a real Synapse (:mod:`tests.matrix`) whose registration names the
server's ``--http`` door, and matrix-nio as the Matrix users
(:mod:`tests.matrix.client`); line users at the line door."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Generator
from functools import partial
from pathlib import Path
from typing import Any

import yaml
from twisted.internet import defer, reactor, task, threads
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol
from twisted.trial import unittest

from chatroom.wiring.matrix import registration_text
from tests.doors.irc.test_ircv3 import tags_of, untagged
from tests.integration.test_twistd import TwistdProcess, spawn_twistd
from tests.matrix import Synapse
from tests.matrix.client import MatrixUser, signed_in
from tests.support import LineClient, connect_client, free_port, until


def push_as_homeserver(url: str, path: str, body: Any, token: str | None) -> int:
    """One request as the homeserver makes it: its status."""
    call = urllib.request.Request(
        url + path, data=json.dumps(body).encode(), method="PUT"
    )
    call.add_header("content-type", "application/json")
    if token is not None:
        call.add_header("authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(call, timeout=30) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        return int(refused.code)


class MatrixBridgeCase(unittest.TestCase):
    """general, bridged; a Synapse; the server started by :meth:`serve`."""

    timeout = 240

    def setUp(self) -> None:
        self.folder = Path(self.mktemp()).resolve()
        self.folder.mkdir(parents=True)
        self.http = free_port()
        self.url = f"http://127.0.0.1:{self.http}"
        self.registration = self.folder / "chatroom-registration.yaml"
        self.registration.write_text(registration_text(self.url))
        self.tokens = yaml.safe_load(self.registration.read_text())
        self.synapse = Synapse(self.folder, [str(self.registration)])
        self.addCleanup(self.synapse.stop)
        self.db = str(self.folder / "chat.sqlite3")
        self.line, self.irc = free_port(), free_port()

    def serve(
        self, *more: str, ports: tuple[int, int, int] | None = None
    ) -> TwistdProcess:
        """The server on its ports (or ``ports``: line, IRC and HTTP) and
        ``--db`` (again, after a stop), with ``more`` options (a later
        ``--rate`` is the one that holds)."""
        line, irc, http = ports or (self.line, self.irc, self.http)
        return spawn_twistd(
            self,
            "--port", f"tcp:{line}:interface=127.0.0.1",
            "--irc", f"tcp:{irc}:interface=127.0.0.1",
            "--http", f"tcp:{http}:interface=127.0.0.1",
            "--db", self.db,
            "--rooms", "general",
            "--rate", "0",
            "--matrix-registration", str(self.registration),
            "--matrix-homeserver", self.synapse.url,
            "--matrix-server-name", "localhost",
            *more,
        )  # fmt: skip

    @defer.inlineCallbacks
    def first_member(
        self, name: str, *options: str, rich: bool = False
    ) -> Generator[Any, Any, LineClient]:
        """The server started (with ``options``; its process is
        :attr:`process`), and ``name`` at its line door in general
        (``rich``: with ``/caps rich``)."""
        process = self.process = self.serve(*options)
        yield process.when_output(b"listening on")
        client = yield until(
            lambda: connect_client(reactor, self.line, name), 60, "the line door"
        )
        if rich:
            client.say("/caps rich")
        client.say("/join general")
        yield client.expect_line("MEMBERS general")
        return client

    @defer.inlineCallbacks
    def matrix_user(self, localpart: str) -> Generator[Any, Any, MatrixUser]:
        return (yield signed_in(self, self.synapse, localpart))

    @defer.inlineCallbacks
    def irc_member(self, nick: str) -> Generator[Any, Any, LineClient]:
        """An IRC client (:attr:`irc`) with ``message-tags``,
        ``draft/message-redaction`` and ``echo-message``, in ``#general``."""
        endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", self.irc)
        client = yield connectProtocol(endpoint, LineClient())
        self.addCleanup(client.transport.loseConnection)
        client.say("CAP REQ :message-tags draft/message-redaction echo-message")
        yield client.expect(lambda line: " CAP * ACK " in line)
        for said in (f"NICK {nick}", f"USER {nick} 0 * :{nick}", "CAP END"):
            client.say(said)
        yield client.expect(lambda line: " 376 " in line or " 422 " in line)
        client.say("JOIN #general")
        yield client.expect(lambda line: " 366 " in line)
        return client

    @defer.inlineCallbacks
    def his_answers_at_irc(
        self,
        bob: MatrixUser,
        room_id: str,
        ivy: LineClient,
        his: str,
        his_msgid: str,
        mine_event: str,
        mine: str,
    ) -> Generator[Any, Any, None]:
        """mxbob edits his message ``his`` (``his_msgid`` at the IRC door),
        reacts to ivy's (``mine_event`` on Matrix, ``mine`` at the IRC
        door) and deletes his: ivy's IRC client gets each, from mxbob, as
        IRCv3 has it (an edit's ``* TEXT`` tagged ``+draft/reply``, a
        ``TAGMSG`` reaction, a ``REDACT`` of his msgid)."""
        yield threads.deferToThread(bob.edit, room_id, his, "hi ivy!")
        edited = yield ivy.expect(
            lambda line: line.endswith(" PRIVMSG #general :* hi ivy!")
        )
        self.assertTrue(untagged(edited).startswith(":mxbob:localhost!"), edited)
        self.assertEqual(tags_of(edited).get("+draft/reply"), his_msgid)
        yield threads.deferToThread(bob.react, room_id, mine_event, "🎉")
        reacted = yield ivy.expect(lambda line: " TAGMSG #general" in line)
        self.assertTrue(untagged(reacted).startswith(":mxbob:localhost!"), reacted)
        tags = tags_of(reacted)
        self.assertEqual((tags["+draft/react"], tags["+draft/reply"]), ("🎉", mine))
        yield threads.deferToThread(bob.redact, room_id, his, "gone")
        gone = yield ivy.expect(lambda line: " REDACT #general " in line)
        self.assertRegex(
            untagged(gone), rf"^:mxbob:localhost!\S+ REDACT #general {his_msgid}"
        )


class MatrixBridgeTests(MatrixBridgeCase):
    """general, bridged; ann at the line door; mxbob on Matrix."""

    @defer.inlineCallbacks
    def irc_client(self, nick: str) -> Generator[Any, Any, LineClient]:
        """An IRC client in ``#general``."""
        endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", self.irc)
        client = yield connectProtocol(endpoint, LineClient())
        self.addCleanup(client.transport.loseConnection)
        client.say(f"NICK {nick}")
        client.say(f"USER {nick} 0 * :{nick}")
        yield client.expect(lambda line: " 376 " in line or " 422 " in line)
        client.say("JOIN #general")
        yield client.expect(lambda line: " 366 " in line)
        return client

    @defer.inlineCallbacks
    def test_chatroom_to_matrix(self) -> Generator[Any, Any, None]:
        """A line user's message and /me reach mxbob from
        @chatroom_poann:localhost (m.text, m.emote), an IRC user's from
        @chatroom_poivy:localhost; each once, and nothing comes back into
        chatroom. mxbob's message reaches the IRC user as a PRIVMSG from
        the nick mxbob:localhost. poann's puppet joined the portal, and
        leaves it when she leaves the room."""
        poann = yield self.first_member("poann")
        poivy = yield self.irc_client("poivy")
        bob = yield self.matrix_user("mxbob")
        room_id = yield threads.deferToThread(bob.join, "#chatroom_general:localhost")
        self.assertIsNotNone(room_id)
        poann.say("tea is ready")
        poann.say("/me pours")
        poivy.say("PRIVMSG #general :thanks")

        def from_(user: str, body: str, msgtype: str = "m.text") -> Any:
            def check(event: dict[str, Any]) -> bool:
                content = event.get("content", {})
                return (
                    event.get("sender") == user
                    and content.get("body") == body
                    and content.get("msgtype") == msgtype
                )

            return check

        for user, body, msgtype in (
            ("@chatroom_poann:localhost", "tea is ready", "m.text"),
            ("@chatroom_poann:localhost", "pours", "m.emote"),
            ("@chatroom_poivy:localhost", "thanks", "m.text"),
        ):
            yield threads.deferToThread(
                bob.wait_event,
                room_id,
                f"{body!r} from {user}",
                from_(user, body, msgtype),
            )
        yield threads.deferToThread(bob.say, room_id, "the end")
        said = yield poivy.expect(lambda line: " PRIVMSG #general :the end" in line)
        self.assertTrue(said.startswith(":mxbob:localhost!"), said)
        yield poann.expect_line("MSG general mxbob:localhost ")
        timeline = yield threads.deferToThread(bob.timeline, room_id)
        bodies = [e.get("content", {}).get("body") for e in timeline]
        for body in ("tea is ready", "pours", "thanks"):
            self.assertEqual(bodies.count(body), 1, bodies)
        echoes = [line for line in poann.lines if "chatroom_" in line]
        self.assertEqual(echoes, [])
        poann.say("/leave")
        for membership in ("join", "leave"):
            yield threads.deferToThread(
                bob.wait_event,
                room_id,
                f"poann's puppet's {membership}",
                lambda e, m=membership: (
                    e.get("type") == "m.room.member"
                    and e.get("state_key") == "@chatroom_poann:localhost"
                    and e.get("content", {}).get("membership") == m
                ),
            )

    @defer.inlineCallbacks
    def test_membership(self) -> Generator[Any, Any, None]:
        """mxcat's join of the portal is JOIN general mxcat:localhost at the
        line door and a JOIN at IRC, and /who lists him; his leave is a
        PART, and /who no longer lists him. A line user who joins general
        once its portal is made has her puppet join the portal, and leave
        it at her /leave."""
        ann = yield self.first_member("ann")
        ivy = yield self.irc_client("ivy")
        cat = yield self.matrix_user("mxcat")
        room_id = yield threads.deferToThread(cat.join, "#chatroom_general:localhost")
        self.assertIsNotNone(room_id)
        val = yield connect_client(reactor, self.line, "val")
        val.say("/join general")
        yield val.expect_line("MEMBERS general")
        for membership in ("join", "leave"):
            if membership == "leave":
                val.say("/leave")
            yield threads.deferToThread(
                cat.wait_event,
                room_id,
                f"val's puppet's {membership}",
                lambda e, m=membership: (
                    e.get("type") == "m.room.member"
                    and e.get("state_key") == "@chatroom_val:localhost"
                    and e.get("content", {}).get("membership") == m
                ),
            )
        yield ann.expect_line("JOIN general mxcat:localhost")
        joined = yield ivy.expect(lambda line: " JOIN " in line and "mxcat" in line)
        self.assertTrue(joined.startswith(":mxcat:localhost!"), joined)
        ann.say("/who")
        listed = yield ann.expect_line("MEMBERS general")
        self.assertIn(" mxcat:localhost", listed)
        yield threads.deferToThread(cat.leave, room_id)
        yield ann.expect_line("PART general mxcat:localhost ")
        ann.say("/who")
        listed = yield ann.expect_line("MEMBERS general")
        self.assertNotIn("mxcat", listed)

    @defer.inlineCallbacks
    def test_life(self) -> Generator[Any, Any, None]:
        """Edits, deletions, replies and reactions both ways, with Synapse:
        /edit, /redact, /reply and /react of rita's message point at its
        event; mxbob's m.replace is an EDIT (rich) and a MSG with `* `
        (plain), his redaction with reason typo a REDACT (and /history no
        longer has the message), his reply (with its fallback) a MSG
        tagged reply=ID, his m.annotation a REACT; /reply and /react of his
        message point at his event."""
        rita = yield self.first_member("rita", rich=True)
        plain = yield connect_client(reactor, self.line, "paul")
        plain.say("/join general")
        yield plain.expect_line("MEMBERS general")
        bob = yield self.matrix_user("mxbob")
        room_id = yield threads.deferToThread(bob.join, "#chatroom_general:localhost")

        def rich_line(words: str) -> Any:
            return rita.expect(lambda line: line.startswith("@") and words in line)

        def arrived(what: str, check: Any) -> Any:
            return threads.deferToThread(bob.wait_event, room_id, what, check)

        def body_is(text: str) -> Any:
            return lambda e: e.get("content", {}).get("body") == text

        def relates(e: dict[str, Any]) -> Any:
            return e.get("content", {}).get("m.relates_to", {})

        rita.say("tea at five")
        said = yield rich_line(" tea at five")
        tea = said.split(" ")[0][1:].split(";")[0]
        tea_event = (yield arrived("tea at five", body_is("tea at five")))["event_id"]
        rita.say(f"/edit {tea} tea at six")
        edit = yield arrived("the edit", body_is("* tea at six"))
        self.assertEqual(
            relates(edit), {"rel_type": "m.replace", "event_id": tea_event}
        )
        self.assertEqual(edit["content"]["m.new_content"]["body"], "tea at six")
        rita.say(f"/reply {tea} bring cake")
        reply = yield arrived("the reply", body_is("bring cake"))
        self.assertEqual(relates(reply), {"m.in_reply_to": {"event_id": tea_event}})
        rita.say(f"/react {tea} 🎉")
        reaction = yield arrived(
            "the reaction", lambda e: relates(e).get("rel_type") == "m.annotation"
        )
        self.assertEqual(
            relates(reaction),
            {"rel_type": "m.annotation", "event_id": tea_event, "key": "🎉"},
        )
        rita.say(f"/redact {tea}")
        redaction = yield arrived(
            "the redaction", lambda e: e.get("type") == "m.room.redaction"
        )
        self.assertEqual(
            redaction.get("redacts", redaction["content"].get("redacts")), tea_event
        )

        his = yield threads.deferToThread(bob.say, room_id, "coffee?")
        said = yield rich_line("MSG general mxbob:localhost")
        coffee = said.split(" ")[0][1:].split(";")[0]
        yield threads.deferToThread(
            bob.send,
            room_id,
            {
                "msgtype": "m.text",
                "body": "* coffee!",
                "m.new_content": {"msgtype": "m.text", "body": "coffee!"},
                "m.relates_to": {"rel_type": "m.replace", "event_id": his},
            },
        )
        edited = yield rich_line(" EDIT general ")
        self.assertRegex(
            edited, rf"^@\d+ EDIT general {coffee} mxbob:localhost \S+ coffee!$"
        )
        yield plain.expect(lambda line: line.endswith(" * coffee!"))
        self.assertRegex(
            plain.lines[-1], r"^MSG general mxbob:localhost \S+ \* coffee!$"
        )
        yield threads.deferToThread(
            bob.send,
            room_id,
            {
                "msgtype": "m.text",
                "body": "> <@chatroom_rita:localhost> coffee?\n\nme please",
                "m.relates_to": {"m.in_reply_to": {"event_id": his}},
            },
        )
        replied = yield rich_line(" me please")
        self.assertRegex(
            replied,
            rf"^@\d+;reply={coffee};bridged=matrix MSG general mxbob:localhost "
            r"\S+ me please$",
        )
        yield threads.deferToThread(
            bob.send,
            room_id,
            {
                "m.relates_to": {
                    "rel_type": "m.annotation",
                    "event_id": his,
                    "key": "👍",
                }
            },
            "m.reaction",
        )
        reacted = yield rich_line(" REACT general ")
        self.assertRegex(reacted, rf"^@\d+ REACT general {coffee} mxbob:localhost 👍")
        rita.say(f"/reply {coffee} on its way")
        answer = yield arrived("rita's answer", body_is("on its way"))
        self.assertEqual(relates(answer), {"m.in_reply_to": {"event_id": his}})
        rita.say(f"/react {coffee} 🎉")
        yield arrived(
            "rita's reaction",
            lambda e: (
                relates(e).get("event_id") == his and relates(e).get("key") == "🎉"
            ),
        )
        oops = yield threads.deferToThread(bob.say, room_id, "oops")
        said = yield rich_line(" oops")
        gone = said.split(" ")[0][1:].split(";")[0]
        yield threads.deferToThread(bob.redact, room_id, oops, "typo")
        redacted = yield rich_line(" REDACT general ")
        self.assertRegex(redacted, rf"^@\d+ REDACT general {gone} mxbob:localhost typo")
        rita.say("/history 50")
        yield rita.expect(lambda line: line.startswith("HISTORY_END"))
        replayed = [x for x in rita.lines if "HISTORY general" in x]
        self.assertFalse([x for x in replayed if x.endswith(" oops")], replayed)

    @defer.inlineCallbacks
    def test_an_irc_member_and_a_matrix_user(self) -> Generator[Any, Any, None]:
        """The conversation at the IRC door (``message-tags``,
        ``draft/message-redaction``, ``echo-message``): ivy's reply
        (``+draft/reply``), reaction (``TAGMSG +draft/react``) and
        ``REDACT`` of mxbob's message and of her own reach Matrix as an
        ``m.in_reply_to``, an ``m.annotation`` and a redaction of the
        right events; mxbob's edit reaches her as ``* TEXT`` answering his
        message, his reaction to hers as a ``TAGMSG``, his redaction as a
        ``REDACT`` of its msgid. Each message once on either side."""
        yield self.first_member("ann")
        ivy = yield self.irc_member("ivy")
        bob = yield self.matrix_user("mxbob")
        room_id = yield threads.deferToThread(bob.join, "#chatroom_general:localhost")

        def arrived(what: str, check: Any) -> Any:
            return threads.deferToThread(bob.wait_event, room_id, what, check)

        def relates(e: dict[str, Any]) -> Any:
            return e.get("content", {}).get("m.relates_to", {})

        def heard(words: str) -> Any:
            return ivy.expect(lambda line: line.endswith(words))

        his = yield threads.deferToThread(bob.say, room_id, "hi ivy")
        seen = yield heard(" PRIVMSG #general :hi ivy")
        self.assertTrue(untagged(seen).startswith(":mxbob:localhost!"), seen)
        his_msgid = tags_of(seen)["msgid"]

        ivy.say(f"@+draft/reply={his_msgid} PRIVMSG #general :hello bob")
        mine = tags_of((yield heard(" PRIVMSG #general :hello bob")))["msgid"]
        reply = yield arrived(
            "ivy's reply",
            lambda e: str(e.get("content", {}).get("body", "")).endswith("hello bob"),
        )
        self.assertEqual(reply["sender"], "@chatroom_ivy:localhost")
        self.assertEqual(relates(reply), {"m.in_reply_to": {"event_id": his}})
        ivy.say(f"@+draft/react=👍;+draft/reply={his_msgid} TAGMSG #general")
        reaction = yield arrived(
            "ivy's reaction", lambda e: relates(e).get("rel_type") == "m.annotation"
        )
        self.assertEqual(
            (reaction["sender"], relates(reaction)),
            (
                "@chatroom_ivy:localhost",
                {"rel_type": "m.annotation", "event_id": his, "key": "👍"},
            ),
        )
        ivy.say("PRIVMSG #general :mistake")
        oops = tags_of((yield heard(" PRIVMSG #general :mistake")))["msgid"]
        oops_event = yield arrived(
            "ivy's mistake", lambda e: e.get("content", {}).get("body") == "mistake"
        )
        ivy.say(f"REDACT #general {oops} :typo")
        redaction = yield arrived(
            "ivy's redaction",
            lambda e: (
                e.get("type") == "m.room.redaction"
                and oops_event["event_id"]
                in (e.get("redacts"), e.get("content", {}).get("redacts"))
            ),
        )
        self.assertEqual(redaction["content"].get("reason"), "typo")

        reply_event = reply["event_id"]
        yield self.his_answers_at_irc(
            bob, room_id, ivy, his, his_msgid, reply_event, mine
        )

        timeline = yield threads.deferToThread(bob.timeline, room_id)
        bodies = [e.get("content", {}).get("body") for e in timeline]
        self.assertEqual(
            sum(str(b).endswith("hello bob") for b in bodies if b), 1, bodies
        )
        heard_once = [x for x in ivy.lines if x.endswith(" PRIVMSG #general :hi ivy")]
        self.assertEqual(len(heard_once), 1, ivy.lines)

    @defer.inlineCallbacks
    def test_a_matrix_user_in_a_room(self) -> Generator[Any, Any, None]:
        """An alias of no room is refused; mxbob joins general's portal;
        his message reaches a plain and a rich line member, tagged
        bridged=matrix, once; his m.emote is an ACTION. A transaction
        pushed again, or its event in another, says nothing more; a wrong
        hs_token is 403 and none 401, and nothing of either is said."""
        ann = yield self.first_member("ann")
        rich = yield connect_client(reactor, self.line, "rita")
        rich.say("/caps rich")
        rich.say("/join general")
        yield rich.expect_line("MEMBERS general")
        bob = yield self.matrix_user("mxbob")
        self.assertIsNone(
            (yield threads.deferToThread(bob.join, "#chatroom_nosuchroom:localhost"))
        )
        room_id = yield threads.deferToThread(bob.join, "#chatroom_general:localhost")
        self.assertIsNotNone(room_id)
        yield threads.deferToThread(bob.say, room_id, "hello from matrix")
        said = yield ann.expect_line("MSG general mxbob:localhost ")
        self.assertRegex(said, r"^MSG general mxbob:localhost \S+ hello from matrix$")
        tagged = yield rich.expect(lambda line: " MSG general mxbob:localhost " in line)
        self.assertRegex(
            tagged,
            r"^@\d+;bridged=matrix MSG general mxbob:localhost \S+ hello from matrix$",
        )
        yield threads.deferToThread(bob.say, room_id, "waves", "m.emote")
        action = yield ann.expect_line("ACTION general mxbob:localhost ")
        self.assertTrue(action.endswith(" waves"), action)

        event = {
            "type": "m.room.message",
            "event_id": "$pushed-by-the-test",
            "room_id": room_id,
            "sender": "@mxbob:localhost",
            "content": {"msgtype": "m.text", "body": "pushed once"},
        }
        txn = {"events": [event]}
        path = "/_matrix/app/v1/transactions/"
        hs = self.tokens["hs_token"]
        for txn_id in ("test-1", "test-1", "test-2"):
            status = yield threads.deferToThread(
                push_as_homeserver, self.url, path + txn_id, txn, hs
            )
            self.assertEqual(status, 200)
        wrong = dict(txn, events=[dict(event, event_id="$wrong")])
        wrong["events"][0]["content"] = {"msgtype": "m.text", "body": "not said"}
        for token, expected in (("wrong-token", 403), (None, 401)):
            status = yield threads.deferToThread(
                push_as_homeserver, self.url, path + "test-3", wrong, token
            )
            self.assertEqual(status, expected)
        yield threads.deferToThread(bob.say, room_id, "the end")
        yield ann.expect_line("MSG general mxbob:localhost ")  # pushed once
        yield ann.expect(lambda line: line.endswith(" the end"))
        heard = [line for line in ann.lines if "mxbob:localhost" in line]
        self.assertEqual(sum(" pushed once" in line for line in heard), 1)
        self.assertFalse([line for line in heard if "not said" in line])
        self.assertEqual(sum(" hello from matrix" in line for line in heard), 1)

    @defer.inlineCallbacks
    def test_flood_limits(self) -> Generator[Any, Any, None]:
        """With --burst 4 and --rate 0.01, mxbob's first four messages in a
        row are said and the rest are not (nor does anything come back to
        Matrix for them), and the server's log says so; mxcat, in a bucket of
        his own, still speaks."""
        ann = yield self.first_member("ann", "--rate", "0.01", "--burst", "4")
        bob = yield self.matrix_user("mxbob")
        cat = yield self.matrix_user("mxcat")
        room_id = yield threads.deferToThread(bob.join, "#chatroom_general:localhost")
        yield threads.deferToThread(cat.join, room_id)
        for n in range(6):
            yield threads.deferToThread(bob.say, room_id, f"flood {n}")
        yield threads.deferToThread(cat.say, room_id, "cat here")
        yield ann.expect(lambda line: line.endswith(" cat here"))
        heard = [
            x.rsplit(" ", 2)[-2:] for x in ann.lines if x.startswith("MSG general ")
        ]
        said = [["flood", str(n)] for n in range(4)]
        self.assertEqual(heard, [*said, ["cat", "here"]], ann.lines)
        timeline = yield threads.deferToThread(bob.timeline, room_id)
        echoed = [e for e in timeline if e["sender"].startswith("@chatroom")]
        self.assertFalse(
            [e for e in echoed if e.get("type") == "m.room.message"], echoed
        )
        yield self.process.when_output(b"mxbob:localhost is past the flood limits")

    @defer.inlineCallbacks
    def test_redactions_by_others(self) -> Generator[Any, Any, None]:
        """A Matrix redaction of someone else's message is honoured only
        from a user whom the portal's power levels let redact: mxcat's
        redaction of mxbob's message at the default level (pushed as the
        homeserver would; Synapse itself refuses it to him) is ignored;
        raised to the redact level by the bridge's user, his redactions
        of mxbob's message and of rita's are REDACTs by him, and /history
        no longer has them."""
        rita = yield self.first_member("rita", rich=True)
        bob = yield self.matrix_user("mxbob")
        cat = yield self.matrix_user("mxcat")
        room_id = yield threads.deferToThread(bob.join, "#chatroom_general:localhost")
        yield threads.deferToThread(cat.join, room_id)

        def said_id(words: str) -> Any:
            got = rita.expect(lambda line: line.startswith("@") and words in line)
            return got.addCallback(lambda line: line.split(" ")[0][1:].split(";")[0])

        kept_event = yield threads.deferToThread(bob.say, room_id, "kept words")
        kept = yield said_id(" kept words")
        gone_event = yield threads.deferToThread(bob.say, room_id, "spam words")
        gone = yield said_id(" spam words")
        rita.say("rita's words")
        hers = yield said_id(" rita's words")
        her_event = yield threads.deferToThread(
            bob.wait_event,
            room_id,
            "rita's message",
            lambda e: e.get("content", {}).get("body") == "rita's words",
        )
        pushed = {
            "type": "m.room.redaction",
            "event_id": "$a-redaction-without-power",
            "room_id": room_id,
            "sender": "@mxcat:localhost",
            "redacts": kept_event,
            "content": {"reason": "not his"},
        }
        status = yield threads.deferToThread(
            push_as_homeserver,
            self.url,
            "/_matrix/app/v1/transactions/test-redaction",
            {"events": [pushed]},
            self.tokens["hs_token"],
        )
        self.assertEqual(status, 200)

        path = f"/_matrix/client/v3/rooms/{room_id}/state/m.room.power_levels"
        as_token = self.tokens["as_token"]
        status, levels = yield threads.deferToThread(
            self.synapse.request, "GET", path, None, as_token
        )
        self.assertEqual(status, 200, levels)
        levels.setdefault("users", {})["@mxcat:localhost"] = levels.get("redact", 50)
        status, answer = yield threads.deferToThread(
            self.synapse.request, "PUT", path, levels, as_token
        )
        self.assertEqual(status, 200, answer)
        yield threads.deferToThread(cat.redact, room_id, gone_event, "spam")
        redacted = yield rita.expect(lambda line: " REDACT general " in line)
        self.assertRegex(
            redacted, rf"^@\d+ REDACT general {gone} mxcat:localhost spam$"
        )
        yield threads.deferToThread(cat.redact, room_id, her_event["event_id"], "")
        redacted = yield rita.expect(lambda line: " REDACT general " in line)
        self.assertRegex(redacted, rf"^@\d+ REDACT general {hers} mxcat:localhost")
        self.assertFalse([x for x in rita.lines if f" REDACT general {kept} " in x])
        before = len(rita.lines)
        rita.say("/history 50")
        yield rita.expect(lambda line: line.startswith("HISTORY_END"))
        replayed = rita.lines[before:]
        self.assertTrue([x for x in replayed if x.endswith(" kept words")], replayed)
        for words in (" spam words", " rita's words"):
            self.assertFalse([x for x in replayed if x.endswith(words)], replayed)


class MatrixBridgeRestartTests(MatrixBridgeCase):
    """Either side stopped and started again: nothing lost, nothing doubled."""

    timeout = 480

    @defer.inlineCallbacks
    def stopped(self, process: Any) -> Generator[Any, Any, None]:
        """``process`` (what :meth:`started` gave) stopped as an operator
        stops it."""
        assert process.transport is not None
        process.transport.signalProcess("TERM")
        yield process.ended

    @defer.inlineCallbacks
    def started(self) -> Generator[Any, Any, tuple[Any, LineClient]]:
        """The server started (again): its process, and ann in general."""
        process = self.serve()
        yield process.when_output(b"listening on")
        return process, (yield self.ann_in_general())

    @defer.inlineCallbacks
    def ann_in_general(self) -> Generator[Any, Any, LineClient]:
        """ann at the line door (:attr:`line`), in general, with ids."""
        ann = yield until(
            lambda: connect_client(reactor, self.line, "ann"), 60, "the line door"
        )
        ann.say("/caps ids")
        ann.say("/join general")
        yield ann.expect_line("MEMBERS general")
        return ann

    @defer.inlineCallbacks
    def test_restarts(self) -> Generator[Any, Any, None]:
        """Synapse stopped while ann says two messages, then started: both
        reach Matrix. chatroom stopped while mxbob says two, then started
        on its --db: both reach chatroom, mxbob is a member again, and an
        /edit of a message from before is an m.replace of its event.
        Synapse stopped, ann speaks, chatroom restarted (while Synapse is
        down), Synapse started: it reaches Matrix. Each message once on
        either side."""
        process, ann = yield self.started()
        bob = yield self.matrix_user("mxbob")
        room_id = yield threads.deferToThread(bob.join, "#chatroom_general:localhost")
        ann.say("before")
        before = yield ann.expect(lambda line: line.endswith(" before"))
        before_id = before.split(" ")[0][1:]

        def arrived(body: str) -> Any:
            return threads.deferToThread(
                bob.wait_event,
                room_id,
                repr(body),
                lambda e: e.get("content", {}).get("body") == body,
                90,
            )

        before_event = yield arrived("before")
        yield threads.deferToThread(self.synapse.stop)
        ann.say("while synapse was away 1")
        ann.say("while synapse was away 2")
        yield ann.expect(lambda line: line.endswith(" away 2"))
        yield threads.deferToThread(self.synapse.start)
        yield arrived("while synapse was away 1")
        yield arrived("while synapse was away 2")

        yield self.stopped(process)
        yield threads.deferToThread(bob.say, room_id, "while chatroom was away 1")
        yield threads.deferToThread(bob.say, room_id, "while chatroom was away 2")
        process, ann = yield self.started()

        def in_history(text: str) -> defer.Deferred[bool]:
            ann.say("/history 20")  # asked again until it is there
            return task.deferLater(
                reactor, 0.5, lambda: any(x.endswith(text) for x in ann.lines)
            )

        for n in (1, 2):
            said = f"while chatroom was away {n}"
            yield until(partial(in_history, said), 90, f"mxbob's message {n}")

        def listed() -> defer.Deferred[bool]:
            ann.say("/who")  # mxbob seated again, from the ledger
            return task.deferLater(
                reactor,
                0.5,
                lambda: any(
                    x.startswith("MEMBERS general") and "mxbob:localhost" in x
                    for x in ann.lines
                ),
            )

        yield until(listed, 30, "mxbob among the members again")
        ann.say(f"/edit {before_id} before, edited")
        edit = yield threads.deferToThread(
            bob.wait_event,
            room_id,
            "the edit",
            lambda e: (
                e.get("content", {}).get("m.new_content", {}).get("body")
                == "before, edited"
            ),
            90,
        )
        self.assertEqual(
            edit["content"]["m.relates_to"],
            {"rel_type": "m.replace", "event_id": before_event["event_id"]},
        )

        yield threads.deferToThread(self.synapse.stop)
        ann.say("said before both restarted")
        yield ann.expect(lambda line: line.endswith(" both restarted"))
        yield self.stopped(process)
        process, ann = yield self.started()  # Synapse is down
        yield threads.deferToThread(self.synapse.start)
        yield arrived("said before both restarted")

        timeline = yield threads.deferToThread(bob.timeline, room_id)
        bodies = [e.get("content", {}).get("body") for e in timeline]
        for body in (
            "while synapse was away 1",
            "while synapse was away 2",
            "said before both restarted",
        ):
            self.assertEqual(bodies.count(body), 1, bodies)
        before = len(ann.lines)
        ann.say("/history 50")
        yield ann.expect(lambda line: line.startswith("HISTORY_END general"))
        history = [x for x in ann.lines[before:] if " HISTORY general " in x]
        for said in (
            "while synapse was away 1",
            "while synapse was away 2",
            "while chatroom was away 1",
            "while chatroom was away 2",
            "said before both restarted",
        ):
            kept = [x for x in history if x.endswith(f" {said}")]
            self.assertEqual(len(kept), 1, history)

    @defer.inlineCallbacks
    def test_an_irc_member_and_a_matrix_user_across_restarts(
        self,
    ) -> Generator[Any, Any, None]:
        """ivy (IRC, ``message-tags``) and mxbob each say a message, and
        ivy a mistake; Synapse is stopped while ivy speaks, then started;
        chatroom is stopped while mxbob speaks, then started, and ivy comes
        back. Then, about the messages from before: ivy's reply to mxbob's
        and her reaction to it are an ``m.in_reply_to`` and an
        ``m.annotation`` of his event, her REDACT of her mistake a
        redaction of its event; mxbob's edit of his message reaches her as
        ``* TEXT`` answering its msgid, his reaction to hers a ``TAGMSG``
        of hers, his redaction a ``REDACT`` of his msgid. Each message is
        once in mxbob's timeline and once in chatroom's history, and ivy
        hears each answer once."""
        process, ann = yield self.started()
        ivy = yield self.irc_member("ivy")
        bob = yield self.matrix_user("mxbob")
        room_id = yield threads.deferToThread(bob.join, "#chatroom_general:localhost")

        def arrived(what: str, check: Any) -> Any:
            return threads.deferToThread(bob.wait_event, room_id, what, check, 90)

        def body_is(text: str) -> Any:
            return lambda e: e.get("content", {}).get("body") == text

        def relates(e: dict[str, Any]) -> Any:
            return e.get("content", {}).get("m.relates_to", {})

        def heard(words: str) -> Any:
            return ivy.expect(lambda line: line.endswith(words))

        his = yield threads.deferToThread(bob.say, room_id, "hi ivy")
        his_msgid = tags_of((yield heard(" PRIVMSG #general :hi ivy")))["msgid"]
        ivy.say("PRIVMSG #general :hello bob")
        mine = tags_of((yield heard(" PRIVMSG #general :hello bob")))["msgid"]
        mine_event = (yield arrived("ivy's message", body_is("hello bob")))["event_id"]
        ivy.say("PRIVMSG #general :mistake")
        oops = tags_of((yield heard(" PRIVMSG #general :mistake")))["msgid"]
        oops_event = (yield arrived("ivy's mistake", body_is("mistake")))["event_id"]

        yield threads.deferToThread(self.synapse.stop)
        ivy.say("PRIVMSG #general :while synapse was away")
        yield heard(" PRIVMSG #general :while synapse was away")
        yield threads.deferToThread(self.synapse.start)
        yield arrived("ivy's words while away", body_is("while synapse was away"))

        yield self.stopped(process)
        yield ivy.closed
        yield threads.deferToThread(bob.say, room_id, "while chatroom was away")
        process, ann = yield self.started()

        def in_history(text: str) -> defer.Deferred[bool]:
            ann.say("/history 20")  # asked again until it is there
            return task.deferLater(
                reactor, 0.5, lambda: any(x.endswith(text) for x in ann.lines)
            )

        yield until(
            partial(in_history, " while chatroom was away"), 90, "mxbob's words"
        )
        ivy = yield self.irc_member("ivy")
        ivy.say(f"@+draft/reply={his_msgid} PRIVMSG #general :welcome back")
        yield heard(" PRIVMSG #general :welcome back")
        reply = yield arrived(
            "ivy's reply",
            lambda e: str(e.get("content", {}).get("body", "")).endswith(
                "welcome back"
            ),
        )
        self.assertEqual(
            (reply["sender"], relates(reply)),
            ("@chatroom_ivy:localhost", {"m.in_reply_to": {"event_id": his}}),
        )
        ivy.say(f"@+draft/react=👍;+draft/reply={his_msgid} TAGMSG #general")
        reaction = yield arrived(
            "ivy's reaction", lambda e: relates(e).get("rel_type") == "m.annotation"
        )
        self.assertEqual(
            relates(reaction),
            {"rel_type": "m.annotation", "event_id": his, "key": "👍"},
        )
        ivy.say(f"REDACT #general {oops} :typo")
        yield arrived(
            "ivy's redaction",
            lambda e: (
                e.get("type") == "m.room.redaction"
                and oops_event
                in (e.get("redacts"), e.get("content", {}).get("redacts"))
            ),
        )
        yield self.his_answers_at_irc(
            bob, room_id, ivy, his, his_msgid, mine_event, mine
        )
        yield threads.deferToThread(bob.say, room_id, "the end")
        yield heard(" PRIVMSG #general :the end")

        timeline = yield threads.deferToThread(bob.timeline, room_id)
        bodies = [e.get("content", {}).get("body") for e in timeline]
        for body in ("hello bob", "mistake", "while synapse was away"):
            self.assertEqual(bodies.count(body), 1, bodies)
        self.assertEqual(
            sum(str(b).endswith("welcome back") for b in bodies if b), 1, bodies
        )
        his_lines = [x for x in ivy.lines if untagged(x).startswith(":mxbob:")]
        for answer in (" :* hi ivy!", " TAGMSG #general", " REDACT #general "):
            self.assertEqual(len([x for x in his_lines if answer in x]), 1, ivy.lines)
        before = len(ann.lines)
        ann.say("/history 50")  # ann's earlier /history answers are read

        def answered() -> defer.Deferred[bool]:
            after = ann.lines[before:]
            return defer.succeed(any(x.startswith("HISTORY_END ") for x in after))

        yield until(answered, 30, "ann's /history")
        history = [x for x in ann.lines[before:] if " HISTORY general " in x]
        for said in (
            " hello bob",
            " while synapse was away",
            " while chatroom was away",
        ):
            self.assertEqual(len([x for x in history if x.endswith(said)]), 1, history)
        for gone_words in (" hi ivy", " mistake"):
            self.assertFalse([x for x in history if x.endswith(gone_words)], history)
