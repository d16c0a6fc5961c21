"""The mails the server sends, each in plain text and HTML.

A :class:`Letter` is what a :class:`~chatroom.core.mailbox.Mailer` sends:
one recipient, a subject, and the same words twice, as text and as HTML
(``multipart/alternative``), so every mail client shows one of them.
Each names the server (``--name``, and its address: ``--public-url`` or
the HTTP door's) so that the reader knows who wrote, and says what to do
if they asked for nothing. The code is in both, and the link when the
server has an HTTP door; nothing else of the account is.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape


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
