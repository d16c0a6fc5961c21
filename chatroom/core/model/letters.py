"""The mails the server sends, each in plain text and HTML.

A :class:`Letter` is what a :class:`Mailer` sends:
one recipient, a subject, and the same words twice, as text and as HTML
(``multipart/alternative``), so every mail client shows one of them.
Each names the server (``--name``, and its address: ``--public-url`` or
the HTTP door's) so that the reader knows who wrote, and says what to do
if they asked for nothing. The code is in both, and the link when the
server has an HTTP door; nothing else of the account is. A digest of
what an account missed (:func:`missed_letter`) quotes the messages, each
on one line, and says how to stop such mail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import Protocol

from twisted.internet.defer import Deferred


@dataclass(frozen=True)
class Letter:
    """One mail: to ``to``, about ``subject``, as ``text`` and as ``html``."""

    to: str
    subject: str
    text: str
    html: str


def verify_letter(
    server: str, site: str, name: str, address: str, code: str, link: str
) -> Letter:
    """The mail that verifies ``address`` for account ``name``."""
    return _letter(
        server,
        site,
        address,
        f"Verify your e-mail address on {server}",
        f"{name} gave this address to the chat server {server}. To verify it, type",
        f"/verify {code}",
        link,
        "If you did not, ignore this mail: the address is not used.",
    )


def reset_letter(
    server: str, site: str, name: str, address: str, code: str, link: str
) -> Letter:
    """The mail that resets account ``name``'s password (good 30 minutes)."""
    return _letter(
        server,
        site,
        address,
        f"Reset your password on {server}",
        f"Someone asked to reset the password of {name} on the chat server "
        f"{server}. To choose a new one within 30 minutes, type",
        f"/reset {name} {code} NEWPASSWORD",
        link,
        "If it was not you, ignore this mail: your password stays as it is.",
    )


def _letter(
    server: str,
    site: str,
    to: str,
    subject: str,
    why: str,
    typed: str,
    link: str,
    otherwise: str,
) -> Letter:
    """A letter saying ``why``, then the command to type (on a line of its
    own), then the link to open instead (if any), then ``otherwise``."""
    where = f" ({site})" if site else ""
    text = [
        why,
        "",
        f"    {typed}",
        "",
        *(["or open this link:", "", f"    {link}", ""] if link else []),
        otherwise,
        "",
        f"-- {server}{where}",
    ]
    html_link = (
        f'<p>or open <a href="{escape(link)}">this link</a>.</p>' if link else ""
    )
    html = (
        "<!DOCTYPE html><html><body>"
        f"<p>{escape(why)}</p>"
        f"<p><code>{escape(typed)}</code></p>"
        f"{html_link}"
        f"<p>{escape(otherwise)}</p>"
        f"<p>&mdash; {escape(server)}{escape(where)}</p>"
        "</body></html>"
    )
    return Letter(to, subject, "\n".join(text) + "\n", html)


def missed_letter(
    server: str,
    site: str,
    name: str,
    address: str,
    missed: list[tuple[str, str, str]],
    more: int,
) -> Letter:
    """The digest of what account ``name`` missed while away: each of
    ``missed`` (a room, "" for a private message; who; what they said),
    then how many ``more`` there were."""
    count = len(missed) + more
    subject = (
        f"You were mentioned on {server}"
        if count == 1
        else f"{count} messages you missed on {server}"
    )
    lines = [
        f"{sender} in {room}: {_shortened(text)}"
        if room
        else f"{sender}, privately: {_shortened(text)}"
        for room, sender, text in missed
    ]
    if more:
        lines.append(f"... and {more} more")
    where = f" ({site})" if site else ""
    why = f"While {name} was away from the chat server {server}:"
    read = f"Read them at {site}." if site else "Sign in to read them."
    stop = "To stop these mails, type /set mail off"
    text = [why, "", *(f"    {line}" for line in lines), "", read, stop, ""]
    text.append(f"-- {server}{where}")
    items = "".join(f"<li>{escape(line)}</li>" for line in lines)
    read_html = (
        f'<p>Read them at <a href="{escape(site)}">{escape(site)}</a>.</p>'
        if site
        else f"<p>{escape(read)}</p>"
    )
    html = (
        "<!DOCTYPE html><html><body>"
        f"<p>{escape(why)}</p><ul>{items}</ul>{read_html}"
        f"<p>{escape(stop)}</p>"
        f"<p>&mdash; {escape(server)}{escape(where)}</p>"
        "</body></html>"
    )
    return Letter(address, subject, "\n".join(text) + "\n", html)


#: The longest message a digest quotes whole.
QUOTED = 200


def _shortened(text: str) -> str:
    """``text`` on one line, at most :data:`QUOTED` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= QUOTED else flat[: QUOTED - 1] + "…"


class MailUnsentError(Exception):
    """The SMTP server could not be reached, or refused the mail; the
    message says why in one line (no address, no code)."""


class Mailer(Protocol):
    """Sends one letter; fails with :class:`MailUnsentError`."""

    def send(self, letter: Letter) -> Deferred[None]: ...


class NoMailer:
    """A server without ``--smtp``: every mail is unsent."""

    def send(self, letter: Letter) -> Deferred[None]:
        failed: Deferred[None] = Deferred()
        failed.errback(MailUnsentError("this server sends no mail (no --smtp)"))
        return failed


#: Where the mails' links start (the HTTP door's address, or
#: ``--public-url``); "" while there is none.
LinkBase = Callable[[], str]
