"""``LIST``'s filters on times (``ELIST`` ``C`` and ``T``): rooms made, or
their topic set, less or more than n minutes ago.

Over ``StringTransport`` with the server on a ``task.Clock``, as irctest's
``list.py`` FaketimeListTestCase checks it with a faked clock
(testListCreationTime, testListTopicTime).
"""

from __future__ import annotations

from dataclasses import replace

from tests.doors.irc.test_irc import IRCClient
from tests.doors.irc.test_irc_conformance import ConformanceCase, params


class ListTimeTests(ConformanceCase):
    """C<n, C>n, T<n, T>n as Modern and InspIRCd read them (keepalive far
    off: the minutes that pass here are not the clients' to answer)."""

    config = replace(ConformanceCase.config, ping_interval=3600.0)

    def channels(self, client: IRCClient, query: str) -> set[str]:
        client.send(query)
        return {
            params(line)[1] for line in client.received() if line.split(" ")[1] == "322"
        }

    def test_creation_time(self) -> None:
        """#chan1 made three minutes ago and #chan2 one: C>2 lists the
        first, C<2 the second, C<0 neither, C>0 and C<10 both."""
        foo, bar = self.irc("foo"), self.irc("bar")
        foo.send("JOIN #chan1")
        self.clock.advance(120)
        foo.send("JOIN #chan2")
        self.clock.advance(60)
        foo.received()
        self.assertEqual(self.channels(bar, "LIST C>2"), {"#chan1"})
        self.assertEqual(self.channels(bar, "LIST C<2"), {"#chan2"})
        self.assertEqual(self.channels(bar, "LIST C<0"), set())
        self.assertEqual(self.channels(bar, "LIST C>0"), {"#chan1", "#chan2"})
        self.assertEqual(self.channels(bar, "LIST c<10"), {"#chan1", "#chan2"})
        self.assertEqual(self.channels(bar, "LIST C>0,*an2"), {"#chan2"})

    def test_topic_time(self) -> None:
        """Topics set three minutes and one minute ago: T>2 and T<2 tell them
        apart; a channel with no topic passes no T filter."""
        foo = self.irc("foo")
        foo.send("JOIN #chan1", "JOIN #chan2", "JOIN #quiet")
        foo.send("TOPIC #chan1 :First channel")
        self.clock.advance(120)
        foo.send("TOPIC #chan2 :Second channel")
        self.clock.advance(60)
        foo.received()
        self.assertEqual(self.channels(foo, "LIST T>2"), {"#chan1"})
        self.assertEqual(self.channels(foo, "LIST T<2"), {"#chan2"})
        self.assertEqual(self.channels(foo, "LIST T<0"), set())
        self.assertEqual(self.channels(foo, "LIST T>0"), {"#chan1", "#chan2"})
        self.assertEqual(self.channels(foo, "LIST T<10"), {"#chan1", "#chan2"})

    def test_isupport_says_so(self) -> None:
        """005 offers ELIST=CMNTU."""
        client = IRCClient(self.factory)
        client.send("NICK foo", "USER foo 0 * :foo")
        self.assertTrue(any(" ELIST=CMNTU " in line for line in client.received()))
