"""Link previews over real sockets: the fetcher against a real HTTP server
on 127.0.0.1 (what it fetches, what it refuses, proven by what the server
was asked), and the real service telling a rich client the card."""

from __future__ import annotations

from pathlib import Path

from twisted.internet import defer, reactor
from twisted.internet._resolver import SimpleResolverComplexifier
from twisted.names import hosts
from twisted.trial import unittest

from chatroom.core.messages.previews import Card
from chatroom.wire.lines import parse_event
from chatroom.wiring.linkfetch import MOST_BYTES, PageFetcher
from chatroom.wiring.outbound import OutboundGuard, OutboundPolicy
from tests.integration.pages import DESCRIPTION, IMAGE, TITLE, PageServer
from tests.support import ServerTestCase

LOOPBACK = OutboundPolicy.parse(["127.0.0.1/32"])


class FetcherTests(unittest.TestCase):
    """:class:`PageFetcher` against a real server, with the real reactor."""

    #: A bound for a hung test, with room for a loaded machine.
    timeout = 30

    def setUp(self) -> None:
        self.pages = PageServer()
        self.addCleanup(self.pages.stop)

    def fetcher(
        self, policy: OutboundPolicy = LOOPBACK, **kwargs: object
    ) -> PageFetcher:
        return PageFetcher(OutboundGuard(reactor, policy, **kwargs))  # type: ignore[arg-type]

    @defer.inlineCallbacks
    def test_an_allowed_page_gives_its_opengraph_card(self):
        """With 127.0.0.1/32 allowed, the page's og:title, og:description
        and og:image (resolved against the page) come back."""
        card = yield self.fetcher().fetch(self.pages.url("/page"))
        image = self.pages.url(IMAGE)
        self.assertEqual(card, Card(TITLE, DESCRIPTION.replace("\n", " "), image))
        self.assertEqual(self.pages.asked, ["/page"])

    @defer.inlineCallbacks
    def test_loopback_is_never_fetched_without_an_exception(self):
        """No ``--preview-allow``: a link to 127.0.0.1 (or to localhost, a
        name for it) gives nothing, and the server was never asked."""
        fetcher = self.fetcher(OutboundPolicy())
        for host in ("127.0.0.1", "localhost", "[::ffff:127.0.0.1]"):
            card = yield fetcher.fetch(self.pages.url("/page", host))
            self.assertIsNone(card, host)
        self.assertEqual(self.pages.asked, [])

    @defer.inlineCallbacks
    def test_a_redirect_to_a_refused_address_is_refused(self):
        """An allowed server (its port only) redirecting to 127.0.0.1 on
        another port: the redirect is checked as the first link was, and
        the second server is never asked."""
        other = PageServer()
        self.addCleanup(other.stop)
        self.pages.redirect.redirect_to = other.url("/page").encode()
        allowed = OutboundPolicy.parse([f"127.0.0.1:{self.pages.number}"])
        card = yield self.fetcher(allowed).fetch(self.pages.url("/redirect"))
        self.assertIsNone(card)
        self.assertEqual(self.pages.asked, ["/redirect"])
        self.assertEqual(other.asked, [])

    @defer.inlineCallbacks
    def test_an_allowed_redirect_is_followed(self):
        """A redirect to an allowed address is followed, and the card's
        image is resolved against the page it ended on."""
        self.pages.redirect.redirect_to = b"/page"
        card = yield self.fetcher().fetch(self.pages.url("/redirect"))
        self.assertEqual(card.title, TITLE)
        self.assertEqual(self.pages.asked, ["/redirect", "/page"])

    @defer.inlineCallbacks
    def test_at_most_512_kib_of_a_page_is_read(self):
        """What a page says past the first 512 KiB is never read: its
        og:title there is not seen, the ``<title>`` before it is."""
        card = yield self.fetcher().fetch(self.pages.url("/big"))
        self.assertEqual(card, Card("The start", "", ""))
        self.assertEqual(MOST_BYTES, 512 * 1024)

    @defer.inlineCallbacks
    def test_an_image_is_its_own_card_and_other_types_nothing(self):
        """``image/*``: the image is the card (its body not read);
        ``text/plain``: nothing."""
        url = self.pages.url("/image.png")
        self.assertEqual((yield self.fetcher().fetch(url)), Card(image=url))
        self.assertIsNone((yield self.fetcher().fetch(self.pages.url("/text"))))

    @defer.inlineCallbacks
    def test_a_name_resolving_to_loopback_is_refused(self):
        """A public-looking name whose DNS answer is 127.0.0.1 (as a
        rebinding attacker's would be, at the moment that counts: the one
        connected to) is refused; the server is never asked."""
        hosts_file = Path(self.mktemp())
        hosts_file.write_text("127.0.0.1 tea.example.org\n")
        resolver = SimpleResolverComplexifier(
            hosts.Resolver(file=str(hosts_file).encode())
        )
        url = self.pages.url("/page", "tea.example.org")
        card = yield self.fetcher(OutboundPolicy(), resolver=resolver).fetch(url)
        self.assertIsNone(card)
        self.assertEqual(self.pages.asked, [])
        # The same name with its port excepted: resolved, and fetched.
        allowed = OutboundPolicy.parse([f"tea.example.org:{self.pages.number}"])
        card = yield self.fetcher(allowed, resolver=resolver).fetch(url)
        self.assertEqual(card.title, TITLE)
        self.assertEqual(self.pages.asked, ["/page"])


class PagesServiceCase(ServerTestCase):
    """The real service, and the test's HTTP server beside it."""

    def setUp(self):
        self.pages = PageServer()
        self.addCleanup(self.pages.stop)
        return super().setUp()


class PreviewServiceTests(PagesServiceCase):
    """``twistd chatroom --preview-allow 127.0.0.1/32``: the rich client
    at the line door gets the ``PREVIEW`` line."""

    options = ("--rate", "0", "--preview-allow", "127.0.0.1/32")

    @defer.inlineCallbacks
    def test_a_rich_client_gets_the_card(self):
        """alice (rich) and bob (plain) in general; bob posts a link: both
        get the message, then alice alone ``@ID;title=…;description=…;
        image=… PREVIEW general ID URL``."""
        alice, bob = yield self.in_room("general", "alice", "bob")
        alice.say("/caps rich")
        yield alice.expect_line("CAPS ")
        url = self.pages.url("/page")
        bob.say(f"tea time: {url}")
        said = yield alice.expect(lambda line: " MSG general bob " in line)
        preview = parse_event((yield alice.expect(lambda line: " PREVIEW " in line)))
        self.assertEqual(preview.id, parse_event(said).id)
        self.assertEqual(
            preview.named_fields(),
            {"room": "general", "message": preview.id, "url": url},
        )
        self.assertEqual(preview.tag("title"), TITLE)
        self.assertEqual(preview.tag("description"), DESCRIPTION.replace("\n", " "))
        self.assertEqual(preview.tag("image"), self.pages.url(IMAGE))
        bob.say("/who")
        yield bob.expect_line("MEMBERS general ")
        self.assertFalse([line for line in bob.lines if "PREVIEW" in line])


class NoExceptionServiceTests(PagesServiceCase):
    """``twistd chatroom`` without ``--preview-allow``: a link to 127.0.0.1
    is never fetched."""

    options = ("--rate", "0")

    @defer.inlineCallbacks
    def test_loopback_links_are_not_fetched(self):
        """A rich client posts a link to the test server on 127.0.0.1: the
        message arrives, no preview, and the server was asked nothing."""
        (alice,) = yield self.in_room("general", "alice")
        alice.say("/caps rich")
        yield alice.expect_line("CAPS ")
        alice.say(self.pages.url("/page"))
        yield alice.expect(lambda line: " MSG general alice " in line)
        alice.say("/who")  # a round trip after the refusal, which is immediate
        yield alice.expect_line("MEMBERS general ")
        self.assertEqual(self.pages.asked, [])
        self.assertFalse([line for line in alice.lines if "PREVIEW" in line])
