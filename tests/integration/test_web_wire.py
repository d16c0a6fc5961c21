"""The page speaks as the server does, from ``/wire.js``: names compared by
the server's key (``chatroom/wire/names.py``) and a paste held to the
server's bounds (``chatroom/wire/pastes.py``).

See :mod:`tests.integration.web_support` for how pages are driven.
"""

from __future__ import annotations

import random

from chatroom.wire.names import case_folds, name_key, prototypes
from tests.client.test_terminal import wait_for
from tests.integration.real_clients import BrowserPage, LineUser
from tests.integration.web_support import WebCase

#: Names the server holds to be one name, in pairs the page must match too:
#: full case folding (``ß`` is ``ss``, a final ``ς`` is ``σ``) and look-alikes
#: (``0`` is ``O``, ``1`` is ``l``, ``rn`` is ``m``, a Cyrillic ``а`` is ``a``).
SAME_NAMES = (
    ("Straße", "STRASSE"),
    ("ΣΟΦΟΣ", "σοφος"),
    ("office", "0FFICE"),
    ("alice", "a1ice"),
    ("emma", "ernma"),
    ("ＡＬＩＣＥ", "alice"),
    ("Zoë", "Zoe\u0308"),
    ("ᏣᎳᎩ", "ꮳꮃꭹ"),
    ("раура", "paypa"),
)


class WebWireCase(WebCase):
    def in_tea(self) -> tuple[BrowserPage, LineUser]:
        """wes's page in tea (wes made it), bob there too."""
        page = self.open_page()
        self.enter(page, "wes")
        self.go_to(page, "tea")
        return page, self.in_room("bob", "tea")


def names_to_key() -> list[str]:
    """Every character the server's key folds or maps, alone and inside a
    name, the pairs above, and names made at random (the same each run)
    of letters of several scripts, digits, marks and ``_-.``."""
    changed = sorted({*case_folds(), *prototypes()})
    names = [*changed, *(f"x{char}y" for char in changed)]
    names += [name for pair in SAME_NAMES for name in pair]
    pool = [*changed[::7], *"abcmnrsz019_-.", "\u0301", "\u0308", "\u0345"]
    pick = random.Random(61)
    names += ["".join(pick.choices(pool, k=pick.randint(1, 12))) for _ in range(2000)]
    return names


class NameKeyTests(WebWireCase):
    def test_the_page_keys_every_name_as_the_server_does(self) -> None:
        """The page's ``nameKey`` of some 15,000 names, every character the
        key changes among them, is ``name_key``'s; names the server holds
        to be one are one to the page."""
        page = self.open_page()
        names = names_to_key()
        keys = self.script(page, "return arguments[0].map(nameKey);", names)
        differ = [
            (name, key, name_key(name))
            for name, key in zip(names, keys, strict=True)
            if key != name_key(name)
        ]
        self.assertEqual(differ[:20], [], f"{len(differ)} names keyed otherwise")
        for one, other in SAME_NAMES:
            self.assertEqual(name_key(one), name_key(other))
            self.assertTrue(
                self.script(
                    page,
                    "return nameKey(arguments[0]) === nameKey(arguments[1]);",
                    one,
                    other,
                ),
                (one, other),
            )

    def test_an_operator_named_with_a_look_alike_is_shown_as_one(self) -> None:
        """bob, tea's owner, made dan1 an operator; wes comes in later. The
        server tells wes's page its operators by key (``danl``: ``1`` looks
        like ``l``), and the page, keying names as the server does, marks
        dan1 as an operator in the member list and in ``/who``."""
        bob = self.line_user("bob")
        bob.send("/create tea")
        bob.wait(lambda line: line.startswith("MEMBERS tea "), "tea made")
        self.in_room("dan1", "tea")
        bob.send("/op dan1", "/info")
        bob.wait(lambda line: line == "INFO tea operators danl", "dan1 an operator")
        page = self.open_page()
        self.enter(page, "wes")
        self.go_to(page, "tea")
        wait_for("dan1 listed", lambda: "dan1" in self.members(page))
        self.assertEqual(self.members(page)["dan1"], "operator")
        page.type_into("message-input", "/who")
        page.shows("dan1 (operator)")

    def members(self, page: BrowserPage) -> dict[str, str]:
        """The member list: each name with what it is marked as ("owner",
        "operator", "" for neither)."""
        items = self.find(page, "#members li")
        return {item.text: item.get_attribute("title") or "" for item in items}


class PasteBoundsTests(WebWireCase):
    def test_a_paste_past_the_servers_bounds_stays_in_the_input(self) -> None:
        """33 lines pasted into the input are one line too many for the
        server: Enter sends nothing, the log says why in the server's
        numbers, and the lines stay in the input to be cut; the next line
        typed is the first bob gets."""
        from selenium.webdriver.common.keys import Keys

        page, bob = self.in_tea()
        field = page.element("message-input")
        pasted = "".join(f"line {number}\r\n" for number in range(33))
        page.driver.execute_cdp_cmd("Input.insertText", {"text": pasted})
        field.send_keys(Keys.ENTER)
        page.shows(
            "not sent: a paste is at most 32 lines and 4000 bytes"
            " (this one has 33 lines, 221 bytes)"
        )
        self.assertEqual(field.get_attribute("value").count("\n"), 33)
        field.send_keys(Keys.CONTROL, "a", Keys.NULL, Keys.DELETE)
        field.send_keys("after the paste", Keys.ENTER)
        first = bob.wait(
            lambda line: line.startswith("MSG tea wes "), "wes's first line"
        )
        self.assertTrue(first.endswith(" after the paste"), first)
