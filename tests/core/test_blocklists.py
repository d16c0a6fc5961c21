"""What a blocklist's listing means for a connection
(chatroom.core.infra.blocklists)."""

from __future__ import annotations

from twisted.trial import unittest

from chatroom.core.infra.blocklists import (
    CLEAR,
    REFUSE,
    REQUIRE_ACCOUNT,
    Verdict,
    ZoneListing,
)
from chatroom.core.model.errors import ChatError

LISTED = ZoneListing("dnsbl.test", "open proxy")


class VerdictTests(unittest.TestCase):
    def test_refuse_closes_with_the_zone_and_its_reason(self) -> None:
        self.assertEqual(
            Verdict(LISTED, REFUSE).refusal,
            "your address is listed by dnsbl.test: open proxy",
        )
        self.assertEqual(
            Verdict(ZoneListing("dnsbl.test"), REFUSE).refusal,
            "your address is listed by dnsbl.test",
        )

    def test_require_account_does_not_close(self) -> None:
        self.assertIsNone(Verdict(LISTED, REQUIRE_ACCOUNT).refusal)

    def test_a_listed_address_takes_no_plain_name(self) -> None:
        verdict = Verdict(LISTED, REQUIRE_ACCOUNT)
        with self.assertRaises(ChatError) as refused:
            verdict.check_name(None)
        self.assertEqual(refused.exception.code, "ACCOUNT_REQUIRED")
        self.assertIn("listed by dnsbl.test: open proxy", refused.exception.text)
        verdict.check_name("alice")  # signing in to an account is open to it

    def test_a_listed_address_registers_nothing(self) -> None:
        with self.assertRaises(ChatError) as refused:
            Verdict(LISTED, REQUIRE_ACCOUNT).check_registration()
        self.assertEqual(refused.exception.code, "REGISTRATION_CLOSED")

    def test_an_unlisted_address_may_do_everything(self) -> None:
        self.assertIsNone(CLEAR.refusal)
        CLEAR.check_name(None)
        CLEAR.check_registration()
