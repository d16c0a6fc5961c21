"""Real clients from Debian against a real ``twistd chatroom`` with every door.

The server runs as a subprocess (``twistd chatroom --port --irc --http``
from this checkout), since the clients here block: Selenium's calls to
chromedriver, tmux, and plain sockets. Waits are polls with a deadline
(:func:`tests.client.test_terminal.wait_for`), never fixed sleeps.

- :class:`Irssi`: Debian's ``irssi`` in a tmux session of its own;
- :class:`WeeChat`: Debian's ``weechat-headless`` in a tmux session of its
  own, driven through its FIFO and read through its logger's files (which
  keep each line's time as WeeChat shows it);
- :func:`open_browser`: Debian's ``chromium`` driven by ``chromium-driver``
  through Selenium, headless, with a fresh profile; :data:`BROWSERS` keeps
  them between tests, each made new again when a test hands it back;
- :class:`LineUser`: the line protocol over a blocking socket.

A missing tool skips its tests with the reason, unless
``CHATROOM_REQUIRE_TOOLS`` is set (CI sets it): then they fail, since
``make test`` installs them.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from twisted.trial import unittest

from tests.client.tmux import TMUX, run_tmux, start_twistd, wait_for, wait_listening
from tests.support import free_port, require

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
IRSSI = shutil.which("irssi")
WEECHAT = shutil.which("weechat-headless")


class Server:
    """``twistd chatroom`` with all three doors, restartable on its ports.

    ``db`` is ``--db`` (a file name is in ``folder``, and outlives a
    restart); ``options`` are more of the plugin's options.
    """

    def __init__(self, folder: Path, *options: str, db: str = ":memory:") -> None:
        self.folder = folder
        self.options = options
        self.db = db
        self.line_port, self.irc_port, self.http_port = (free_port() for _ in range(3))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/"

    def start(self) -> None:
        """Start the server and wait until it serves."""
        self.launch()
        self.wait_started()

    def launch(self) -> None:
        """Start the process without waiting (several start side by side;
        :meth:`wait_started` waits for each)."""
        # A listen backlog of 1024: a crowd connecting at once is accepted
        # as it comes, not held back by SYN retransmits (seconds each).
        interface = ":interface=127.0.0.1:backlog=1024"
        self.process = start_twistd(
            self.folder,
            "--port",
            f"tcp:{self.line_port}{interface}",
            "--irc",
            f"tcp:{self.irc_port}{interface}",
            "--http",
            f"tcp:{self.http_port}{interface}",
            "--db",
            self.db,
            *self.options,
        )

    def wait_started(self) -> None:
        """Until the launched server serves; a start that failed is killed."""
        process = self.process
        assert process is not None
        try:
            for port in (self.line_port, self.irc_port, self.http_port):
                wait_listening(process, port, self.folder / "server.log")
            # twistd listens before its reactor runs and installs the SIGTERM
            # handler: a stop() in between would kill it uncleanly, with the
            # rooms of --rooms not yet in --db. A HELLO means it is running.
            LineUser(self.line_port, None).close()
        except BaseException:  # a start that failed leaves no server behind
            process.kill()
            process.wait()
            raise

    def stop(self) -> None:
        """SIGTERM, and wait for the clean exit. Shutdown is bounded
        (``--shutdown-grace``, 3 s), but a machine loaded by the rest of the
        suite can hold the process back for many seconds; one that has not
        exited after :data:`STOP_SECONDS` is killed, and the test fails
        with the end of its log."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            log = (self.folder / "server.log").read_text(errors="replace")
            tail = "\n".join(log.splitlines()[-30:])
            raise AssertionError(
                f"the server had not stopped {STOP_SECONDS} s after SIGTERM:\n{tail}"
            ) from None


#: Seconds a stopped server has to exit.
STOP_SECONDS = 60


class LineUser:
    """A line-protocol user on a blocking socket, keeping every line."""

    def __init__(self, port: int, name: str | None, source: str = "") -> None:
        """Connect (from address ``source``, any of 127.0.0.0/8, if given)
        and take ``name``; with None, only wait for HELLO."""
        self.socket = socket.create_connection(
            ("127.0.0.1", port),
            timeout=10,
            source_address=(source, 0) if source else None,
        )
        self.socket.settimeout(0.1)
        self.buffer = b""
        self.lines: list[str] = []
        if name is None:
            self.wait(lambda line: line.startswith("HELLO "))
            return
        self.send(name)
        self.wait(lambda line: line.startswith("WELCOME "))

    def send(self, *lines: str) -> None:
        """One write of every line, each with its CRLF."""
        self.socket.sendall(b"".join(f"{line}\r\n".encode() for line in lines))

    def _read(self) -> None:
        try:
            data = self.socket.recv(65536)
        except TimeoutError:
            return
        self.buffer += data
        *lines, self.buffer = self.buffer.split(b"\r\n")
        self.lines.extend(line.decode("utf-8") for line in lines)

    def wait(self, predicate: Callable[[str], bool], what: str = "a line") -> str:
        """The first line that passes ``predicate``, waited for as
        :func:`~tests.client.tmux.wait_for` waits (60 s: a loaded machine)."""
        deadline = time.monotonic() + 60
        while True:
            for line in self.lines:
                if predicate(line):
                    return line
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}: {self.lines}")
            self._read()

    def listen(self, seconds: float) -> list[str]:
        """Every line that came within ``seconds`` from now (and before)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self._read()
        return self.lines

    def close(self) -> None:
        self.socket.close()


class IRCUser(LineUser):
    """An IRC user on a blocking socket, registered as ``nick`` (its
    ``001`` read): the raw lines, each kept, for what no IRC client here
    sends (``METADATA``)."""

    def __init__(
        self, port: int, nick: str, password: str = "", caps: str = ""
    ) -> None:
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.socket.settimeout(0.1)
        self.buffer = b""
        self.lines: list[str] = []
        asked = [f"CAP REQ :{caps}"] if caps else []
        signed = [f"PASS {password}"] if password else []
        ended = ["CAP END"] if caps else []
        self.send(*asked, *signed, f"NICK {nick}", f"USER {nick} 0 * :{nick}", *ended)
        self.wait(lambda line: f" 001 {nick} " in line, "the welcome")


class Irssi:
    """irssi in its own tmux server, with its own home (on UTC): no user config, and
    irssi's own flood queue off (by default it spaces lines 2.2 s apart
    after the first five, which made every step of a test take seconds)."""

    def __init__(
        self,
        folder: Path,
        port: int,
        nick: str,
        password: str | None = None,
        server_time: bool = False,
        seconds: bool = False,
    ) -> None:
        """``password``: sent as the server password (``-w``), which signs
        in to the account ``nick``. ``server_time``: irssi shows each line at
        the time its ``server-time`` tag says (``show_server_time``, off by
        default: irssi negotiates server-time but shows arrival times).
        ``seconds``: each line's time to the second (``timestamp_format``).
        Both are in its configuration, so the first lines (a replay at
        sign-in) are shown so too. The same ``nick`` started again (its
        user starting irssi once more) keeps its home."""
        self.socket = f"chatroom-irssi-{os.getpid()}-{secrets.token_hex(4)}"
        home = folder / f"irssi-{nick}"
        home.mkdir(exist_ok=True)
        signing_in = f" -w {password}" if password else ""
        # Each setting in the section of irssi's module that owns it: one
        # it does not know there is asked about at start, eating keys typed.
        timed = ' "fe-text" = { show_server_time = "yes"; };' if server_time else ""
        stamped = ' core = { timestamp_format = "%H:%M:%S"; };' if seconds else ""
        (home / "config").write_text(
            'settings = { "irc/core" = { cmd_queue_speed = "0msec"; '
            f"cmds_max_at_once = 100; }};{timed}{stamped} }};\n"
        )
        self.tmux(
            "new-session",
            "-d",
            "-s",
            nick,
            "-x",
            "120",
            "-y",
            "40",
            f"env TZ=UTC irssi --home={home} -c 127.0.0.1 -p {port} -n {nick}"
            f"{signing_in}",
        )
        self.nick = nick

    def tmux(self, *arguments: str) -> str:
        return run_tmux(self.socket, *arguments, check=False)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.nick)

    def shows(self, text: str) -> None:
        wait_for(f"{text!r} in irssi", lambda: text in self.screen())

    def type_line(self, text: str) -> None:
        self.tmux("send-keys", "-t", self.nick, "-l", text)
        self.tmux("send-keys", "-t", self.nick, "Enter")

    def quit(self) -> None:
        self.type_line("/quit leaving")

    def keep_screen(self, path: Path) -> None:
        """The window as it is now, kept in ``path`` (a test's artefact,
        to read a failure as its user saw it)."""
        path.write_text(self.screen())


class WeeChat:
    """weechat-headless in its own tmux server and home, on UTC, connected
    to the server as ``nick``, requesting ``capabilities`` (WeeChat's
    ``irc.server.*.capabilities``; ``*`` is all it supports)."""

    def __init__(
        self, folder: Path, port: int, nick: str, capabilities: str = "*"
    ) -> None:
        self.socket = f"chatroom-weechat-{os.getpid()}-{secrets.token_hex(4)}"
        self.home = folder / f"weechat-{nick}"
        self.home.mkdir()
        self.logs = self.home / "logs"
        commands = ";".join(
            (
                f"/set logger.file.path {self.logs}",
                "/set logger.file.flush_delay 0",
                "/set logger.file.auto_log on",
                f"/server add chat 127.0.0.1/{port} -notls",
                f"/set irc.server.chat.nicks {nick}",
                f'/set irc.server.chat.capabilities "{capabilities}"',
                "/connect chat",
            )
        )
        assert WEECHAT is not None and TMUX is not None
        subprocess.run(
            [
                *(TMUX, "-L", self.socket, "-f", "/dev/null", "new-session", "-d"),
                *("-s", nick, "-x", "120", "-y", "40"),
                *("env", "TZ=UTC", WEECHAT, "-d", str(self.home), "-r", commands),
            ],
            check=True,
        )
        self.nick = nick

    def log(self, buffer: str) -> str:
        """The logger's file of ``buffer`` (``server``, ``#tea``), "" until
        there is one."""
        name = "irc.server.chat" if buffer == "server" else f"irc.chat.{buffer}"
        path = self.logs / f"{name}.weechatlog"
        return path.read_text("utf-8") if path.exists() else ""

    def shows(self, buffer: str, text: str) -> None:
        wait_for(f"{text!r} in WeeChat's {buffer}", lambda: text in self.log(buffer))

    def command(self, line: str) -> None:
        """Run a command (or say text) through WeeChat's FIFO pipe."""
        wait_for("WeeChat's FIFO", lambda: bool(list(self.home.glob("weechat_fifo*"))))
        (fifo,) = self.home.glob("weechat_fifo*")
        with open(fifo, "w", encoding="utf-8") as pipe:
            pipe.write(f"irc.server.chat */{line}\n")

    def close(self) -> None:
        """End WeeChat and its tmux server. Killing the tmux server alone is
        not enough: weechat-headless takes the hang-up it gets as "reload
        the configuration" (its default ``signal_sighup``), not as "quit",
        and went on running after the test; so it is sent SIGTERM too."""
        assert TMUX is not None
        panes = subprocess.run(
            [TMUX, "-L", self.socket, "list-panes", "-a", "-F", "#{pane_pid}"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.split()
        subprocess.run([TMUX, "-L", self.socket, "kill-server"], check=False)
        for pid in panes:  # `env` exec'd WeeChat: the pane's process is it
            with contextlib.suppress(ProcessLookupError, ValueError):  # gone
                os.kill(int(pid), signal.SIGTERM)


def open_browser(folder: Path, *more: str) -> Any:
    """Headless chromium with a fresh profile in ``folder``, driven by
    Selenium; ``more``: chromium's arguments besides (a fake camera...)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    assert CHROMIUM is not None and CHROMEDRIVER is not None
    options.binary_location = CHROMIUM
    profile = folder / f"chromium-{time.monotonic_ns()}"
    for argument in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        f"--window-size={BROWSER_WIDTH},{BROWSER_HEIGHT}",
        *more,
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(0)
    return driver


BROWSER_WIDTH, BROWSER_HEIGHT = 1000, 700


class BrowserPool:
    """Chromium processes kept between tests, each handed back as new.

    Starting chromium and chromedriver costs up to a second of wall time
    and more of CPU, and every web client test opens one browser or more.
    A browser handed back is made new again instead: a fresh window in
    place of every old one (so a tab's emulated screen, colour
    scheme or minimised state goes with it), every origin it visited
    cleared of cookies, storage, caches and service workers, and granted
    permissions reset. A browser that cannot be made new (it crashed, or a
    dialog holds it) is quit, and the next test gets a new one.
    """

    def __init__(self) -> None:
        self.idle: list[Any] = []
        self.folder: Path | None = None

    def lend(self, fresh: bool = False) -> Any:
        if self.idle and not fresh:
            return self.idle.pop()
        if self.folder is None:
            self.folder = Path(tempfile.mkdtemp(prefix="chatroom-chromium-"))
            atexit.register(self.close)
        return open_browser(self.folder)

    def give_back(self, driver: Any) -> None:
        try:
            self.renew(driver)
        except Exception:  # any failure: this browser is done
            with contextlib.suppress(Exception):
                driver.quit()
            return
        self.idle.append(driver)

    @staticmethod
    def renew(driver: Any) -> None:
        """Leave ``driver`` as a freshly started browser would be."""
        origins: set[str] = set()
        old = list(driver.window_handles)
        for handle in old:
            driver.switch_to.window(handle)
            history = driver.execute_cdp_cmd("Page.getNavigationHistory", {})
            for entry in history["entries"]:
                scheme, _, rest = entry["url"].partition("://")
                if scheme in ("http", "https"):
                    origins.add(f"{scheme}://{rest.split('/', 1)[0]}")
        driver.switch_to.new_window("window")
        fresh = driver.current_window_handle
        for handle in old:
            driver.switch_to.window(handle)
            driver.close()
        driver.switch_to.window(fresh)
        for origin in origins:
            driver.execute_cdp_cmd(
                "Storage.clearDataForOrigin", {"origin": origin, "storageTypes": "all"}
            )
        driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
        driver.execute_cdp_cmd("Network.clearBrowserCache", {})
        driver.execute_cdp_cmd("Browser.resetPermissions", {})
        driver.set_window_rect(width=BROWSER_WIDTH, height=BROWSER_HEIGHT)

    def close(self) -> None:
        while self.idle:
            with contextlib.suppress(Exception):
                self.idle.pop().quit()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


#: This process's browsers (each pytest-xdist worker has its own).
BROWSERS = BrowserPool()


class BrowserPage:
    """The web client as a person uses it: by element, typing and reading."""

    def __init__(self, driver: Any) -> None:
        self.driver = driver

    def element(self, element_id: str) -> Any:
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.ID, element_id)

    def visible(self, element_id: str) -> bool:
        """Whether the element is shown. While the browser is on another
        page (a provider's sign-in page, or a redirect back still loading)
        the element is not there, and so not shown: a wait goes on waiting."""
        from selenium.common.exceptions import (
            NoSuchElementException,
            StaleElementReferenceException,
        )

        try:
            return bool(self.element(element_id).is_displayed())
        except (NoSuchElementException, StaleElementReferenceException):
            return False

    def wait_page(self, page: str) -> None:
        wait_for(f"the {page} page", lambda: self.visible(f"{page}-page"))

    def type_into(self, element_id: str, text: str, enter: bool = True) -> None:
        from selenium.webdriver.common.keys import Keys

        self.element(element_id).send_keys(text + (Keys.ENTER if enter else ""))

    def register_into(self, url: str, name: str, password: str, room: str) -> None:
        """Open the page at ``url``, register ``name`` with ``password`` from
        its name form, and create ``room``, which it then shows."""
        self.driver.get(url)
        self.wait_page("username")
        self.element("register-input").click()
        self.type_into("name-input", name, enter=False)
        self.type_into("password-input", password)
        self.wait_page("lobby")
        self.type_into("create-input", room)
        self.wait_page("room")

    def log(self) -> str:
        return str(self.element("log").text)

    def shows(self, text: str) -> None:
        wait_for(f"{text!r} in the room's log", lambda: text in self.log())

    def status(self) -> str:
        return str(self.element("status").text)

    def notices(self) -> str:
        """The notices above every page (kicks, invitations, announcements)."""
        return str(self.element("notices").text)

    def error(self) -> str:
        return str(self.element("error").text)


class RealClientsCase(unittest.TestCase):
    """A folder, a server with every door, and clean-up of whatever started."""

    timeout = 120
    #: The server's ``--db`` and more of its options.
    db = ":memory:"
    server_options: tuple[str, ...] = ()

    def setUp(self) -> None:
        self.folder = Path(self.mktemp()).resolve()
        self.folder.mkdir(parents=True)
        self.start_servers()

    def start_servers(self) -> None:
        """The server every user of the case reaches, as ``self.server``
        (:class:`~tests.integration.two_nodes.OnTwoNodes`: two nodes)."""
        self.server = Server(self.folder, *self.server_options, db=self.db)
        self.server.start()
        self.addCleanup(self.server.stop)

    def browser(self, fresh: bool = False) -> BrowserPage:
        """A browser as new; ``fresh``: a new chromium process too, for a
        test that relies on what only a never-used profile has (DevTools
        numbers service worker registrations from 0 per profile)."""
        require(CHROMIUM, "chromium", "the web client tests drive it")
        require(CHROMEDRIVER, "chromium-driver", "Selenium drives chromium with it")
        driver = BROWSERS.lend(fresh)
        self.addCleanup(BROWSERS.give_back, driver)
        return BrowserPage(driver)

    def line_user(self, name: str) -> LineUser:
        user = LineUser(self.server.line_port, name)
        self.addCleanup(user.close)
        return user

    def irc_user(self, nick: str, password: str = "", caps: str = "") -> IRCUser:
        """A raw IRC connection registered as ``nick`` (``password``: PASS)."""
        user = IRCUser(self.server.irc_port, nick, password, caps)
        self.addCleanup(user.close)
        return user

    def register(self, name: str, password: str) -> None:
        """Register ``name`` with ``password`` at the line door, then leave."""
        user = self.line_user(name)
        user.send(f"/register {password}")
        user.wait(lambda line: line == f"REGISTERED {name}")
        user.send("/quit")

    def irssi(
        self,
        nick: str,
        password: str | None = None,
        server_time: bool = False,
        seconds: bool = False,
    ) -> Irssi:
        require(TMUX, "tmux", "irssi runs inside it")
        require(IRSSI, "irssi", "the IRC end-to-end test runs it")
        client = Irssi(
            self.folder, self.server.irc_port, nick, password, server_time, seconds
        )
        self.addCleanup(client.tmux, "kill-server")
        self.addCleanup(client.keep_screen, self.folder / f"{client.socket}.txt")
        return client

    def weechat(self, nick: str, capabilities: str = "*") -> WeeChat:
        require(TMUX, "tmux", "WeeChat runs inside it")
        require(WEECHAT, "weechat-headless", "the IRCv3 end-to-end test runs it")
        client = WeeChat(self.folder, self.server.irc_port, nick, capabilities)
        self.addCleanup(client.close)
        # WeeChat refuses a /join typed before 001 ("must be executed on
        # connected irc server"), and its capabilities are logged before
        # that: the test's first command waits for the end of the MOTD.
        client.shows("server", "End of /MOTD command")
        return client
