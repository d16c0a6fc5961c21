"""The one function that hides the secrets URLs carry, by its tables."""

from __future__ import annotations

from twisted.trial import unittest

from chatroom.core.exporting import export_link
from chatroom.core.model.hooks import hook_url
from chatroom.core.urlsecrets import (
    SECRET_PARAMETERS,
    SECRET_PATHS,
    without_secrets,
)

#: A secret as the server makes them (``secrets.token_urlsafe``).
SECRET = "3nQ0p-_aZ9xYc"


class WithoutSecretsTests(unittest.TestCase):
    """Each table's every entry, in the places a log line holds a URL."""

    def test_every_secret_path(self) -> None:
        """``PATH<secret>`` reads ``PATH-``: in a request line, in a
        referrer, before a query, and followed by what a log line writes
        after a URL; the links the server gives are among them."""
        for path in SECRET_PATHS:
            for before, after in (
                ('"GET ', ' HTTP/1.1" 200 5'),
                ('"https://chat.example', '"'),
                ("POST ", "?x=1 HTTP"),
                ("no preview of http://h", ": refused"),
            ):
                line = f"{before}{path}{SECRET}{after}"
                self.assertEqual(without_secrets(line), f"{before}{path}-{after}", line)
        for link in (
            hook_url("https://chat.example", SECRET),
            export_link("https://chat.example", SECRET),
        ):
            self.assertEqual(without_secrets(link), link.replace(SECRET, "-"))

    def test_every_secret_parameter(self) -> None:
        """``?NAME=<secret>`` and ``&NAME=<secret>`` read ``NAME=-``; the
        other parameters are kept, and a base64 value is hidden whole."""
        for name in SECRET_PARAMETERS:
            line = f"GET /cb?{name}={SECRET}/+==&lang=en&{name}={SECRET} HTTP/1.1"
            self.assertEqual(
                without_secrets(line), f"GET /cb?{name}=-&lang=en&{name}=- HTTP/1.1"
            )

    def test_the_providers_callback(self) -> None:
        """The OpenID provider's callback: its code and its state hidden."""
        line = f"GET /oidc/callback?code={SECRET}&state=xyz-1 HTTP/1.1"
        self.assertEqual(
            without_secrets(line), "GET /oidc/callback?code=-&state=- HTTP/1.1"
        )

    def test_lines_without_secrets_are_kept(self) -> None:
        """A line with no such URL is returned as it is, as are a path
        that only ends like one, a parameter that only ends like one and
        an empty secret."""
        for line in (
            "127.0.0.1:50312 is now alice",
            '"GET /files/abc/tea.png HTTP/1.1" 200',
            "GET /x?mytoken=abc&zipcode=1 HTTP/1.1",
            "the hooks are at /hooks/ here",
        ):
            self.assertIs(without_secrets(line), line)
