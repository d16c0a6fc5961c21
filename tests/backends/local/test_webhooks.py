"""Incoming webhooks (issue 34) with the in-process registry: the contract,
Slack's text made plain, the bot names, the limit on the injected clock,
what the ``--db`` file keeps across a restart, and the access log."""

from __future__ import annotations

from typing import Any, cast

from twisted.internet import defer
from twisted.internet.task import Clock
from twisted.trial import unittest
from twisted.web.server import Request
from twisted.web.test.requesthelper import DummyRequest

from chatroom.backends.local.store import SqliteStore
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.errors import ChatError, WebhookThrottledError
from chatroom.core.model.events import Message
from chatroom.core.model.text import is_valid_name
from chatroom.core.rooms.webhooks import BOT_SUFFIX, bot_name, payload_of, slack_text
from chatroom.doors.base.hub import DoorHub
from chatroom.doors.web.channel import access_line
from tests.backends.contracts.handler import CONFIG
from tests.backends.contracts.webhook import (
    BASE,
    HookStoreContract,
    WebhookContract,
    body,
)
from tests.support import (
    FakeClient,
    StoreFileTestCase,
    in_place,
    local_backend,
    local_server,
)


class LocalRegistryWebhookTests(WebhookContract, unittest.TestCase):
    """Every reply arrives within the call that sent the line."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.server = local_server(CONFIG, self.clock)


class LocalHookStoreTests(HookStoreContract, unittest.TestCase):
    """The hooks in this process's memory (and its store)."""

    def setUp(self) -> None:
        self.server = local_server(CONFIG, Clock())

    def backend(self) -> Any:
        return local_backend(self.server)


class SlackTextTests(unittest.TestCase):
    """Slack's mrkdwn, as a person reads it in plain text."""

    def test_links_read_as_label_and_address(self) -> None:
        """``<url|label>`` is ``label (url)``, ``<url>`` the address, a
        label that is the address once, a mail address its label."""
        self.assertEqual(
            slack_text("see <https://x.example/a?b=1|the build> now"),
            "see the build (https://x.example/a?b=1) now",
        )
        self.assertEqual(slack_text("<https://x.example>"), "https://x.example")
        self.assertEqual(
            slack_text("<https://x.example|https://x.example>"), "https://x.example"
        )
        self.assertEqual(slack_text("<mailto:ops@x.example|ops>"), "ops")
        self.assertEqual(slack_text("<mailto:ops@x.example>"), "ops@x.example")

    def test_mentions_read_as_names(self) -> None:
        """Users, channels and Slack's special words by their names."""
        self.assertEqual(slack_text("<@U123|bob> <@U9>"), "@bob @U9")
        self.assertEqual(slack_text("<#C1|ops> <#C2>"), "#ops #C2")
        self.assertEqual(slack_text("<!here> <!channel>"), "@here @channel")
        self.assertEqual(slack_text("<!subteam^S1|@devs>"), "@devs")

    def test_code_blocks_lose_their_backquotes_and_nothing_inside_is_markup(
        self,
    ) -> None:
        """A code block's text stays on its lines, its ``<...>`` as written;
        inline code, bold and italics stay as they are."""
        self.assertEqual(
            slack_text("failed:\n```\n$ make <target>\nerror\n```\ndone"),
            "failed:\n$ make <target>\nerror\ndone",
        )
        self.assertEqual(slack_text("run ```ls``` now"), "run ls now")
        self.assertEqual(slack_text("*bold* _it_ `code`"), "*bold* _it_ `code`")
        self.assertEqual(slack_text("a ``` b"), "a ``` b")

    def test_escapes_read_as_characters(self) -> None:
        """``&lt;``, ``&gt;`` and ``&amp;`` are what they stand for, once."""
        self.assertEqual(slack_text("1 &lt; 2 &amp;&amp; 3 &gt; 2"), "1 < 2 && 3 > 2")
        self.assertEqual(slack_text("&amp;lt;"), "&lt;")


class BotNameTests(unittest.TestCase):
    """A post is shown from a name that can never be a user's."""

    def test_the_username_or_the_hook_then_the_mark(self) -> None:
        """Slack's ``username`` made a name, else the hook's, then ``[bot]``."""
        self.assertEqual(bot_name("Jenkins CI", "ci"), "Jenkins-CI[bot]")
        self.assertEqual(bot_name("", "ci"), "ci[bot]")
        self.assertEqual(bot_name("!!!", "ci"), "ci[bot]")
        self.assertEqual(bot_name("x" * 40, "ci"), "x" * 27 + "[bot]")

    def test_no_bot_name_is_a_name_anyone_can_take(self) -> None:
        """However a post calls itself (a user's name, look-alikes, a
        service), its name is no valid user name."""
        for username in ("alice", "NickServ", "аlice", "a.b-c_d", "x" * 40, ""):
            name = bot_name(username, "ci")
            self.assertTrue(name.endswith(BOT_SUFFIX), name)
            self.assertFalse(is_valid_name(name), name)
            self.assertLessEqual(len(name), 32)


class PayloadTests(unittest.TestCase):
    """Slack's JSON read: its text and username."""

    def test_text_and_username(self) -> None:
        """Other fields are ignored; a username that is no string is none."""
        self.assertEqual(payload_of(body(text="hi", username="ci")), ("hi", "ci"))
        self.assertEqual(payload_of(body(text="hi", icon_emoji=":x:")), ("hi", ""))
        self.assertEqual(payload_of(body(text="hi", username=3)), ("hi", ""))

    def test_what_is_no_post(self) -> None:
        """No JSON, no object, no text, nor an attachment that says
        anything: ``BAD_ARGS``, saying what to post."""
        for data in (
            b"",
            b"text=hi",
            b"null",
            b'"hi"',
            body(text=3),
            body(text=""),
            body(attachments=[]),
            body(attachments="hi"),
            body(text=" ", attachments=[{"color": "#f00", "footer": "x"}, "hi", 3]),
            body(attachments=[{"title": " ", "fields": [{"title": "a", "value": ""}]}]),
        ):
            with self.assertRaises(ChatError) as raised:
                payload_of(data)
            self.assertEqual(raised.exception.code, "BAD_ARGS", data)

    def test_mattermost_fields(self) -> None:
        """Mattermost's ``icon_url`` and ``channel`` are taken and shown
        nowhere (a hook posts in its room); apprise's title comes as the
        text's first line."""
        data = body(
            text="Deploy\r\nbuild 7 is out",
            username="deployer",
            icon_url="https://x.example/i.png",
            channel="town-square",
        )
        self.assertEqual(payload_of(data), ("Deploy\nbuild 7 is out", "deployer"))


def attached(*attachments: dict[str, Any], text: str | None = None) -> str:
    """The text a post of ``attachments`` (after ``text``) says."""
    fields: dict[str, Any] = {"attachments": list(attachments)}
    if text is not None:
        fields["text"] = text
    return payload_of(body(**fields))[0]


class AttachmentTests(unittest.TestCase):
    """Slack's and Mattermost's message attachments, as lines of text."""

    def test_each_part_in_order(self) -> None:
        """After the body's text: the pretext, the title with its link, the
        text, then ``title: value`` per field."""
        attachment = {
            "fields": [
                {"title": "severity", "value": "critical", "short": True},
                {"title": "instance", "value": "db1:9100"},
            ],
            "text": "disk / is 95% full",
            "title_link": "https://am.example/#/alerts",
            "title": "[FIRING:1] DiskFull",
            "pretext": "Production",
            "fallback": "never shown: the attachment says something",
        }
        self.assertEqual(
            attached(attachment, text="Alerts:"),
            "Alerts:\n"
            "Production\n"
            "[FIRING:1] DiskFull (https://am.example/#/alerts)\n"
            "disk / is 95% full\n"
            "severity: critical\n"
            "instance: db1:9100",
        )

    def test_several_attachments_follow_one_another(self) -> None:
        """Each attachment's lines after the one before's; a title without
        a link is the title alone, a link the same as the title once."""
        self.assertEqual(
            attached(
                {"title": "first", "text": "one"},
                {"title": "https://x.example", "title_link": "https://x.example"},
            ),
            "first\none\nhttps://x.example",
        )

    def test_the_fallback_when_nothing_else(self) -> None:
        """An attachment with no pretext, title, text or field says its
        ``fallback``; one with none of those says nothing."""
        self.assertEqual(
            attached({"fallback": "[FIRING:1] DiskFull", "color": "danger"}),
            "[FIRING:1] DiskFull",
        )
        self.assertEqual(
            attached({"color": "good"}, {"fallback": "b"}, text="a"), "a\nb"
        )

    def test_markup_made_plain_and_blanks_left_out(self) -> None:
        """Each part's Slack markup is made plain as ``text``'s is; blank
        parts and fields without a value are left out; a field without a
        title is its value; a number is a value as written; a part of
        several lines keeps them, without its blank ones at either end."""
        attachment = {
            "pretext": "  ",
            "title": "Build <https://ci.example/7|#7>",
            "text": "\n```\nmake test\n```\n\n",
            "fields": [
                {"title": "took", "value": 42},
                {"title": "owner", "value": "<@U1|bob> &amp; <!here>"},
                {"title": "empty", "value": ""},
                {"title": "", "value": "untitled"},
                {"title": "flag", "value": True},
                "not a field",
            ],
            "footer": "ignored",
            "image_url": "https://x.example/i.png",
            "mrkdwn_in": ["text"],
            "callback_id": "x",
        }
        self.assertEqual(
            attached(attachment),
            "Build #7 (https://ci.example/7)\n"
            "make test\n"
            "took: 42\n"
            "owner: @bob & @here\n"
            "untitled",
        )


class WebhookLimitTests(unittest.TestCase):
    """``--webhook-limit`` posts per hook in any 10 seconds, on the clock."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.server = local_server(ServerConfig(rate=0, webhook_limit=3), self.clock)
        self.server.webhook_base = BASE
        self.alice = FakeClient(self.server)
        for line in ("alice", "/create tea", "/webhook add ci", "/webhook add cd"):
            self.alice.send(line)
        hooks = [x for x in self.alice.received() if x.startswith("WEBHOOK ")]
        self.ci, self.cd = (line.rsplit("/", 1)[1] for line in hooks)

    def post(self, secret: str) -> Message | ChatError:
        result: list[Any] = []
        posting = defer.Deferred.fromCoroutine(
            self.server.registry.webhooks.post(secret, body(text="hi"))
        )
        posting.addCallbacks(
            result.append, lambda failure: result.append(failure.value)
        )
        return result[0]

    def test_too_fast_is_refused_until_the_window_moves(self) -> None:
        """The fourth post in 10 s is ``TOO_FAST``, saying when to try
        again; another hook is not held back; 10 s after the first, one
        more goes."""
        for _ in range(3):
            self.assertIsInstance(self.post(self.ci), Message)
            self.clock.advance(1)
        refusal = self.post(self.ci)
        assert isinstance(refusal, WebhookThrottledError), refusal
        self.assertEqual(refusal.code, "TOO_FAST")
        self.assertAlmostEqual(refusal.seconds, 7)
        self.assertIn("try again in 7 s", refusal.text)
        self.assertIsInstance(self.post(self.cd), Message)
        self.clock.advance(6)
        self.assertIsInstance(self.post(self.ci), ChatError)
        self.clock.advance(1)
        self.assertIsInstance(self.post(self.ci), Message)


class HooksAcrossRestartsTests(StoreFileTestCase):
    """Hooks are kept in the ``--db`` file, and go with their room."""

    def start(self) -> DoorHub:
        server = super().start()
        server.webhook_base = BASE
        return server

    def test_hooks_survive_a_restart(self) -> None:
        """After a crash, a hook's address still posts into its room, and
        ``/webhook list`` shows it; one removed before stays removed."""
        alice = FakeClient(self.start())
        for line in ("alice", "/create tea", "/webhook add ci", "/webhook add cd"):
            alice.send(line)
        alice.send("/webhook remove cd")
        (ci,) = [x for x in alice.received() if x.startswith("WEBHOOK ci ")]
        server = self.start()
        alice = FakeClient(server)
        for line in ("alice", "/join tea", "/webhook list"):
            alice.send(line)
        self.assertEqual(
            [x for x in alice.received() if x.startswith("WEBHOOK")],
            [ci, "WEBHOOKS_END tea 1"],
        )
        posting = defer.Deferred.fromCoroutine(
            server.registry.webhooks.post(ci.rsplit("/", 1)[1], body(text="back"))
        )
        self.successResultOf(posting)
        (said,) = [x for x in alice.received() if x.startswith("MSG ")]
        self.assertTrue(said.startswith("MSG tea ci[bot] ") and said.endswith(" back"))

    def test_a_room_dropped_takes_its_hooks_from_the_file(self) -> None:
        """A room deleted leaves no hook behind in the file."""
        alice = FakeClient(self.start())
        for line in ("alice", "/create tea", "/webhook add ci", "/delete tea"):
            alice.send(line)
        self.start()
        store = SqliteStore(self.path, self.clock, in_place, 10)
        self.addCleanup(store.db.close)
        self.assertEqual(store.load_hooks(), [])


class AccessLogTests(unittest.TestCase):
    """The HTTP door's access log never shows a webhook's secret."""

    def test_the_secret_is_hidden(self) -> None:
        """``/hooks/<secret>`` is logged as ``/hooks/-``, in the path and
        in a referrer; other paths as they are."""
        dummy = DummyRequest([b"hooks", b"s3cret"])
        request = cast(Request, dummy)  # has all the formatter reads
        dummy.method = b"POST"
        dummy.uri = b"/hooks/s3cret?x=1"
        dummy.code, dummy.sentLength = 200, 2  # type: ignore[attr-defined]
        dummy.requestHeaders.setRawHeaders(
            b"referer", [b"https://x.example/hooks/s3cret"]
        )
        line = access_line("[23/Nov/2026:09:00:00 +0000]", request)
        self.assertNotIn("s3cret", line)
        self.assertIn('"POST /hooks/-?x=1 ', line)
        dummy.uri = b"/healthz"
        self.assertIn('"POST /healthz ', access_line("[now]", request))
