#!/usr/bin/env python3
"""End-to-end test of the serial chainloader under QEMU raspi3b or raspi4b (a runner.py command= config).

Boots build/BOARD/sdcard-loader/kernel8.img (--board rpi3: QEMU raspi3b, rpi4: raspi4b, QEMU 10)
with its PL011 on a loopback TCP socket, then, in one boot:
  1. waits for the loader's announcement;
  2. sends the first TRUNCATED_BYTES of the image and stops: the loader must time out, say so, and
     announce itself again (nothing run);
  3. runs tests/flash.py's own delivery with a first attempt whose payload has
     one byte flipped under the good image's CRC: the loader must reject it
     with a CRC error, and flash.py's retry must be accepted;
  4. streams the chainloaded suite to its final line through flash.py: it must
     pass, and QEMU must exit with the suite's status (semihosting).
Prints KTAP (one result per step) for runner.py; exit status 1 if a step failed.
Every wait is bounded and QEMU is always killed. QEMU is $QEMU (runner.py sets it to the QEMU version
the configuration names), else qemu-system-aarch64.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shlex
import socket
import subprocess
import sys
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import flash  # noqa: E402
import runner  # noqa: E402
from pi_machines import PI_MACHINES, PiMachine  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = "127.0.0.1"
CONNECT_TIMEOUT = 10.0
READY_TIMEOUT = 10.0
RUN_TIMEOUT = 60.0
QEMU_EXIT_TIMEOUT = 10.0
# QEMU's PL011 on a loopback socket moves bytes at a few KB/s, less on a loaded host (measured: 49 KB in
# 12.8 s, 3.8 KB/s, on this 2-core machine at load 9). Waits for the loader's replies are bounded as
# for a 9600-baud line (98 KB: 102 s); they end as soon as the reply comes.
EMULATED_BAUD = 9600
TRUNCATED_BYTES = 4096
FINAL_LINE_RE = re.compile(r"\d+ passed, 0 failed, \d+ skipped")


class Steps:
    """KTAP results, printed as they are decided."""

    def __init__(self, planned: int) -> None:
        self.planned = planned
        self.number = 0
        self.failed = 0
        print(f"KTAP version 1\n1..{planned}", flush=True)

    def result(self, ok: bool, name: str, details: list[str] = ()) -> bool:
        self.number += 1
        self.failed += not ok
        for line in details:
            print(f"# {line}".rstrip())
        print(f"{'ok' if ok else 'not ok'} {self.number} {name}", flush=True)
        return ok

    def bail(self, why: str) -> int:
        print(f"Bail out! {why}", flush=True)
        return 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def qemu_argv(qemu: list[str], board: PiMachine, loader: str, dtb: str, port: int) -> list[str]:
    return [*qemu, *board.argv(),
            "-display", "none", "-monitor", "none", "-nic", "none",
            "-semihosting-config", "enable=on,target=native", "-no-reboot",
            "-serial", f"tcp:{LOOPBACK}:{port},server=on,wait=on", "-kernel", loader, "-dtb", dtb]


def stop(proc: subprocess.Popen) -> int | None:
    """QEMU's exit status if it ends by itself within QEMU_EXIT_TIMEOUT; killed otherwise."""
    try:
        return proc.wait(timeout=QEMU_EXIT_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.terminate()
        try:
            proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        return None


def lines_of(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def run_steps(link: flash.Link, image: bytes, steps: Steps, out: Path, name: str) -> None:
    console = bytearray()
    echo = console.extend
    limit = flash.wait_ready(link, READY_TIMEOUT, echo)
    steps.result(limit >= len(image), f"the loader announced itself (max={limit}, image {len(image)} bytes)",
                 lines_of(console.decode("utf-8", "replace").replace("\x03", "")))

    # 2. A truncated transfer: the first TRUNCATED_BYTES, then silence.
    console.clear()
    reply = flash.send(link, len(image), zlib.crc32(image), image[:TRUNCATED_BYTES], EMULATED_BAUD,
                       lambda done, total: None, echo)
    again = False
    if not reply.ok:
        try:
            flash.wait_ready(link, READY_TIMEOUT, echo)
            again = True
        except TimeoutError:
            pass
    steps.result(not reply.ok and "timeout" in reply.line and again,
                 "truncated transfer: the loader times out, runs nothing and announces itself again",
                 [f"loader: {reply.line}", f"announced again: {again}"])
    link.unread(console[console.rfind(b"\x03\x03\x03"):] if again else b"")

    # 3 and 4. flash.py's delivery, first attempt corrupted, then the run it starts.
    def corrupt_first(attempt: int, data: bytes) -> tuple[bytes, int]:
        good, crc = flash.good_attempt(attempt, data)
        if attempt > 1:
            return good, crc
        middle = len(good) // 2
        return good[:middle] + bytes([good[middle] ^ 0x01]) + good[middle + 1:], crc

    text, err = io.StringIO(), io.StringIO()
    printer = runner.Printer(text, err, verbose=False)
    opts = flash.Options(baud=EMULATED_BAUD, retries=2, ready_timeout=READY_TIMEOUT, run_timeout=RUN_TIMEOUT,
                         name=name, out=out,
                         expectations=runner.load_expectations(runner.DEFAULT_EXPECTATIONS))
    status = flash.flash_and_check(link, image, opts, printer, corrupt_first)
    output = lines_of(text.getvalue())
    rejected = [line for line in output if "attempt 1 rejected" in line]
    accepted = [line for line in output if line.startswith("flash.py: OK crc")]
    steps.result(bool(rejected) and "CRC-32 mismatch" in rejected[0] and bool(accepted),
                 "corrupted transfer (one byte flipped, the good CRC): rejected, and flash.py's retry accepted",
                 rejected + accepted)
    steps.result(status == 0 and bool(output) and bool(FINAL_LINE_RE.fullmatch(output[-1])),
                 "the chainloaded suite ran to its final line through flash.py, nothing failed",
                 output[-12:] + [f"flash.py status {status}"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--board", choices=sorted(PI_MACHINES), default="rpi3",
                        help="rpi3: QEMU raspi3b; rpi4: raspi4b (QEMU 10) (default rpi3)")
    parser.add_argument("--loader", help="default build/BOARD/sdcard-loader/kernel8.img")
    parser.add_argument("--image", help="default build/BOARD/kernel8.img")
    parser.add_argument("--dtb", help="default: the board's (build/rpi3/rpi3.dtb, build/rpi4/rpi4.dtb)")
    parser.add_argument("--out", default=runner.DEFAULT_OUT)
    args = parser.parse_args(argv)
    board = PI_MACHINES[args.board]
    args.loader = args.loader or f"build/{args.board}/sdcard-loader/kernel8.img"
    args.image = args.image or f"build/{args.board}/kernel8.img"
    args.dtb = args.dtb or board.dtb
    steps = Steps(5)
    for path in (args.loader, args.image, args.dtb):
        if not Path(path).is_file():
            return steps.bail(f"{path} not found: run 'make BOARD={args.board} build loader' first")
    image = Path(args.image).read_bytes()
    qemu = shlex.split(os.environ.get("QEMU") or runner.DEFAULT_QEMU)
    port = free_port()
    argv_ = qemu_argv(qemu, board, args.loader, args.dtb, port)
    print(f"# {shlex.join(argv_)}", flush=True)
    try:
        proc = subprocess.Popen(argv_, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, start_new_session=True)
    except OSError as exc:
        return steps.bail(f"cannot start {qemu[0]}: {exc.strerror or exc}")
    link = None
    try:
        link = flash.open_link(f"tcp:{LOOPBACK}:{port}", flash.DEFAULT_BAUD, CONNECT_TIMEOUT)
        run_steps(link, image, steps, Path(args.out), f"{args.board}-chainloaded")
    except (flash.FlashError, TimeoutError, flash.LinkClosed) as exc:
        print(f"# {exc}", flush=True)
    finally:
        if link is not None:
            link.close()
        status = stop(proc)
        stderr = proc.stderr.read().decode("utf-8", "replace")
        proc.stderr.close()
    for line in lines_of(stderr):
        if "waiting for connection" not in line:
            print(f"# qemu: {line}")
    while steps.number < steps.planned - 1:
        steps.result(False, "not completed (see the message above)")
    steps.result(status == 0, "QEMU exited by itself with the suite's status 0 (semihosting)",
                 [f"QEMU exit status: {'killed' if status is None else status}"])
    print(f"# chainload: {steps.planned - steps.failed} passed, {steps.failed} failed, 0 skipped")
    return 1 if steps.failed else 0


if __name__ == "__main__":
    sys.exit(main())
