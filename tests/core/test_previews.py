"""Link previews (issue 33): which link, the page's card, when it is fetched,
and who sees the ``PREVIEW`` line; with the in-process registry on a
``task.Clock``, the fetcher a function whose answers the test gives."""

from __future__ import annotations

from twisted.internet.defer import Deferred, succeed
from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.core.messages.pagecard import DESCRIPTION_LENGTH, TITLE_LENGTH, page_card
from chatroom.core.messages.previews import IN_FLIGHT, KEEP_FOR, Card, first_link
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.events import Preview
from chatroom.doors.base.hub import DoorHub
from chatroom.doors.line.rendering import live_id_line, live_line, live_rich_line
from chatroom.wire.lines import parse_event
from chatroom.wiring.registries import local_registry
from tests.support import FakeClient

CONFIG = ServerConfig(rate=0)
PAGE = "https://example.org/tea"
CARD = Card("Tea; a history", "Leaves\nand water", "https://example.org/pot.png")


class FirstLinkTests(unittest.TestCase):
    """Which link of a message is previewed."""

    def test_the_first_http_link_without_the_sentence_around_it(self) -> None:
        """The first http(s) link, without the punctuation that ends the
        sentence, its closing parenthesis kept when it opened one."""
        self.assertEqual(
            first_link("see https://a.org/x, and http://b.org/"), "https://a.org/x"
        )
        self.assertEqual(first_link("(at https://a.org/y)."), "https://a.org/y")
        self.assertEqual(
            first_link("https://en.wikipedia.org/wiki/Tea_(drink)!"),
            "https://en.wikipedia.org/wiki/Tea_(drink)",
        )

    def test_no_link_no_preview(self) -> None:
        """Text without an http(s) link, a bare scheme, other schemes: none."""
        for text in ("just tea", "http://", "ftp://a.org/f", "mailto:a@b.org"):
            self.assertIsNone(first_link(text), text)


class PageCardTests(unittest.TestCase):
    """What is taken from a page, read by an HTML parser."""

    def test_opengraph_first_and_the_image_resolved(self) -> None:
        """og:title, og:description and og:image (relative: resolved against
        the page's URL), whatever the attributes' order and quoting."""
        html = (
            "<html><head><title>Plain title</title>"
            "<meta content='A &amp; B' property='og:title'>"
            '<META PROPERTY="og:description" CONTENT="Leaves &lt;b&gt;">'
            "<meta property=og:image content=../img/pot.png>"
            "</head><body><h1>x</h1></body></html>"
        )
        card = page_card(html, "https://example.org/a/b/page")
        self.assertEqual(
            card, Card("A & B", "Leaves <b>", "https://example.org/a/img/pot.png")
        )

    def test_the_title_when_there_is_no_opengraph(self) -> None:
        """The ``<title>``'s text, its white space collapsed; no image."""
        card = page_card("<title>\n  Tea\t time </title><p>hi", "http://a.org/")
        self.assertEqual(card, Card("Tea time", "", ""))

    def test_values_are_bounded_one_line_text(self) -> None:
        """Control characters (a terminal's escapes) become spaces, values
        are cut to their bounds, and an image that is no http(s) URL is
        dropped."""
        html = (
            f'<meta property="og:title" content="{"t" * 500}\x1b[2Jx">'
            f'<meta property="og:description" content="{"d " * 400}">'
            '<meta property="og:image" content="javascript:alert(1)">'
        )
        card = page_card(html, "https://a.org/")
        self.assertEqual(len(card.title), TITLE_LENGTH)
        self.assertTrue(card.title.endswith("…"))
        self.assertNotIn("\x1b", card.title)
        self.assertLessEqual(len(card.description), DESCRIPTION_LENGTH)
        self.assertEqual(card.image, "")

    def test_markup_in_values_stays_text(self) -> None:
        """A value holding markup is kept as the text it is, never parsed
        into anything (the clients show it as text)."""
        html = '<meta property="og:title" content="&lt;img src=x onerror=1&gt;">'
        self.assertEqual(
            page_card(html, "https://a.org/").title, "<img src=x onerror=1>"
        )


class Fetches:
    """The fetcher a test hands the core: every URL asked, each answered
    when the test says (its Deferred)."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.pending: dict[str, Deferred[Card | None]] = {}

    def __call__(self, url: str) -> Deferred[Card | None]:
        self.asked.append(url)
        answer: Deferred[Card | None] = Deferred()
        self.pending[url] = answer
        return answer

    def answer(self, url: str, card: Card | None) -> None:
        self.pending.pop(url).callback(card)


class PreviewDeliveryTests(unittest.TestCase):
    """A message goes at once; its preview follows as its own event."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.fetches = Fetches()
        registry = local_registry(CONFIG, self.clock, fetch_card=self.fetches)
        registry.start()
        self.server = DoorHub(CONFIG, self.clock, registry)

    def client(self, name: str, *caps: str) -> FakeClient:
        client = FakeClient(self.server)
        client.send(name)
        if caps:
            client.send("/caps " + " ".join(caps))
        client.send("/join general")
        client.received()
        return client

    def test_rich_clients_get_the_card_after_the_message(self) -> None:
        """The message is delivered before anything is fetched; once the
        page answers, ``rich`` members get ``@ID;title=…;description=…;
        image=… PREVIEW general ID URL`` (tags escaped as ``/caps rich``'s),
        and members without ``rich`` nothing more."""
        carol = self.client("carol", "rich")
        bob = self.client("bob", "ids")
        alice = self.client("alice")
        carol.received(), bob.received()  # the others' JOINs
        alice.send(f"look: {PAGE}")
        self.assertEqual(len(carol.received()), 1)  # the message, at once
        self.assertEqual(len(bob.received()), 1)
        self.assertEqual(len(alice.received()), 1)
        self.assertEqual(self.fetches.asked, [PAGE])
        self.fetches.answer(PAGE, CARD)
        (line,) = carol.received()
        self.assertEqual(
            line,
            "@1;title=Tea\\:\\sa\\shistory;description=Leaves\\nand\\swater;"
            f"image=https://example.org/pot.png PREVIEW general 1 {PAGE}",
        )
        preview = parse_event(line)
        self.assertEqual(
            preview.named_fields(), {"room": "general", "message": "1", "url": PAGE}
        )
        self.assertEqual(preview.tag("description"), "Leaves\nand water")
        self.assertEqual(bob.received(), [])
        self.assertEqual(alice.received(), [])

    def test_each_url_is_fetched_once(self) -> None:
        """A link fetched already, or being fetched, is not fetched again:
        each message gets its own preview from the one answer, until the
        answer expires on the clock."""
        carol = self.client("carol", "rich")
        carol.send(f"{PAGE} one")
        carol.send(f"{PAGE} two")  # while the first fetch is out
        self.fetches.answer(PAGE, CARD)
        previews = [e for e in carol.events() if e.name == "PREVIEW"]
        self.assertEqual([e.field("message") for e in previews], ["1", "2"])
        carol.send(f"again {PAGE}")
        self.assertEqual(carol.events()[-1].field("message"), "3")  # kept: at once
        self.assertEqual(self.fetches.asked, [PAGE])
        self.clock.advance(KEEP_FOR)
        carol.send(f"later {PAGE}")
        self.assertEqual(self.fetches.asked, [PAGE, PAGE])

    def test_a_burst_of_links_costs_at_most_the_bound(self) -> None:
        """A hundred different links at once: every message is delivered
        at once, and only the first few fetches start; once one ends, a new
        link may be fetched again."""
        carol = self.client("carol", "rich")
        for number in range(100):
            carol.send(f"https://example.org/{number}")
        self.assertEqual(len(carol.received()), 100)
        self.assertEqual(len(self.fetches.asked), IN_FLIGHT)
        self.fetches.answer(self.fetches.asked[0], None)
        carol.send("https://example.org/new")
        self.assertEqual(len(self.fetches.asked), IN_FLIGHT + 1)

    def test_nothing_to_show_is_no_preview(self) -> None:
        """A page that gave nothing (or a refused, failed fetch: None) makes
        no line, and is not asked for again while that answer is kept."""
        carol = self.client("carol", "rich")
        carol.send(PAGE)
        carol.received()
        self.fetches.answer(PAGE, None)
        carol.send(PAGE)
        self.assertEqual([e.name for e in carol.events()], ["MSG"])
        self.assertEqual(self.fetches.asked, [PAGE])

    def test_set_previews_off_hides_them_for_that_user(self) -> None:
        """``/set previews off`` (in the lobby too) is answered ``PREVIEWS
        off`` and hides the cards from that connection only; ``on`` brings
        them back. Anything else is a usage error."""
        carol = self.client("carol", "rich")
        dave = self.client("dave", "rich")
        carol.received()  # dave's JOIN
        carol.send("/set previews off")
        self.assertEqual(carol.received(), ["PREVIEWS off"])
        dave.send(PAGE)
        self.fetches.answer(PAGE, CARD)
        self.assertEqual([e.name for e in carol.events()], ["MSG"])
        self.assertEqual([e.name for e in dave.events()], ["MSG", "PREVIEW"])
        carol.send("/set previews on")
        self.assertEqual(carol.received(), ["PREVIEWS on"])
        dave.send(f"{PAGE} again")
        self.assertEqual([e.name for e in carol.events()], ["MSG", "PREVIEW"])
        carol.send("/set previews maybe")
        self.assertEqual(carol.received(), ["ERR BAD_ARGS usage: /set previews on|off"])

    def test_set_previews_in_the_lobby_and_room_settings_unchanged(self) -> None:
        """In the lobby ``/set previews`` works, and a room setting is still
        refused as before (``/set`` works only in a room)."""
        erin = FakeClient(self.server)
        erin.send("erin")
        erin.received()
        erin.send("/set previews off")
        self.assertEqual(erin.received(), ["PREVIEWS off"])
        erin.send("/set invite-only on")
        self.assertEqual(erin.received(), ["ERR NOT_IN_ROOM /set works only in a room"])

    def test_previews_off_on_the_server_fetches_nothing(self) -> None:
        """``--previews off`` (no fetcher): links are plain messages."""
        registry = local_registry(CONFIG, self.clock)
        registry.start()
        server = DoorHub(CONFIG, self.clock, registry)
        carol = FakeClient(server)
        for line in ("carol", "/caps rich", "/join general", PAGE):
            carol.send(line)
        self.assertEqual(carol.events()[-1].name, "MSG")


class PreviewRenderingTests(unittest.TestCase):
    """The ``PREVIEW`` line, rich connections only."""

    def test_only_rich_renders_it_and_empty_tags_are_left_out(self) -> None:
        """No line without ``rich``; tags only for what the page gave."""
        event = Preview("tea", "7", PAGE, title="Tea")
        self.assertEqual(live_line(event), b"")
        self.assertEqual(live_id_line(event), b"")
        self.assertEqual(
            live_rich_line(event), f"@7;title=Tea PREVIEW tea 7 {PAGE}\r\n".encode()
        )


class ImmediateFetchTests(unittest.TestCase):
    """A fetcher that answers at once (a page in the cache of the wiring)."""

    def test_an_answer_at_once_follows_the_message(self) -> None:
        """Even answered within the call, the preview comes after its message."""
        clock = Clock()
        registry = local_registry(CONFIG, clock, fetch_card=lambda url: succeed(CARD))
        registry.start()
        carol = FakeClient(DoorHub(CONFIG, clock, registry))
        for line in ("carol", "/caps rich", "/join general"):
            carol.send(line)
        carol.received()
        carol.send(PAGE)
        self.assertEqual([e.name for e in carol.events()], ["MSG", "PREVIEW"])
