"""Link previews across nodes (issue 33): two real nodes share one real
redis-server, the page is served on 127.0.0.1; the node that took the
message fetches it, and every node's rich members get the preview."""

from __future__ import annotations

from twisted.internet import defer

from chatroom.wire.lines import parse_event
from tests.cluster.support import ClusterTestCase
from tests.integration.pages import TITLE, PageServer


class PreviewsAcrossNodesTests(ClusterTestCase):
    """alice on node one, bob on node two, both ``rich``, in tea."""

    @defer.inlineCallbacks
    def test_one_fetch_and_every_node_gets_the_preview(self):
        """alice's link on node one is fetched once (node one's), and bob on
        node two gets the same ``PREVIEW`` line through Redis; bob's link
        to the same page on node two is fetched by node two (each node
        keeps its own answers)."""
        pages = PageServer()
        self.addCleanup(pages.stop)
        one, two = yield self.start_nodes(2, "--preview-allow", "127.0.0.1/32")
        alice = yield self.client(one, "alice")
        bob = yield self.client(two, "bob")
        for client, line in ((alice, "/create tea"), (bob, "/join tea")):
            client.say("/caps rich")
            yield client.expect_line("CAPS ")
            client.say(line)
            yield client.expect_line("MEMBERS tea ")
        url = pages.url("/page")
        alice.say(f"tea: {url}")
        seen = []
        for client in (alice, bob):
            said = yield client.expect(lambda line: " MSG tea alice " in line)
            line = yield client.expect(lambda line: " PREVIEW tea " in line)
            seen.append(line)
            preview = parse_event(line)
            self.assertEqual(preview.id, parse_event(said).id)
            self.assertEqual(preview.field("url"), url)
            self.assertEqual(preview.tag("title"), TITLE)
        self.assertEqual(seen[0], seen[1])
        self.assertEqual(pages.asked, ["/page"])
        bob.say(f"again: {url}")
        yield alice.expect(lambda line: " PREVIEW tea " in line)
        self.assertEqual(pages.asked, ["/page", "/page"])
