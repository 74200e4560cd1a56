#!/usr/bin/env python3
"""Send a selfmod image to the serial chainloader on a Raspberry Pi, then check the run.

The board runs the chainloader (build/rpi4/sdcard-loader on its SD card). This
tool waits for the loader's announcement, sends the image with its size and
CRC-32 (protocol: board/pi/loader/protocol.h and the README), retries when the loader
rejects a transfer, then streams the console and judges it exactly as
tests/runner.py judges a QEMU run: the last line printed is
"N passed, N failed, N skipped" and the exit status is 0 only if nothing failed
(1 if something failed or the image could not be delivered, 2 for bad input).

Ports: a serial device or pseudo-terminal (/dev/ttyUSB0, /dev/pts/3: raw mode
through termios, no pyserial needed) or tcp:HOST:PORT (e.g. QEMU's
-serial tcp:127.0.0.1:PORT,server=on). Python 3 standard library only.
"""

from __future__ import annotations

import argparse
import errno
import os
import re
import select
import socket
import struct
import sys
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import runner  # KTAP parsing, expectations, summary and JUnit: one implementation

# board/pi/loader/protocol.h
ANNOUNCE = b"\x03\x03\x03"
MAGIC = b"SMLD"
MIN_SIZE = 64
IMAGE_MAGIC_AT, IMAGE_MAGIC = 0x38, b"ARM\x64"
TEXT_OFFSET = 0x80000
LOADER_BYTE_TIMEOUT = 1.0           # the loader abandons a transfer after this pause (s)

DEFAULT_BAUD = 115200
CHUNK = 1024                        # bytes per write (progress granularity)
REPLY_GRACE = 5.0                   # s for a reply beyond what the bytes take on the wire
MAX_ANNOUNCE_LINE = 400
BANNER_RE = re.compile(rb"selfmod-loader ready[^\n]*?max=(\d+)[^\n]*\n")


class FlashError(Exception):
    """Bad input or an unusable port: a clear message, exit status 2."""


class LinkClosed(Exception):
    """The other end went away (QEMU exited, the adapter was unplugged)."""


# --------------------------------------------------------------------------
# Ports


class Link:
    """A byte stream with read timeouts and a small pushback buffer."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.pending = b""

    def _read(self, timeout: float) -> bytes:
        raise NotImplementedError

    def write(self, data: bytes) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def read(self, timeout: float) -> bytes:
        """What arrives within timeout (b"" if nothing); LinkClosed at end of stream."""
        if self.pending:
            data, self.pending = self.pending, b""
            return data
        return self._read(max(0.0, timeout))

    def unread(self, data: bytes) -> None:
        self.pending = data + self.pending


class SocketLink(Link):
    def __init__(self, name: str, sock: socket.socket) -> None:
        super().__init__(name)
        self.sock = sock

    def _read(self, timeout: float) -> bytes:
        ready, _, _ = select.select([self.sock], [], [], timeout)
        if not ready:
            return b""
        try:
            data = self.sock.recv(65536)
        except ConnectionError as exc:
            raise LinkClosed(f"{self.name}: {exc}") from None
        if not data:
            raise LinkClosed(f"{self.name}: connection closed")
        return data

    def write(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError as exc:
            raise LinkClosed(f"{self.name}: {exc}") from None

    def close(self) -> None:
        self.sock.close()


class TtyLink(Link):
    """A serial device or pty in raw mode (termios), 8N1 at baud, no flow control."""

    def __init__(self, name: str, baud: int) -> None:
        super().__init__(name)
        import termios  # POSIX only: imported here so --help works anywhere
        speed = getattr(termios, f"B{baud}", None)
        if speed is None:
            raise FlashError(f"unsupported baud rate {baud}")
        try:
            self.fd = os.open(name, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        except OSError as exc:
            raise FlashError(f"cannot open serial port {name}: {exc.strerror}") from None
        try:
            attrs = termios.tcgetattr(self.fd)
        except termios.error:
            os.close(self.fd)
            raise FlashError(f"{name} is not a serial port or terminal") from None
        attrs[0] = 0                                               # iflag: no translation, no XON/XOFF
        attrs[1] = 0                                               # oflag: raw output
        attrs[2] = termios.CS8 | termios.CREAD | termios.CLOCAL    # cflag: 8N1, no modem control
        attrs[3] = 0                                               # lflag: no echo, not canonical
        attrs[4] = attrs[5] = speed
        attrs[6][termios.VMIN], attrs[6][termios.VTIME] = 0, 0
        termios.tcsetattr(self.fd, termios.TCSANOW, attrs)
        termios.tcflush(self.fd, termios.TCIOFLUSH)

    def _read(self, timeout: float) -> bytes:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return b""
        try:
            data = os.read(self.fd, 65536)
        except BlockingIOError:
            return b""
        except OSError as exc:
            if exc.errno == errno.EIO:  # pty master closed, adapter unplugged
                raise LinkClosed(f"{self.name}: closed") from None
            raise LinkClosed(f"{self.name}: {exc.strerror}") from None
        if not data:
            raise LinkClosed(f"{self.name}: closed")
        return data

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            select.select([], [self.fd], [], 1.0)
            try:
                view = view[os.write(self.fd, view):]
            except BlockingIOError:
                continue
            except OSError as exc:
                raise LinkClosed(f"{self.name}: {exc.strerror}") from None

    def close(self) -> None:
        os.close(self.fd)


def open_link(port: str, baud: int, connect_timeout: float) -> Link:
    """tcp:HOST:PORT (retried until connect_timeout: QEMU may still be starting) or a device path."""
    if port.startswith("tcp:"):
        host, sep, number = port[4:].rpartition(":")
        if not sep or not host or not number.isdigit() or not 0 < int(number) < 65536:
            raise FlashError(f"bad port {port!r}: expected tcp:HOST:PORT")
        deadline = time.monotonic() + connect_timeout
        while True:
            try:
                sock = socket.create_connection((host, int(number)), timeout=max(0.1, min(2.0, connect_timeout)))
                sock.setblocking(True)
                return SocketLink(port, sock)
            except OSError as exc:
                if time.monotonic() >= deadline:
                    raise FlashError(f"cannot connect to {port}: {exc.strerror or exc} "
                                     f"(tried for {runner.seconds(connect_timeout)} s)") from None
                time.sleep(0.1)
    if not os.path.exists(port):
        raise FlashError(f"no such serial port: {port}")
    return TtyLink(port, baud)


# --------------------------------------------------------------------------
# The protocol


@dataclass
class Reply:
    ok: bool
    line: str


def image_problem(data: bytes) -> str | None:
    """Why this file cannot be a selfmod image for the loader, or None."""
    if len(data) < MIN_SIZE:
        return f"{len(data)} bytes is too short for an arm64 Image (at least {MIN_SIZE})"
    if data[IMAGE_MAGIC_AT:IMAGE_MAGIC_AT + 4] != IMAGE_MAGIC:
        return 'not an arm64 Image (no "ARM\\x64" at 0x38): send kernel8.img, not the ELF'
    text_offset, = struct.unpack_from("<Q", data, 8)
    if text_offset != TEXT_OFFSET:
        return f"text_offset is {text_offset:#x}; the loader runs images at {TEXT_OFFSET:#x}"
    return None


def header(size: int, crc: int) -> bytes:
    return MAGIC + struct.pack("<II", size, crc & 0xFFFFFFFF)


def wait_ready(link: Link, timeout: float, echo: Callable[[bytes], None]) -> int:
    """Wait for the loader's announcement; return the largest image it takes (max=)."""
    deadline = time.monotonic() + timeout
    buffer = b""
    while True:
        start = buffer.find(ANNOUNCE)
        if start >= 0:
            match = BANNER_RE.search(buffer, start)
            if match:
                echo(buffer[:match.end()])
                link.unread(buffer[match.end():])
                return int(match.group(1))
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"no announcement from the chainloader on {link.name} within {timeout:.3g} s")
        buffer += link.read(min(remaining, 0.25))
        if start < 0 and len(buffer) > MAX_ANNOUNCE_LINE:
            echo(buffer[:-len(ANNOUNCE)])
            buffer = buffer[-len(ANNOUNCE):]


def read_reply(link: Link, timeout: float, echo: Callable[[bytes], None]) -> Reply:
    """The loader's next "OK ..." or "ERR ..." line; bytes after it stay in the link."""
    deadline = time.monotonic() + timeout
    buffer = b""
    while True:
        for match in re.finditer(rb"(?:^|\n|\x03)((OK|ERR)\b[^\n]*)\n", buffer):
            echo(buffer[:match.end()])
            link.unread(buffer[match.end():])
            return Reply(match.group(2) == b"OK", match.group(1).decode("utf-8", "replace").rstrip("\r"))
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"no answer from the chainloader within {timeout:.3g} s")
        buffer += link.read(min(remaining, 0.25))


def wire_seconds(size: int, baud: int) -> float:
    return size * 10 / baud  # 8N1: ten bits a byte


def send(link: Link, size: int, crc: int, payload: bytes, baud: int,
         progress: Callable[[int, int], None], echo: Callable[[bytes], None]) -> Reply:
    """One transfer: header, the loader's OK, payload (which a test may cut short), its verdict."""
    link.write(header(size, crc))
    reply = read_reply(link, REPLY_GRACE, echo)
    if not reply.ok:
        return reply
    for offset in range(0, len(payload), CHUNK):
        link.write(payload[offset:offset + CHUNK])
        progress(min(offset + CHUNK, len(payload)), size)
    if not payload:
        progress(0, size)
    # A short payload: the loader's byte timeout answers it.
    return read_reply(link, wire_seconds(size, baud) + LOADER_BYTE_TIMEOUT + REPLY_GRACE, echo)


class Progress:
    """A progress bar on a terminal; one line when the transfer ends otherwise."""

    WIDTH = 40

    def __init__(self, stream) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.start = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        if self.tty:
            filled = self.WIDTH * done // max(total, 1)
            self.stream.write(f"\r[{'#' * filled}{'.' * (self.WIDTH - filled)}] {100 * done // max(total, 1):3d}% "
                              f"{done}/{total} bytes")
            self.stream.flush()

    def end(self, total: int) -> None:
        if self.tty:
            self.stream.write("\n")
        self.stream.write(f"flash.py: sent {total} bytes in {time.monotonic() - self.start:.1f} s\n")
        self.stream.flush()


@dataclass
class Options:
    baud: int = DEFAULT_BAUD
    retries: int = 3
    ready_timeout: float = 30.0
    run_timeout: float = 300.0
    name: str = "board"
    out: Path = Path(runner.DEFAULT_OUT)
    expectations: list[runner.Expectation] | None = None


Attempt = Callable[[int, bytes], tuple[bytes, int]]


def good_attempt(attempt: int, image: bytes) -> tuple[bytes, int]:
    """What attempt n sends: (payload, CRC in the header). Tests substitute broken attempts."""
    return image, zlib.crc32(image)


def deliver(link: Link, image: bytes, opts: Options, printer: runner.Printer,
            attempt_payload: Attempt = good_attempt, log: Callable[[bytes], None] = lambda b: None) -> bool:
    """Announcement, transfer, retries: True once the loader has accepted the image and jumped."""
    def echo(data: bytes) -> None:
        log(data)
        if printer.verbose:
            for line in runner.split_lines(data.replace(ANNOUNCE, b"")):
                printer.line(f"[{opts.name}] {line}")

    for attempt in range(1, opts.retries + 2):
        limit = wait_ready(link, opts.ready_timeout, echo)
        if len(image) > limit:
            raise FlashError(f"the image is {len(image)} bytes; the chainloader takes at most {limit}")
        payload, crc = attempt_payload(attempt, image)
        progress = Progress(printer.err)
        reply = send(link, len(image), crc, payload, opts.baud, progress, echo)
        if reply.ok:
            progress.end(len(payload))
            printer.line(f"flash.py: {reply.line}")
            return True
        printer.line(f"flash.py: attempt {attempt} rejected: {reply.line}")
        if attempt <= opts.retries:
            printer.line("flash.py: retrying")
    printer.line(f"flash.py: giving up after {opts.retries + 1} attempts")
    return False


def run_finished(session: runner.ConsoleSession) -> bool:
    """Every planned result and the firmware's summary line seen, or a bail-out."""
    report = session.parser.report
    if report.bail_out:
        return True
    if report.plan is None or len(report.results) < report.plan:
        return False
    return any(runner.SUMMARY_RE.fullmatch(line) for line in list(session.tail)[-2:])


def stream_console(link: Link, opts: Options, printer: runner.Printer, log: Callable[[bytes], None],
                   mine: list[runner.Expectation]) -> runner.ConfigReport:
    """Parse the console until the run is complete, the link closes or run_timeout passes."""
    session = runner.ConsoleSession(opts.name, mine, printer)
    start = time.monotonic()
    deadline = start + opts.run_timeout
    ended, timed_out = "console ended", False
    try:
        while not run_finished(session):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                printer.line(f"[{opts.name}] TIMEOUT after {runner.seconds(opts.run_timeout)} s")
                break
            data = link.read(min(remaining, 0.25))
            if data:
                log(data)
                session.feed(data)
    except LinkClosed as exc:
        ended = str(exc)
    report = session.close()
    run = runner.RunStatus(None, timed_out, opts.run_timeout, ended=ended, tail=list(session.tail))
    outcomes = runner.finish_config(opts.name, report, run, mine, None, printer)
    return runner.ConfigReport(opts.name, outcomes, time.monotonic() - start, f"flash {link.name}",
                               report.warnings)


def flash_and_check(link: Link, image: bytes | None, opts: Options, printer: runner.Printer,
                    attempt_payload: Attempt = good_attempt) -> int:
    """The whole tool on an open link; returns the exit status (0, 1)."""
    expectations = opts.expectations or []
    mine = [e for e in expectations if e.applies_to(opts.name)]
    opts.out.mkdir(parents=True, exist_ok=True)
    with open(opts.out / f"{opts.name}.log", "wb") as log_file:
        def log(data: bytes) -> None:
            log_file.write(data)
            log_file.flush()
        if image is not None and not deliver(link, image, opts, printer, attempt_payload, log):
            failed = runner.Outcome("chainload", runner.FAILED, "the chainloader rejected every attempt")
            printer.show(opts.name, failed)
            reports = [runner.ConfigReport(opts.name, [failed], 0.0, f"flash {link.name}")]
        else:
            reports = [stream_console(link, opts, printer, log, mine)]
    runner.write_junit(opts.out / "junit.xml", reports)
    return runner.print_summary(reports, printer)


# --------------------------------------------------------------------------
# Command line


EXAMPLES = """\
examples:
  %(prog)s --port /dev/ttyUSB0 --image build/rpi4/kernel8.img
  %(prog)s --port tcp:127.0.0.1:5555 --image build/rpi3/kernel8.img   (QEMU -serial tcp:...,server=on)
  %(prog)s --port /dev/ttyUSB0 --listen          only watch and judge a run (image booted otherwise)
  make flash PORT=/dev/ttyUSB0                    build the rpi4 image and send it

Exit status: 0 if nothing failed, 1 if something failed or no transfer was
accepted, 2 for bad input (missing image, unreachable port, image too large).
"""


def positive(text: str) -> float:
    try:
        return runner.positive_seconds(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number > 0") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="flash.py", description=__doc__.split("\n\n")[0] + "\n\n" + __doc__.split("\n\n")[1],
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", required=True, metavar="PORT",
                        help="/dev/ttyUSB0, /dev/pts/N or tcp:HOST:PORT")
    parser.add_argument("--image", metavar="PATH", help="the arm64 Image to send (kernel8.img)")
    parser.add_argument("--listen", action="store_true", help="send nothing: stream and judge the console")
    parser.add_argument("--baud", type=int, default=DEFAULT_BAUD, help=f"serial speed (default {DEFAULT_BAUD})")
    parser.add_argument("--retries", type=int, default=3, help="new attempts after a rejected transfer (default 3)")
    parser.add_argument("--ready-timeout", type=positive, default=30.0, metavar="SECONDS",
                        help="wait this long for the loader's announcement (default 30)")
    parser.add_argument("--connect-timeout", type=positive, default=10.0, metavar="SECONDS",
                        help="keep trying a tcp: port this long (default 10)")
    parser.add_argument("--timeout", type=positive, default=300.0, metavar="SECONDS",
                        help="wall-clock limit for the run after the transfer (default 300)")
    parser.add_argument("--name", default="board", help="configuration name for the log, JUnit and "
                        "expectations.txt (default: board)")
    parser.add_argument("--out", default=runner.DEFAULT_OUT, metavar="DIR",
                        help=f"directory for <name>.log and junit.xml (default: {runner.DEFAULT_OUT})")
    parser.add_argument("--expectations", default=str(runner.DEFAULT_EXPECTATIONS), metavar="FILE",
                        help="expectations file (default: tests/expectations.txt)")
    parser.add_argument("--verbose", "-v", action="store_true", help="echo every console line")
    return parser


def main(argv: list[str] | None = None) -> int:
    args, status = runner.parse_args_or_status(build_parser(), argv)
    if args is None:
        return status
    printer = runner.Printer(sys.stdout, sys.stderr, args.verbose)
    link = None
    try:
        if not args.port:
            raise FlashError("--port is empty (make flash PORT=/dev/ttyUSB0)")
        if (args.image is None) == (not args.listen):
            raise FlashError("give --image PATH to send an image, or --listen to only watch the console")
        if args.retries < 0 or args.baud <= 0:
            raise FlashError("--retries must be 0 or more and --baud positive")
        image = None
        if args.image is not None:
            try:
                image = Path(args.image).read_bytes()
            except OSError as exc:
                raise FlashError(f"cannot read image {args.image}: {exc.strerror}") from None
            problem = image_problem(image)
            if problem:
                raise FlashError(f"{args.image}: {problem}")
        opts = Options(baud=args.baud, retries=args.retries, ready_timeout=args.ready_timeout,
                       run_timeout=args.timeout, name=args.name, out=Path(args.out),
                       expectations=runner.load_expectations(args.expectations))
        if not runner.NAME_RE.fullmatch(opts.name):
            raise FlashError(f"--name {opts.name!r} may only use letters, digits, '.', '_' and '-'")
        link = open_link(args.port, args.baud, args.connect_timeout)
        return flash_and_check(link, image, opts, printer)
    except (FlashError, runner.UsageError) as exc:
        printer.error(f"flash.py: error: {exc}")
        return 2
    except TimeoutError as exc:
        printer.error(f"flash.py: error: {exc}; is the board running the chainloader "
                      f"(build/rpi4/sdcard-loader)? Reset it and try again")
        return 1
    except LinkClosed as exc:
        printer.error(f"flash.py: error: {exc}")
        return 1
    except OSError as exc:
        printer.error(f"flash.py: error: {exc}")
        return 2
    except KeyboardInterrupt:
        printer.error("flash.py: interrupted")
        return 130
    finally:
        if link is not None:
            link.close()


if __name__ == "__main__":
    sys.exit(main())
