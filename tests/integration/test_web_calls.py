"""Calls in the web page, in headless chromium with a fake microphone (its
beeps) and a fake camera (``--use-fake-device-for-media-stream``), the
browser's prompts answered yes (``--use-fake-ui-for-media-stream``).

Media are judged as the outside check judges them: with ``getStats()`` on
the pages' peer connections (inbound audio energy, video bytes and decoded
frames growing) and by what the pages show (a tile per other participant,
naming them, whose video plays).
"""

from __future__ import annotations

import contextlib
import time
import urllib.request
from typing import Any

from chatroom.core.calls.turn import credentials
from tests.client.test_terminal import wait_for
from tests.integration.real_clients import (
    CHROMEDRIVER,
    CHROMIUM,
    BrowserPage,
    LineUser,
    open_browser,
)
from tests.integration.test_turn import SECRET, Coturn
from tests.integration.two_nodes import OnTwoNodes
from tests.integration.web_support import WebCase
from tests.support import require

FAKE_MEDIA = (
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
)

#: What a page's peer connections receive, summed: audio energy, video
#: bytes and frames decoded, per other participant (by name key).
STATS = """
const done = arguments[arguments.length - 1];
if (!myCall || !myCall.peers) { done(null); return; }
const found = {};
Promise.all([...myCall.peers.entries()].map(async ([key, peer]) => {
  const seen = { energy: 0, bytes: 0, frames: 0 };
  (await peer.pc.getStats()).forEach((report) => {
    if (report.type !== "inbound-rtp") return;
    if (report.kind === "audio") seen.energy += report.totalAudioEnergy || 0;
    if (report.kind === "video") {
      seen.bytes += report.bytesReceived || 0;
      seen.frames += report.framesDecoded || 0;
    }
  });
  found[key] = seen;
})).then(() => done(found), () => done(null));
"""

#: Each other participant's tile: its caption and whether its video plays.
TILES = """
const tiles = document.querySelectorAll("#call-tiles .call-tile:not(.own)");
return [...tiles].map((tile) => {
  const video = tile.querySelector("video");
  return { name: tile.querySelector("figcaption").textContent,
           playing: video.readyState >= 2 && video.videoWidth > 0 && !video.paused,
           time: video.currentTime };
});
"""


#: The mean brightness of the picture of arguments[0]'s tile, as drawn now.
BRIGHTNESS = """
const tile = [...document.querySelectorAll("#call-tiles .call-tile")]
  .find((t) => t.dataset.user === arguments[0] && !t.classList.contains("own"));
const video = tile.querySelector("video");
const canvas = document.createElement("canvas");
canvas.width = 64; canvas.height = 48;
const context = canvas.getContext("2d");
context.drawImage(video, 0, 0, 64, 48);
const pixels = context.getImageData(0, 0, 64, 48).data;
let sum = 0;
for (let i = 0; i < pixels.length; i += 4) {
  sum += (pixels[i] + pixels[i + 1] + pixels[i + 2]) / 3;
}
return sum / (pixels.length / 4);
"""

#: The displaySurface of every video track the page's connections send.
SURFACES = """
const surfaces = [];
for (const peer of myCall.peers.values()) {
  for (const sender of peer.pc.getSenders()) {
    if (sender.track && sender.track.kind === "video") {
      surfaces.push(sender.track.getSettings().displaySurface || "");
    }
  }
}
return surfaces;
"""


class FakeMediaCase(WebCase):
    """Pages with chromium's fake microphone and camera."""

    timeout = 240

    def call_page(
        self, name: str, room: str, first: str = "", url: str = ""
    ) -> BrowserPage:
        """A page with a fake microphone and camera, signed in as ``name``,
        in ``room`` (made if new); ``first``: a script run before the page's
        own."""
        require(CHROMIUM, "chromium", "the web client tests drive it")
        require(CHROMEDRIVER, "chromium-driver", "Selenium drives chromium with it")
        driver = open_browser(self.folder, *FAKE_MEDIA)

        def close() -> None:
            with contextlib.suppress(Exception):  # quit already, as a tab closed
                driver.quit()

        self.addCleanup(close)
        page = BrowserPage(driver)
        if first:
            driver.execute_cdp_cmd(
                "Page.addScriptToEvaluateOnNewDocument", {"source": first}
            )
        driver.get(url or self.server.url)
        page.wait_page("username")
        self.enter(page, name)
        self.go_to(page, room)
        return page

    def stats(self, page: BrowserPage) -> dict[str, Any]:
        page.driver.set_script_timeout(30)
        return page.driver.execute_async_script(STATS) or {}

    def tiles(self, page: BrowserPage) -> list[dict[str, Any]]:
        return list(self.script(page, TILES))

    def growing(self, page: BrowserPage, key: str, what: str) -> bool:
        """Whether ``what`` received from ``key`` grows over a moment."""
        before = self.stats(page).get(key, {}).get(what, 0)
        wait_for(
            f"{what} from {key} growing",
            lambda: self.stats(page).get(key, {}).get(what, 0) > before,
            timeout=30,
        )
        return True

    def frames_later(self, page: BrowserPage, key: str, frames: int) -> None:
        """Once ``frames`` more of ``key``'s video frames were decoded (two
        seconds or so of the fake camera's)."""
        before = self.stats(page)[key]["frames"]
        wait_for(
            f"{frames} frames more from {key}",
            lambda: self.stats(page)[key]["frames"] >= before + frames,
            timeout=60,
        )

    def sees(self, page: BrowserPage, *names: str) -> None:
        """``page`` shows a playing video tile for each of ``names``, each
        naming that person alone, and receives sound and pictures from
        each."""
        wait_for(
            f"tiles of {names}",
            lambda: (
                sorted(t["name"] for t in self.tiles(page) if t["playing"])
                == sorted(names)
            ),
            timeout=60,
        )
        for name in names:
            self.growing(page, name, "frames")
            self.growing(page, name, "bytes")
            self.growing(page, name, "energy")

    def tile_gone(self, page: BrowserPage, name: str) -> None:
        def gone() -> bool:
            return name not in [tile["name"] for tile in self.tiles(page)]

        wait_for(f"{name}'s tile gone", gone)

    def click(self, page: BrowserPage, element_id: str) -> None:
        wait_for(f"{element_id} shown", lambda: page.visible(element_id))
        page.element(element_id).click()

    def brightness(self, page: BrowserPage, name: str) -> float:
        """How bright ``name``'s tile's picture is now (0: black, 255: white)."""
        return float(self.script(page, BRIGHTNESS, name))

    def sending_surface(self, page: BrowserPage) -> list[str]:
        """The ``displaySurface`` of each video track the page sends ("" for
        a camera's)."""
        return list(self.script(page, SURFACES))


class CallPagesTests(FakeMediaCase):
    def test_two_then_four_in_a_call(self) -> None:
        alice = self.call_page("alice", "duo")
        bob = self.call_page("bob", "duo")
        lou = self.in_room("lou", "duo")
        self.assertTrue(alice.visible("call-start"))
        self.click(alice, "call-start")
        started = lou.wait(
            lambda line: line.startswith("CALL duo "), "the call started"
        )
        call = started.split(" ")[2]
        self.assertTrue(started.startswith(f"CALL duo {call} started alice http"))
        wait_for("bob's banner", lambda: bob.visible("call-banner"))
        self.assertIn("alice", bob.element("call-banner-text").text)
        self.assertFalse(bob.visible("call-start"))
        self.click(bob, "call-join")
        lou.wait(lambda line: line == f"CALL duo {call} joined bob", "bob joined")
        self.sees(alice, "bob")
        self.sees(bob, "alice")
        for button in ("call-mute", "call-camera", "call-share", "call-leave"):
            self.assertTrue(alice.visible(button), button)
        self.assertEqual(alice.element("call-mute").text, "Mute")
        self.assertEqual(alice.element("call-camera").text, "Turn camera off")
        self.assertEqual(alice.element("call-share").text, "Share screen")
        self.screenshot(bob, "call-two")
        # muted: bob hears nothing more of alice, her pictures still come
        self.click(alice, "call-mute")
        self.assertEqual(alice.element("call-mute").text, "Unmute")
        self.frames_later(bob, "alice", 40)  # what was in flight has played
        settled = self.stats(bob)["alice"]["energy"]
        self.frames_later(bob, "alice", 60)  # her pictures still come
        quiet = self.stats(bob)["alice"]["energy"]
        self.assertLess(quiet - settled, 0.001, (settled, quiet))
        self.click(alice, "call-mute")
        self.growing(bob, "alice", "energy")
        # carol and dave join: four pages, each with three playing tiles
        carol = self.call_page("carol", "duo")
        dave = self.call_page("dave", "duo")
        for name, page in (("carol", carol), ("dave", dave)):
            self.click(page, "call-join")  # once its banner shows
            joined = f"CALL duo {call} joined {name}"
            lou.wait(joined.__eq__, f"{name} joined")
        everyone = {"alice": alice, "bob": bob, "carol": carol, "dave": dave}
        for name, page in everyone.items():
            self.sees(page, *(other for other in everyone if other != name))
        self.screenshot(dave, "call-four")
        # alice leaves: her page shows the banner; the call goes on without her
        self.click(alice, "call-leave")
        lou.wait(lambda line: line == f"CALL duo {call} left alice", "alice left")
        wait_for("alice's banner", lambda: alice.visible("call-banner"))
        self.assertFalse(alice.visible("call-leave"))
        for page in (bob, carol, dave):
            self.tile_gone(page, "alice")
        # closing the tabs: the last one's end ends the call
        for page in (bob, carol, dave):
            page.driver.quit()
        lou.wait(lambda line: line.startswith(f"CALL duo {call} ended "), "the end")
        wait_for("Start call back", lambda: alice.visible("call-start"))


#: The inline players of the room's log: [src, seconds played, paused].
PLAYERS = """
return [...document.querySelectorAll("#log .attachment.audio audio")]
  .map((audio) => [audio.currentSrc || audio.src, audio.currentTime, audio.paused]);
"""

#: The voice message at arguments[0], fetched and decoded with WebAudio:
#: its seconds and its loudest sample.
DECODED = """
const done = arguments[arguments.length - 1];
fetch(arguments[0]).then((answer) => answer.arrayBuffer()).then(async (bytes) => {
  const audio = await new AudioContext().decodeAudioData(bytes);
  let peak = 0;
  for (const sample of audio.getChannelData(0)) peak = Math.max(peak, Math.abs(sample));
  done([audio.duration, peak]);
}, (error) => done(String(error)));
"""


class CameraAndScreenTests(FakeMediaCase):
    def test_camera_off_and_a_shared_screen(self) -> None:
        """*Turn camera off*: bob sees black of alice while her frames still
        come (not a frozen picture); on again: her picture. *Share screen*:
        alice sends a track with a displaySurface, bob's picture of her
        changes; *Stop sharing*: her camera is back."""
        alice = self.call_page("alice", "pair")
        bob = self.call_page("bob", "pair")
        irssi = self.irssi("ivy")  # a plain IRC client in the channel
        irssi.shows("End of /MOTD command")
        irssi.type_line("/join #pair")
        irssi.shows("Join to #pair was synced")
        self.click(alice, "call-start")
        irssi.shows("alice started a call in #pair: join it from the web page, http")
        self.click(bob, "call-join")
        self.sees(bob, "alice")
        lit = self.brightness(bob, "alice")
        self.assertGreater(lit, 20)
        self.click(alice, "call-camera")
        self.assertEqual(alice.element("call-camera").text, "Turn camera on")
        self.assertEqual(
            alice.element("call-camera").get_attribute("aria-pressed"), "true"
        )
        wait_for("black", lambda: self.brightness(bob, "alice") < 5)
        self.frames_later(bob, "alice", 30)  # frames still come: black, not frozen
        self.assertLess(self.brightness(bob, "alice"), 5)
        self.click(alice, "call-camera")
        wait_for("her picture", lambda: self.brightness(bob, "alice") > 20)
        self.assertEqual(self.sending_surface(alice), [""])
        self.click(alice, "call-share")
        wait_for(
            "a screen sent",
            lambda: (
                all(self.sending_surface(alice)) and bool(self.sending_surface(alice))
            ),
            timeout=30,
        )
        self.assertEqual(alice.element("call-share").text, "Stop sharing")
        self.frames_later(bob, "alice", 30)
        self.screenshot(bob, "call-screen")
        self.click(alice, "call-share")
        wait_for(
            "the camera back", lambda: self.sending_surface(alice) == [""], timeout=30
        )
        self.assertEqual(alice.element("call-share").text, "Share screen")
        self.frames_later(bob, "alice", 30)
        self.assertGreater(self.brightness(bob, "alice"), 20)
        # bob reloads: out of the call, and back in with Join call
        bob.driver.refresh()
        self.tile_gone(alice, "bob")
        wait_for("bob's banner", lambda: bob.visible("call-banner"))
        self.click(bob, "call-join")
        self.sees(bob, "alice")
        self.sees(alice, "bob")
        # both leave: the channel hears the call ended, in words
        self.click(alice, "call-leave")
        self.click(bob, "call-leave")
        irssi.shows("the call in #pair ended after")
        self.assertNotIn("CALL", irssi.screen())


#: Every peer connection relay-only, as the outside check makes them.
RELAY_ONLY = """
const Made = window.RTCPeerConnection;
window.RTCPeerConnection = function (config) {
  return new Made({ ...(config || {}), iceTransportPolicy: "relay" });
};
window.RTCPeerConnection.prototype = Made.prototype;
"""

#: Each connection's iceServers, and the local candidate type of its
#: selected pair.
RELAYED = """
const done = arguments[arguments.length - 1];
Promise.all([...myCall.peers.values()].map(async (peer) => {
  const stats = await peer.pc.getStats();
  let local = "";
  stats.forEach((report) => {
    const pair = report.type === "candidate-pair";
    if (pair && report.state === "succeeded" && report.nominated) {
      const candidate = stats.get(report.localCandidateId);
      if (candidate) local = candidate.candidateType;
    }
  });
  return [peer.pc.getConfiguration().iceServers, local];
})).then(done, (error) => done(String(error)));
"""


class CallAcrossNodesTests(OnTwoNodes, FakeMediaCase):
    """Two nodes on one redis-server: alice's page on node one starts, bob's
    on node two joins; line members on both nodes hear it all."""

    def test_a_call_across_nodes(self) -> None:
        alice = self.call_page("alice", "far")
        bob = self.call_page("bob", "far", url=self.other.url)
        near = LineUser(self.server.line_port, "nia")
        self.addCleanup(near.close)
        near.send("/join far")
        lou = self.in_room("lou", "far")  # on node two
        self.click(alice, "call-start")
        for member in (near, lou):
            started = member.wait(lambda line: line.startswith("CALL far "), "started")
            self.assertRegex(started, r"^CALL far \w+ started alice http://\S+:\d+/$")
        call = started.split(" ")[2]
        self.click(bob, "call-join")
        for member in (near, lou):
            member.wait(f"CALL far {call} joined bob".__eq__, "bob joined")
        self.sees(bob, "alice")
        self.sees(alice, "bob")
        self.click(alice, "call-leave")
        self.click(bob, "call-leave")
        for member in (near, lou):
            member.wait(
                lambda line: line.startswith(f"CALL far {call} ended "), "ended"
            )


#: Whether every connection of the page has gathered its candidates.
GATHERED = """
if (!myCall || !myCall.peers || !myCall.peers.size) return "none";
const states = [...myCall.peers.values()].map((peer) => peer.pc.iceGatheringState);
return states.every((state) => state === "complete") ? "complete" : states.join();
"""


class TurnCase(FakeMediaCase):
    """A real coturn, and the server given ``secret_given`` for it."""

    secret_given = SECRET

    def start_servers(self) -> None:
        self.coturn = Coturn(self, SECRET)
        wait_for("coturn", lambda: "turn server id=0 created" in self.coturn.said())
        secret = self.folder / "turn-secret"
        secret.write_text(self.secret_given + "\n")
        self.uri = f"turn:127.0.0.1:{self.coturn.port}"
        self.server_options = (
            "--rate", "0", "--turn-uri", self.uri,
            "--turn-secret-file", str(secret), "--turn-ttl", "600",
        )  # fmt: skip
        super().start_servers()

    def gathered(self, page: BrowserPage) -> None:
        def complete() -> bool:
            return bool(self.script(page, GATHERED) == "complete")

        wait_for("candidates gathered", complete, timeout=60)

    def call_of_two(self) -> tuple[BrowserPage, BrowserPage]:
        alice = self.call_page("alice", "relay", RELAY_ONLY)
        bob = self.call_page("bob", "relay", RELAY_ONLY)
        self.click(alice, "call-start")
        self.click(bob, "call-join")
        return alice, bob


class RelayThroughTurnTests(TurnCase):
    """Relay-only pages call through coturn with the server's credentials."""

    def test_relayed_with_the_servers_credentials(self) -> None:
        alice, bob = self.call_of_two()
        self.sees(bob, "alice")
        self.sees(alice, "bob")
        for page, name in ((alice, "alice"), (bob, "bob")):
            page.driver.set_script_timeout(30)
            ((servers, local),) = page.driver.execute_async_script(RELAYED)
            (server,) = servers
            self.assertEqual(server["urls"], [self.uri])
            expiry, _, user = server["username"].partition(":")
            self.assertEqual(user, name)
            self.assertEqual(
                server["credential"],
                credentials(SECRET, name, int(expiry) - 600, 600).password,
            )
            self.assertEqual(local, "relay")
            allocated = f"user <{server['username']}>: incoming packet ALLOCATE"
            self.assertIn(f"{allocated} processed, success", self.coturn.said())


class WrongTurnSecretTests(TurnCase):
    secret_given = "not-the-secret"

    def test_refused_by_coturn_nothing_flows(self) -> None:
        """Credentials of another secret: 401 from coturn; each page's
        gathering ends with no relay candidate, and no media arrive."""
        pages = self.call_of_two()
        wait_for("a 401", lambda: "error 401" in self.coturn.said())
        for page in pages:
            self.gathered(page)
        for page in pages:
            for seen in self.stats(page).values():
                self.assertEqual((seen["bytes"], seen["frames"]), (0, 0))
        self.assertNotIn("ALLOCATE processed, success", self.coturn.said())


class VoiceMessageTests(FakeMediaCase):
    """``--files``: a voice message recorded in one page, played in another."""

    db = "chat.db"
    server_options = ("--rate", "0", "--files")

    def test_recorded_sent_and_played(self) -> None:
        require(CHROMIUM, "chromium", "the web client tests drive it")
        self.register("alice", "tea-and-biscuits")
        driver = open_browser(self.folder, *FAKE_MEDIA)
        self.addCleanup(driver.quit)
        alice = BrowserPage(driver)
        driver.get(self.server.url)
        alice.wait_page("username")
        alice.type_into("name-input", "alice", enter=False)
        alice.type_into("password-input", "tea-and-biscuits")
        alice.wait_page("lobby")
        self.go_to(alice, "talk")
        rory = self.line_user("rory")
        rory.send("/caps rich")
        rory.send("/join talk")
        bob = self.call_page("bob", "talk")
        self.click(alice, "record-button")
        wait_for(
            "recording",
            lambda: alice.element("record-button").text == "Send voice message",
        )
        self.assertTrue(alice.visible("record-cancel"))
        time.sleep(3.5)  # the check's own wait: 3.5 s of the fake microphone
        alice.element("record-button").click()
        said = rory.wait(
            lambda line: " MSG talk alice " in line and "/files/" in line,
            "the voice message",
        )
        self.assertRegex(said, r"file-type=audio/(webm|ogg|mp4|wav)")
        url = said.rsplit(" ", 1)[1]
        with urllib.request.urlopen(url) as answer:
            self.assertEqual(answer.status, 200)
            self.assertTrue(answer.headers["content-type"].startswith("audio/"))
            body = answer.read()
        self.assertTrue(
            body[:4] in (b"\x1aE\xdf\xa3", b"OggS", b"RIFF") or body[4:8] == b"ftyp",
            body[:16],
        )
        wait_for(
            "bob's player",
            lambda: any(player[0] == url for player in self.script(bob, PLAYERS)),
        )
        self.script(
            bob, 'document.querySelector("#log .attachment.audio audio").play()'
        )
        wait_for(
            "the voice message playing",
            lambda: self.script(bob, PLAYERS)[0][1] > 0.5,
            timeout=30,
        )
        bob.driver.set_script_timeout(30)
        seconds, peak = bob.driver.execute_async_script(DECODED, url)
        self.assertGreater(seconds, 1.5)
        self.assertGreater(peak, 0.05)  # the fake microphone's beeps
