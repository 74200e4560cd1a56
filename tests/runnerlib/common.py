"""Constants and the one exception every part of the runner shares."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent.parent  # tests/
DEFAULT_CONFIGS = HERE / "configs.txt"
DEFAULT_EXPECTATIONS = HERE / "expectations.txt"
DEFAULT_IMAGE = "build/virt/selfmod.bin"
DEFAULT_OUT = "build/results"
DEFAULT_QEMU = "qemu-system-aarch64"
# QEMU versions a configuration can ask for (qemu=): 7.2 is the system's (Debian 12's qemu-system-arm,
# or $QEMU); 10 is QEMU 10.0 from bookworm-backports, staged in the project by tests/qemu_stage.py
# (make qemu10), or $QEMU10. A configuration on several versions is run once per version; the name of
# each run on a version other than the first is prefixed with VERSION_PREFIX[version].
QEMU_VERSIONS = ("7.2", "10")
VERSION_PREFIX = {"7.2": "", "10": "q10-"}
QEMU_ENV = {"7.2": "QEMU", "10": "QEMU10"}
STAGED_QEMU10 = HERE.parent / ".cache" / "qemu-10"

KILL_GRACE = 2.0          # seconds between SIGTERM and SIGKILL
READ_CHUNK = 65536
MAX_LINE_BYTES = 65536    # a longer line without newline is cut into pieces
MAX_BODY_LINES = 2000     # lines kept per test (the raw log keeps everything)
TAIL_LINES = 20           # last console lines shown when a run ends early
MAX_SHOWN_LINES = 40      # diagnostic lines printed per test (junit.xml and the log have all)
SHOWN_LINE_CHARS = 200    # a console line printed to the terminal is cut there (the log keeps it whole)
MAX_NOISE_ECHO = 50       # console lines echoed before a 'KTAP version 1' line (boot noise, or garbage)
BINARY_SHARE = 0.25       # a line with more unprintable characters than this is summarised, not shown
STATUS_EVERY = 0.5        # seconds between redraws of the status line on a terminal
HEARTBEAT_EVERY = 60.0    # seconds between "still running" lines when not on a terminal (CI logs)

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"
KIND_FAIL, KIND_KNOWN_DEFECT = "fail", "known-defect"


class UsageError(Exception):
    """A problem with the command line or an input file (exit status 2)."""


def seconds(value: float) -> str:
    """Format a duration without useless decimals: 60 -> '60', 0.5 -> '0.5'."""
    return f"{value:g}"
