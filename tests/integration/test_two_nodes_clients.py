"""The real clients' tests on two nodes of a cluster (issue 36, item 3):
the same test classes as on one server, through :class:`OnTwoNodes`
(browsers on node one, line, irssi and WeeChat users on node two), so a
room's life at the web door (messages, reactions, typing, pastes, private
conversations, many rooms with their unread counts and read markers,
history, notices, accounts, moderation, search and the moderation log)
and between the web page, irssi and the line door is proved on the
cluster with the very assertions that prove it on one server. The second
day's journeys that come back (issue 79) come back through node two's
page."""

from __future__ import annotations

from tests.integration import (
    test_irc_second_day,
    test_real_clients,
    test_web_accounts,
    test_web_client,
    test_web_life,
    test_web_private,
    test_web_profiles,
    test_web_room,
    test_web_rooms,
    test_web_second_day,
)
from tests.integration.two_nodes import OnTwoNodes


class ThreeClientsOnTwoNodesTests(OnTwoNodes, test_real_clients.ThreeClientsTests):
    """The web page on node one, irssi and a line user on node two."""


class WebReactionsOnTwoNodesTests(OnTwoNodes, test_web_life.WebReactionTests):
    """Reactions given on one node, counted on the page of the other."""


class WebTypingOnTwoNodesTests(OnTwoNodes, test_web_life.WebTypingTests):
    """Typing notices across nodes."""


class WebPastesOnTwoNodesTests(OnTwoNodes, test_web_life.WebPasteTests):
    """Pastes across nodes."""


class PrivateOnTwoNodesTests(OnTwoNodes, test_web_private.PrivateConversationsTests):
    """Private conversations between a page and a line user on another node."""


class ManyRoomsOnTwoNodesTests(OnTwoNodes, test_web_rooms.ManyRoomsTests):
    """Several rooms, unread counts and markers, across nodes."""


class RichOnTwoNodesTests(OnTwoNodes, test_web_rooms.RichMessagesTests):
    """Replies, edits and deletions across nodes."""


class OlderMessagesOnTwoNodesTests(OnTwoNodes, test_web_room.WebRoomOlderMessagesTests):
    """A room's history, said on node two, scrolled back on node one's page."""


class PlainWordsOnTwoNodesTests(OnTwoNodes, test_web_room.PlainWordsTests):
    """The page's words for what happens in a room, across nodes."""


class ConnectionOnTwoNodesTests(OnTwoNodes, test_web_room.ConnectionTests):
    """The page's connection: lost, back, resumed, on a cluster node."""


class NoticesOnTwoNodesTests(OnTwoNodes, test_web_room.NoticesTests):
    """Notices at the page, from users of the other node."""


class WebModerationOnTwoNodesTests(OnTwoNodes, test_web_accounts.ModerationTests):
    """Moderation from the page, over users of the other node."""


class SearchOnTwoNodesTests(OnTwoNodes, test_web_life.SearchTests):
    """Search at the page, over what the cluster's users said (PostgreSQL)."""


class ModerationLogOnTwoNodesTests(OnTwoNodes, test_web_life.ModerationLogTests):
    """The moderation log at the page, for moderation done on either node."""


class AttentionOnTwoNodesTests(OnTwoNodes, test_web_client.AttentionTests):
    """The page's unread marks and title for messages said on the other node."""


class ProfilesOnTwoNodesTests(OnTwoNodes, test_web_profiles.WebProfileIRCTests):
    """A display name set at the IRC door of node two shows in node one's
    page, and one set in the page is read at node two's IRC door."""


class ComingBackThroughNodeTwo(OnTwoNodes):
    """A returning browser opens node two's page (its own origin there:
    signed in again on the name form, as a browser new to that address)."""

    def come_back_url(self) -> str:
        return str(self.other.url)


class WebSignInRoomOnTwoNodesTests(
    ComingBackThroughNodeTwo, test_web_second_day.WebSignInRoomTests
):
    """The rooms' members on node two, the page signing in again there."""


class HistoryOnReturnOnTwoNodesTests(
    ComingBackThroughNodeTwo, test_web_second_day.HistoryOnReturnTests
):
    """A room said on node two, read on node one, shown again on node two."""


class KeptConversationsOnTwoNodesTests(
    ComingBackThroughNodeTwo, test_web_second_day.PrivateConversationsTests
):
    """A conversation with a user of node two, back after a reload through it."""


class RoomOwnershipOnTwoNodesTests(
    ComingBackThroughNodeTwo, test_web_second_day.RoomOwnershipTests
):
    """The owner's page closed on node one, back through node two: the room
    stays its own, and its second room is kept once left."""


class IRCPlainViewOnTwoNodesTests(OnTwoNodes, test_irc_second_day.IRCPlainViewTests):
    """The plain IRC client's journey with everyone on node two, and its
    reconnect through node one: what it was sent is the account's, kept
    through Redis."""


class IrssiViewOnTwoNodesTests(OnTwoNodes, test_irc_second_day.IrssiViewTests):
    """irssi's journey with irssi and the line users on node two."""
