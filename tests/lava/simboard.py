#!/usr/bin/env python3
"""A simulated SD-mux Raspberry Pi for LAVA: the power, serial and flash commands a lab's device
dictionary names (tests/lava/devices/rpi4-sim.jinja2), driving QEMU instead of a board: raspi4b
(QEMU 10) for the Pi 4, or raspi3b (tests/pi_machines.py).

  simboard.py --state DIR flash KERNEL [CMDLINE]   copy the images onto the "SD card" (DIR/sdcard)
  simboard.py --state DIR power-on [--board rpi4] [--qemu PATH] [--dtb FILE]
                                                   start QEMU on the card's kernel8.img, in the background
  simboard.py --state DIR power-off                stop it (its whole process group)
  simboard.py --state DIR console                  the serial console: relay it to stdout until it closes

The console waits for the board (LAVA connects before it powers on), and by default behaves like a
slow UART behind ser2net: every line arrives in two halves with a pause between, a few bytes at a
time, and every \\r\\n becomes \\r\\r\\n, so
LAVA's monitor pattern is exercised against partial lines and doubled carriage returns end to end.
"""

from __future__ import annotations

import argparse
import os
import select
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from pi_machines import PI_MACHINES  # noqa: E402


class SimError(Exception):
    pass


def sdcard(state: Path) -> Path:
    return state / "sdcard"


def cmd_flash(args: argparse.Namespace) -> None:
    card = sdcard(args.state)
    kernel = Path(args.kernel)
    if not kernel.is_file():
        raise SimError(f"no such kernel image: {kernel}")
    if args.cmdline and not Path(args.cmdline).is_file():
        raise SimError(f"no such cmdline file: {args.cmdline}")
    if card.exists():
        shutil.rmtree(card)
    card.mkdir(parents=True)
    shutil.copyfile(kernel, card / "kernel8.img")
    if args.cmdline:
        shutil.copyfile(args.cmdline, card / "cmdline.txt")
    print(f"simboard: flashed {kernel.name} ({kernel.stat().st_size} bytes) to {card}")


def read_pid(state: Path) -> int | None:
    try:
        return int((state / "qemu.pid").read_text().strip())
    except (OSError, ValueError):
        return None


def cmd_power_off(args: argparse.Namespace) -> None:
    pid = read_pid(args.state)
    if pid is not None:
        try:
            os.killpg(pid, signal.SIGKILL)  # QEMU runs in its own session: pid == its group
            print(f"simboard: power off (killed process group {pid})")
        except ProcessLookupError:
            print("simboard: power off (board was already off)")
        (args.state / "qemu.pid").unlink(missing_ok=True)
    else:
        print("simboard: power off (board was off)")
    (args.state / "serial.sock").unlink(missing_ok=True)


def cmd_power_on(args: argparse.Namespace) -> None:
    card = sdcard(args.state)
    kernel = card / "kernel8.img"
    if not kernel.is_file():
        raise SimError(f"nothing flashed: {kernel} is missing (run flash first)")
    if args.dtb and not Path(args.dtb).is_file():
        raise SimError(f"no such device tree: {args.dtb}")
    cmd_power_off(args)
    cmdline = (card / "cmdline.txt").read_text().strip() if (card / "cmdline.txt").is_file() else ""
    sock = args.state / "serial.sock"
    # `timeout` bounds the board's life even if nobody ever powers it off; wait=on holds the
    # CPUs until the console connects, so no output is lost.
    try:
        qemu = shlex.split(args.qemu)
    except ValueError as err:
        raise SimError(f"--qemu {args.qemu!r}: {err}") from None
    if not qemu:
        raise SimError("--qemu is empty")
    argv = ["timeout", "-s", "KILL", str(args.max_seconds), *qemu, *PI_MACHINES[args.board].argv(),
            "-kernel", str(kernel),
            "-semihosting-config", "enable=on,target=native", "-nic", "none", "-display", "none",
            "-monitor", "none", "-no-reboot", "-serial", f"unix:{sock},server=on,wait=on"]
    if args.dtb:
        argv += ["-dtb", str(args.dtb)]
    if cmdline:
        argv += ["-append", cmdline]
    log = open(args.state / "qemu.log", "wb")
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    except OSError as err:
        raise SimError(f"cannot start {argv[0]}: {err}") from None
    (args.state / "qemu.pid").write_text(f"{proc.pid}\n")
    print(f"simboard: power on: {shlex.join(argv)}")


def connect(sock_path: Path, wait: float) -> socket.socket:
    deadline = time.monotonic() + wait
    while True:
        try:
            conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            conn.connect(str(sock_path))
            return conn
        except OSError:
            conn.close()
            if time.monotonic() > deadline:
                raise SimError(f"no board answered on {sock_path} within {wait:.0f} s") from None
            time.sleep(0.05)


def cmd_console(args: argparse.Namespace) -> None:
    sys.stdout.write("simboard: console waiting for the board\n")
    sys.stdout.flush()
    conn = connect(args.state / "serial.sock", args.wait)
    out = sys.stdout.buffer
    stdin_open = True
    pending_cr = b""
    while True:
        readers = [conn] + ([sys.stdin] if stdin_open else [])
        ready, _, _ = select.select(readers, [], [], 1.0)
        if sys.stdin in ready:
            data = os.read(sys.stdin.fileno(), 4096)
            if data:
                conn.sendall(data)
            else:
                stdin_open = False
        if conn in ready:
            data = conn.recv(4096)
            if not data:
                break
            if not args.clean:
                data = pending_cr + data
                pending_cr = b"\r" if data.endswith(b"\r") else b""
                if pending_cr:
                    data = data[:-1]
                data = data.replace(b"\r\n", b"\r\r\n")
            if args.clean:
                out.write(data)
                out.flush()
                continue
            # Every line leaves in two halves with a pause between, then in chunks: whoever reads
            # the console sees half lines (ok 6 cro...), as from a slow UART.
            for line in data.splitlines(keepends=True):
                half = len(line) // 2
                for first, part in ((True, line[:half]), (False, line[half:])):
                    for i in range(0, len(part), args.chunk):
                        out.write(part[i:i + args.chunk])
                        out.flush()
                    if first and half and args.pause > 0:
                        time.sleep(args.pause)
    out.write(pending_cr)
    out.flush()
    conn.close()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="\n\n".join(__doc__.split("\n\n")[1:]), formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--state", type=Path, required=True, help="the board's directory (card, pid, socket)")
    sub = parser.add_subparsers(dest="command", required=True)
    flash = sub.add_parser("flash", help="copy KERNEL (and CMDLINE) onto the simulated SD card")
    flash.add_argument("kernel")
    flash.add_argument("cmdline", nargs="?")
    on = sub.add_parser("power-on", help="boot QEMU (raspi4b or raspi3b) on the card's kernel8.img")
    on.add_argument("--board", choices=sorted(PI_MACHINES), default="rpi4",
                    help="the QEMU machine: rpi4 = raspi4b (QEMU 10), rpi3 = raspi3b (default rpi4)")
    on.add_argument("--qemu", default=os.environ.get("QEMU") or "qemu-system-aarch64",
                    help="the QEMU command, shell-split (default $QEMU, else qemu-system-aarch64); "
                         "raspi4b needs QEMU 10")
    on.add_argument("--dtb", help="device tree passed with -dtb (the card's firmware would provide it)")
    on.add_argument("--max-seconds", type=int, default=300, help="kill QEMU after this long (default 300)")
    sub.add_parser("power-off", help="kill the board's QEMU")
    con = sub.add_parser("console", help="relay the serial console to stdout (and stdin to it)")
    con.add_argument("--wait", type=float, default=120, help="seconds to wait for power-on (default 120)")
    con.add_argument("--chunk", type=int, default=5, help="bytes per write, like a slow UART (default 5)")
    con.add_argument("--pause", type=float, default=0.004,
                     help="seconds between the two halves of every line (default 0.004)")
    con.add_argument("--clean", action="store_true", help="no halves, no chunking, no \\r\\r\\n: relay bytes as they are")
    args = parser.parse_args(argv)
    if args.command == "console" and args.chunk < 1:
        parser.error("--chunk must be at least 1")
    try:
        args.state.mkdir(parents=True, exist_ok=True)
        {"flash": cmd_flash, "power-on": cmd_power_on, "power-off": cmd_power_off,
         "console": cmd_console}[args.command](args)
    except SimError as err:
        print(f"simboard: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"simboard: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
