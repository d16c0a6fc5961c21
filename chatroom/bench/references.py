"""Reference IRC servers for the IRC door's figures: ngIRCd, InspIRCd, Ergo.

The issue's rule is that a speed is only a figure beside a reference doing
the same work, on the same machine, under the same generator, in the same
run. For the line door that is the bare Twisted server in ``benchmarks/``;
for the IRC door it is IRC servers people run, two of them from Debian's
packages (``ngircd``, ``inspircd``): the C generator speaks IRC to them
exactly as it speaks to ``chatroom --irc`` (see ``cgen_doors.h``).

Ergo, the IRC server the IRC door's conformance and p99 are measured
against (issue 32: "p99 at 100k/s below Ergo's"), is not in Debian (its
``ergo`` package is a quantum chemistry program), so nothing installs it:
build it from its repository (``go build`` of a release, whose
dependencies are vendored; Debian's ``golang-go`` builds v2.11.1) and put
the binary on ``PATH`` or name it in ``CHATROOM_BENCH_ERGO``. A binary
called ``ergo`` counts only if its ``--version`` says it is the IRC server.

Their configuration files live in ``benchmarks/`` (``ngircd.conf``,
``inspircd.conf``, ``ergo.yaml``): loopback only, every limit that would
cut a benchmark client off lifted, as chatroom's own runs have ``--rate
0``. This module fills in the port and a private directory and builds the
command line; :mod:`chatroom.bench.servers` starts and stops the process
like any other.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: Where the configuration templates are (beside the baseline server).
CONFIGS = Path(__file__).resolve().parent.parent.parent / "benchmarks"

#: How ``make bench`` gets them; said when one is missing.
INSTALL = "install Debian's {package} (make bench does, when it runs as root)"


#: How to get Ergo, said when it is missing.
INSTALL_ERGO = (
    "build Ergo (https://github.com/ergochat/ergo, a release's `go build`) and"
    " put its `ergo` on PATH, or name it in CHATROOM_BENCH_ERGO"
    " (Debian's `ergo` package is another program)"
)


@dataclass(frozen=True)
class Reference:
    """One reference IRC server: its package, binary and how it is started."""

    package: str
    binary: str
    config: str
    #: How to get it, said when it is missing.
    install: str = INSTALL
    #: An environment variable that names the binary, looked at first.
    variable: str = ""
    #: What the binary's ``--version`` starts with, when another program
    #: may have its name ("" to take any binary of that name).
    version: str = ""

    def find(self) -> str | None:
        """The binary's path, or None when the server is not installed."""
        named = os.environ.get(self.variable) if self.variable else None
        found = named or shutil.which(self.binary)  # /usr/sbin is not on every PATH
        sbin = Path("/usr/sbin") / self.binary
        binary = found or (str(sbin) if sbin.exists() else None)
        if binary is None or not self.version:
            return binary
        return binary if self._says_version(binary) else None

    def _says_version(self, binary: str) -> bool:
        """Whether ``binary --version`` names this server."""
        try:
            answer = subprocess.run(
                [binary, "--version"], capture_output=True, text=True, timeout=10
            )
        except (OSError, subprocess.SubprocessError):
            return False
        return answer.stdout.strip().startswith(self.version)

    def missing(self) -> str:
        """What to do when :meth:`find` finds nothing."""
        return self.install.format(package=self.package)

    def argv(self, binary: str, port: int) -> list[str]:
        """The command line serving on 127.0.0.1:``port``, its files in a
        fresh directory of its own (configuration, and InspIRCd's log)."""
        directory = Path(tempfile.mkdtemp(prefix=f"chatroom-bench-{self.package}-"))
        (directory / "motd").write_text("chatroom-bench\n")
        template = (CONFIGS / self.config).read_text()
        config = directory / self.config
        config.write_text(
            template.replace("@PORT@", str(port)).replace("@DIR@", str(directory))
        )
        if self.package == "ngircd":  # stays in the foreground
            return [binary, "--nodaemon", "--config", str(config)]
        if self.package == "ergo":  # stays in the foreground; makes its store
            return [binary, "run", "--conf", str(config)]
        # InspIRCd refuses to run as root unless told; the benchmark may be root.
        return [binary, "--config", str(config), "--nofork", "--nopid", "--runasroot"]


REFERENCES = {
    "ngircd": Reference("ngircd", "ngircd", "ngircd.conf"),
    "inspircd": Reference("inspircd", "inspircd", "inspircd.conf"),
    "ergo": Reference(
        "ergo",
        "ergo",
        "ergo.yaml",
        install=INSTALL_ERGO,
        variable="CHATROOM_BENCH_ERGO",
        version="ergo-",
    ),
}
