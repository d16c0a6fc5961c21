"""Reference IRC servers for the IRC door's figures: ngIRCd and InspIRCd.

The issue's rule is that a speed is only a figure beside a reference doing
the same work, on the same machine, under the same generator, in the same
run. For the line door that is the bare Twisted server in ``benchmarks/``;
for the IRC door it is two IRC servers people run, from Debian's packages
(``ngircd``, ``inspircd``): the C generator speaks IRC to them exactly as
it speaks to ``chatroom --irc`` (see ``cgen_doors.h``).

Their configuration files live in ``benchmarks/`` (``ngircd.conf``,
``inspircd.conf``): loopback only, every limit that would cut a benchmark
client off lifted, as chatroom's own runs have ``--rate 0``. This module
fills in the port and a private directory and builds the command line;
:mod:`chatroom.bench.servers` starts and stops the process like any other.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: Where the configuration templates are (beside the baseline server).
CONFIGS = Path(__file__).resolve().parent.parent.parent / "benchmarks"

#: How ``make bench`` gets them; said when one is missing.
INSTALL = "install Debian's {package} (make bench does, when it runs as root)"


@dataclass(frozen=True)
class Reference:
    """One reference IRC server: its package, binary and how it is started."""

    package: str
    binary: str
    config: str

    def find(self) -> str | None:
        """The binary's path, or None when the package is not installed."""
        found = shutil.which(self.binary)  # /usr/sbin is not on every PATH
        sbin = Path("/usr/sbin") / self.binary
        return found or (str(sbin) if sbin.exists() else None)

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
        # InspIRCd refuses to run as root unless told; the benchmark may be root.
        return [binary, "--config", str(config), "--nofork", "--nopid", "--runasroot"]


REFERENCES = {
    "ngircd": Reference("ngircd", "ngircd", "ngircd.conf"),
    "inspircd": Reference("inspircd", "inspircd", "inspircd.conf"),
}
