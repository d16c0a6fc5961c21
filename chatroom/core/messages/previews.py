"""Link previews: what the first link of a room message points to, once per URL.

A message is delivered at once, as every message is; if its text holds an
http(s) link, the core then asks for the page behind the first one and,
once it has a card (the page's title, description and image), tells the
room a :class:`~chatroom.core.model.events.Preview` of that message as an event
of its own, through the back-end's ``attach`` step (in cluster mode: the
node that took the message fetches, and every node's members get the
event through Redis, so no two nodes fetch for one message).

The fetching itself (the network, the address checks, the bounds, the
page's parsing) is the :data:`CardFetcher` the wiring hands in
(:mod:`chatroom.wiring.linkfetch`); this module decides when to fetch and
keeps what came back:

- **once per URL**: every answer (a card, or nothing to show) is kept for
  :data:`KEEP_FOR` seconds on the injected clock, the newest
  :data:`CACHE_SIZE` URLs at most; a message whose link is being fetched
  already waits for that fetch;
- **never slowing a room**: at most :data:`IN_FLIGHT` fetches at once; a
  link that finds them all busy is not previewed (so a burst of a hundred
  links costs :data:`IN_FLIGHT` fetches, and the messages go as fast as
  ever).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from twisted.internet.defer import Deferred, maybeDeferred
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

from chatroom.core.model.events import Message, Preview, RoomEvent

#: Fetches in flight at once, for the whole server (node).
IN_FLIGHT = 4
#: URLs whose answers are kept, the most recently used.
CACHE_SIZE = 1024
#: Seconds an answer (a card, or nothing to show) is kept.
KEEP_FOR = 3600.0
#: The longest link fetched (longer ones are not previewed).
LONGEST_URL = 2048

#: An http(s) link in a message's text (the text is the user's, not HTML).
_LINK = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
#: What ends a sentence rather than a link: "see https://x.org/a." links /a.
_TRAILING = ".,;:!?)]}"


@dataclass(frozen=True, slots=True)
class Card:
    """What a page shows of itself: its title, description and image (an
    absolute http(s) URL), each "" when it gave none."""

    title: str = ""
    description: str = ""
    image: str = ""


#: The wiring's fetcher: a URL → its card, or None when there is nothing to
#: show (refused, too big, not HTML or an image, failed, timed out).
CardFetcher = Callable[[str], "Deferred[Card | None]"]
#: The back-end's ``attach`` step: an event to a room's members, unkept.
Attach = Callable[[str, RoomEvent], Awaitable[None]]


def first_link(text: str) -> str | None:
    """The first http(s) link in ``text``, without the punctuation that
    ends the sentence around it; None if there is none (or it is longer
    than :data:`LONGEST_URL`)."""
    if "http" not in text and "HTTP" not in text:
        return None  # most messages: no regular expression run at all
    found = _LINK.search(text)
    if found is None:
        return None
    link = found[0].rstrip(_TRAILING)
    if link.count("(") > link.count(")") and found[0][len(link) :].startswith(")"):
        link += ")"  # https://en.wikipedia.org/wiki/Tea_(drink)
    _scheme, _, rest = link.partition("://")
    if not rest.strip("/") or len(link) > LONGEST_URL:
        return None
    return link


class LinkPreviews:
    """When to fetch a message's link, and the answers kept (see the module)."""

    log = Logger()

    def __init__(
        self,
        clock: IReactorTime,
        attach: Attach,
        fetch: CardFetcher | None,
        in_flight: int = IN_FLIGHT,
        cache_size: int = CACHE_SIZE,
        keep_for: float = KEEP_FOR,
    ) -> None:
        """Args:
        clock: the injected clock (when an answer expires).
        attach: the back-end's step that hands a room an unkept event.
        fetch: the wiring's fetcher; None: previews are off (``--previews
            off``).
        """
        self.clock = clock
        self.attach = attach
        self.fetch = fetch
        self.in_flight = in_flight
        self.cache_size = cache_size
        self.keep_for = keep_for
        #: URL → (when it expires, its card or None), least recently used first.
        self._answers: OrderedDict[str, tuple[float, Card | None]] = OrderedDict()
        #: URL being fetched → the messages waiting for it.
        self._waiting: dict[str, list[Message]] = {}
        #: Links not previewed because every fetch was busy (``/metrics``).
        self.skipped = 0

    def noticed(self, message: Message) -> None:
        """A numbered message was delivered: preview its first link, now
        from the kept answers or once fetched; never waits."""
        if self.fetch is None or not message.id:
            return
        url = first_link(message.text)
        if url is None:
            return
        kept = self._kept(url)
        if kept is not None:
            self._tell(message, url, kept[1])
            return
        waiting = self._waiting.get(url)
        if waiting is not None:
            waiting.append(message)
            return
        if len(self._waiting) >= self.in_flight:
            self.skipped += 1
            return
        self._waiting[url] = [message]
        fetching: Deferred[Card | None] = maybeDeferred(self.fetch, url)
        fetching.addErrback(self._failed, url).addCallback(self._fetched, url)

    def _kept(self, url: str) -> tuple[float, Card | None] | None:
        kept = self._answers.get(url)
        if kept is None:
            return None
        if kept[0] <= self.clock.seconds():
            del self._answers[url]
            return None
        self._answers.move_to_end(url)
        return kept

    def _failed(self, failure: Failure, url: str) -> None:
        self.log.failure("fetching {url} for a preview", failure, url=url)

    def _fetched(self, card: Card | None, url: str) -> None:
        self._answers[url] = (self.clock.seconds() + self.keep_for, card)
        self._answers.move_to_end(url)
        while len(self._answers) > self.cache_size:
            self._answers.popitem(last=False)
        for message in self._waiting.pop(url, ()):
            self._tell(message, url, card)

    def _tell(self, message: Message, url: str, card: Card | None) -> None:
        if card is None or not (card.title or card.description or card.image):
            return
        event = Preview(
            message.room, message.id, url, card.title, card.description, card.image
        )
        told = Deferred.fromCoroutine(_awaited(self.attach(message.room, event)))
        told.addErrback(self._untold, message)

    def _untold(self, failure: Failure, message: Message) -> None:
        self.log.failure(
            "telling {room} the preview of {id}",
            failure,
            room=message.room,
            id=message.id,
        )


async def _awaited(step: Awaitable[None]) -> None:
    await step
