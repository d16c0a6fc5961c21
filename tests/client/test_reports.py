"""Reports of messages in the terminal client: the reports buffer.

A report heard live goes to the reports buffer (made if new, listed as
``reports``, counted there as news calling for the user, the room on
screen undisturbed); ``/reports`` empties and shows the buffer for the
queue; a closing is a line there; a plain line typed there is refused; a
``/report ID`` typed in a private conversation names it."""

from __future__ import annotations

from tests.client.support import IN_TEA, ScreenTestCase, feed
from tests.client.test_controller import ControllerTestCase
from tests.client.test_threads_pins import buffer_list

LIVE = ("REPORT 3 tea 42 carol selling pills", "REPORT_TEXT 3 dave buy cheap pills")


class ReportsBufferTests(ScreenTestCase):
    def test_a_live_report_waits_in_its_buffer(self) -> None:
        """Heard while tea is on screen: tea's log has nothing of it; the
        buffer list shows ``reports(1!)``; shown, the buffer has the report
        and what was said, and the count is gone."""
        feed(self.model, *IN_TEA, *LIVE)
        shown = self.text((132, 24))
        self.assertNotIn("selling pills", shown)
        self.assertEqual(buffer_list(self.model), "1:#tea  2:reports(1!)")
        self.assertTrue(self.model.focus("reports"))
        shown = self.text((132, 24))
        self.assertIn(
            "report #3 in #tea: carol reported message #42: selling pills", shown
        )
        self.assertIn("dave said: buy cheap pills", shown)
        self.assertIn("reports of messages · /report close N [NOTE] closes one", shown)
        self.assertEqual(buffer_list(self.model), "1:#tea  2:reports")

    def test_a_private_message_reported_and_closed(self) -> None:
        """A report of a private message names the conversation; its
        closing is a line of the same buffer."""
        feed(
            self.model,
            *IN_TEA,
            "REPORT 4 @mallory 7 wes phishing",
            "REPORT_TEXT 4 mallory send me your password",
            "REPORT_CLOSED 4 root warned",
        )
        self.model.focus("reports")
        shown = self.text((132, 24))
        self.assertIn(
            "report #4 in wes's private conversation with mallory: wes reported"
            " message #7: phishing",
            shown,
        )
        self.assertIn("root closed report #4: warned", shown)

    def test_people_are_named_by_their_display_names(self) -> None:
        """The reporter, the author and the moderator who closed it are
        named as every line names them, by display name (the name no one
        else holds beside a message's author), one known later too."""
        feed(
            self.model,
            *IN_TEA,
            "PROFILE carol display-name Carol King",
            "PROFILE root display-name The Admin",
            *LIVE,
            "REPORT_CLOSED 3 root warned",
            "PROFILE dave display-name Dave Grohl",
        )
        self.model.focus("reports")
        shown = self.text((132, 24))
        self.assertIn("report #3 in #tea: Carol King reported message #42", shown)
        self.assertIn("Dave Grohl said: buy cheap pills", shown)
        self.assertIn("The Admin closed report #3: warned", shown)
        self.assertNotIn("carol reported", shown)


class ReportsControllerTests(ControllerTestCase):
    def test_reports_typed_shows_the_queue_in_the_buffer(self) -> None:
        """``/reports`` is sent and shows the emptied buffer, where the
        queue's lines and its count go; a plain line typed there is
        refused, not sent; ``/report close`` is sent. The people a report
        names are asked for their profiles once (display names)."""
        self.into_room()
        self.server.say(*LIVE)  # heard before: the list starts again
        self.controller.submit("/reports tea")
        self.assertEqual(
            self.server.sent(), ["/profile carol", "/profile dave", "/reports tea"]
        )
        self.assertEqual(
            self.model.buffer.label if self.model.buffer else "", "reports"
        )
        self.server.say(*LIVE, "REPORTS_END 1")
        self.assertEqual(
            self.notes(),
            [
                "open reports of #tea…",
                "report #3 in #tea: carol reported message #42: selling pills",
                "    dave said: buy cheap pills",
                "1 open report(s), oldest first · /report close N [NOTE] closes one",
            ],
        )
        self.controller.submit("spam, clearly")
        self.assertEqual(self.server.sent(), [])
        self.assertIn("this is the reports buffer", self.notes()[-1])
        self.controller.submit("/report close 3 warned dave")
        self.assertEqual(self.server.sent(), ["/report close 3 warned dave"])

    def test_report_typed_in_a_conversation_names_it(self) -> None:
        """``/report 7 phishing`` in the conversation with mallory goes as
        ``/report @mallory 7 phishing``."""
        self.into_room()
        self.controller.submit("/query mallory")
        self.controller.submit("/report 7 phishing")
        self.assertEqual(self.server.sent(), ["/report @mallory 7 phishing"])
