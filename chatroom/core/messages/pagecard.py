"""A page's card: its OpenGraph title, description and image, or its ``<title>``.

Read with the standard library's HTML parser (:class:`html.parser.HTMLParser`),
never with regular expressions over HTML: it copes with what pages really
hold (attributes in any order and quoting, character references, comments,
unclosed tags). Only text is kept, never markup: a value is the attribute's
or the title's text, its control characters made spaces and its white space
collapsed, cut to a bound, so what a client shows (as text) is short and
cannot move a terminal's cursor. The image is resolved against the page's
URL and kept only if it is http(s).
"""

from __future__ import annotations

import unicodedata
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from chatroom.core.messages.previews import Card

#: The longest title, description and image URL kept (characters).
TITLE_LENGTH = 200
DESCRIPTION_LENGTH = 300
IMAGE_LENGTH = 2048
#: The ``<meta>`` keys read (``property=`` or ``name=``), first one wins.
_WANTED = frozenset(
    {
        "og:title",
        "og:description",
        "og:image",
        "og:image:url",
        "og:image:secure_url",
        "description",
        "twitter:title",
        "twitter:description",
    }
)


#: Characters a value never keeps: controls (a terminal's escapes among
#: them), surrogates, line and paragraph separators, and the bidirectional
#: overrides that would reverse what follows them.
_UNSHOWN = frozenset({"Cc", "Cs", "Co", "Cn", "Zl", "Zp"})
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def clean(text: str, length: int) -> str:
    """``text`` as one line: control characters (and other unprintable
    ones) made spaces, white space collapsed, at most ``length``
    characters (an ellipsis marks a cut)."""
    printable = "".join(
        " " if unicodedata.category(char) in _UNSHOWN or char in _BIDI else char
        for char in text
    )
    words = " ".join(printable.split())
    if len(words) > length:
        return words[: length - 1].rstrip() + "…"
    return words


class _CardParser(HTMLParser):
    """Collects the ``<meta>`` values wanted and the first ``<title>``'s text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title: list[str] = []
        self._in_title = False
        self._titled = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            values = {name: value or "" for name, value in attrs}
            key = (values.get("property") or values.get("name") or "").lower()
            if key in _WANTED and key not in self.meta:
                self.meta[key] = values.get("content", "")
        elif tag == "title" and not self._titled:
            self._in_title = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self._in_title:
            self._in_title, self._titled = False, True

    def handle_data(self, data: str) -> None:
        if self._in_title and sum(map(len, self.title)) < 4 * TITLE_LENGTH:
            self.title.append(data)


def _first(meta: dict[str, str], *keys: str) -> str:
    for key in keys:
        if meta.get(key, "").strip():
            return meta[key]
    return ""


def _fit_image(url: str) -> bool:
    """An image URL a card may carry: http(s), bounded, one word of
    printable characters (it becomes a tag value and an ``<img src>``)."""
    if urlsplit(url).scheme not in ("http", "https") or len(url) > IMAGE_LENGTH:
        return False
    return not any(
        char.isspace() or unicodedata.category(char)[0] == "C" for char in url
    )


def page_card(html: str, page_url: str) -> Card:
    """The card of page ``html``, fetched from ``page_url`` (after any
    redirect: relative image URLs are resolved against it)."""
    parser = _CardParser()
    try:
        parser.feed(html)
        parser.close()
    except AssertionError:  # what the parser gives up on: keep what it read
        pass
    meta = parser.meta
    title = _first(meta, "og:title", "twitter:title") or "".join(parser.title)
    description = _first(meta, "og:description", "twitter:description", "description")
    image = _first(meta, "og:image", "og:image:url", "og:image:secure_url").strip()
    if image:
        image = urljoin(page_url, image)
        if (
            urlsplit(image).scheme not in ("http", "https")
            or len(image) > IMAGE_LENGTH
            or any(
                char.isspace() or unicodedata.category(char)[0] == "C" for char in image
            )
        ):
            image = ""
    return Card(
        clean(title, TITLE_LENGTH), clean(description, DESCRIPTION_LENGTH), image
    )
