#!/usr/bin/env python3
"""Boot a configuration of tests/configs.txt under QEMU's gdb stub (make debug).

QEMU starts with every core stopped before the first instruction (-S) and its
gdb stub on a TCP port; this prints the gdb-multiarch command that attaches
with the ELF's symbols and runs to the image's entry point (_start), then runs
QEMU in the foreground with the console on this terminal. Each core is a gdb
thread (thread N+1 is core N); --core N makes the printed command switch to it.

--check is make test's scripted session instead: QEMU boots in the background,
gdb-multiarch attaches in batch mode, runs to _start, reads registers, lists
the threads and detaches; the suite must then run to its end. The result is
KTAP (so tests/runner.py runs it as a configuration). Everything is bounded by
--timeout. Exit status: 0 iff the check passed (or QEMU's own status without
--check), 2 for usage errors.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import runner  # noqa: E402  (configurations and the QEMU command line)

DEFAULT_CONFIG = "a72-el1-smp4"
DEFAULT_ELF = "build/virt/selfmod.elf"
DEFAULT_GDB = "gdb-multiarch"
DEFAULT_PORT = 1234
CHECK_APPEND = "run=cores_online"   # the shortest run that still starts every core
CHECK_TIMEOUT = 60.0
ENTRY_SYMBOL = "_start"
CONNECT_RETRY = 0.25                # seconds between attempts while QEMU's stub is not listening yet


def gdb_argv(gdb: str, elf: str, port: int, core: int | None, batch: list[str] | None = None) -> list[str]:
    """The gdb-multiarch command: symbols from the ELF, attach, run to the entry point, pick the core."""
    argv = [gdb, "-q", "-nx", elf, "-ex", "set confirm off", "-ex", f"target remote 127.0.0.1:{port}",
            "-ex", f"hbreak {ENTRY_SYMBOL}", "-ex", "continue"]
    if core is not None:
        argv += ["-ex", f"thread {core + 1}"]
    if batch is not None:
        argv = [argv[0], "-batch", *argv[1:]]
        for command in batch:
            argv += ["-ex", command]
    return argv


def qemu_debug_argv(config: runner.Config, image: str, append: str, port: int,
                    environ: dict[str, str]) -> list[str]:
    """The configuration's QEMU command line, stopped at reset, with its gdb stub on the port."""
    if config.command:
        raise runner.UsageError(f"{config.name} runs a command, not QEMU: choose a QEMU configuration")
    qemu, why = runner.qemu_command(config.qemu, environ)
    if why:
        raise runner.UsageError(f"{config.name}: {why}")
    return [*runner.qemu_argv(config, config.image or image, append, qemu), "-S", "-gdb", f"tcp:127.0.0.1:{port}"]


def find_config(path: str, name: str) -> runner.Config:
    configs = [c for c in runner.load_configs(path) if c.name == name]
    if not configs:
        raise runner.UsageError(f"no configuration named {name!r} in {path} (runner.py --list shows them)")
    return configs[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check_inputs(argv: list[str], image: str, elf: str, gdb: str | None) -> None:
    for path, what in ((image, "image"), (elf, "ELF")):
        if not Path(path).is_file():
            raise runner.UsageError(f"{what} not found: {path} (make build makes it)")
    for program in (argv[0], gdb):
        if program and shutil.which(program) is None:
            raise runner.UsageError(f"program not found: {program} (make deps installs it)")


def interactive(args: argparse.Namespace, config: runner.Config, environ: dict[str, str]) -> int:
    argv = qemu_debug_argv(config, args.image, args.append, args.port, environ)
    check_inputs(argv, config.image or args.image, args.elf, None)
    print(f"debug: {config.name} is stopped at reset, gdb stub on port {args.port}. In another terminal:")
    print()
    print("    " + shlex.join(gdb_argv(args.gdb, args.elf, args.port, args.core)))
    print()
    print(f"debug: gdb runs it to {ENTRY_SYMBOL}; each core is a gdb thread (thread N+1 = core N; "
          "'info threads', 'thread 3'). The console follows; Ctrl-A X (or gdb's 'kill') ends QEMU.")
    print("debug: " + shlex.join(argv), flush=True)
    return subprocess.call(argv)


# --------------------------------------------------------------------------
# The scripted check (make test)

GDB_CHECK = ["info registers pc", "printf \"x0=%#lx\\n\", $x0", "printf \"el=%d\\n\", ($cpsr >> 2) & 3",
             "info threads", "detach"]
PC_RE = re.compile(r"^pc\s+(0x[0-9a-f]+)\s+(?:0x[0-9a-f]+\s+)?<(\S+?)(?:\+\d+)?>", re.M)
X0_RE = re.compile(r"^x0=(0x[0-9a-f]+)$", re.M)
THREAD_RE = re.compile(r"^\*?\s+(\d+)\s+Thread ", re.M)


def _collect(stream, sink: list[bytes]) -> None:
    for chunk in iter(lambda: stream.read(4096), b""):
        sink.append(chunk)


def attach(gdb: list[str], deadline: float) -> str:
    """Run the batch session; QEMU may not listen yet when it starts, so retry a refused connection."""
    while True:
        try:
            session = subprocess.run(gdb, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                     timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired as exc:
            return f"gdb did not finish in time\n{exc.stdout or ''}"
        out = session.stdout + session.stderr
        if "Connection refused" not in out or time.monotonic() + CONNECT_RETRY > deadline:
            return out
        time.sleep(CONNECT_RETRY)


def run_check(args: argparse.Namespace, config: runner.Config, environ: dict[str, str]) -> int:
    port = args.port or free_port()
    append = " ".join(a for a in (CHECK_APPEND, args.append) if a)
    argv = qemu_debug_argv(config, args.image, append, port, environ)
    gdb = gdb_argv(args.gdb, args.elf, port, None, batch=GDB_CHECK)
    check_inputs(argv, config.image or args.image, args.elf, args.gdb)
    print("KTAP version 1")
    print(f"# qemu: {shlex.join(argv)}")
    print(f"# gdb: {shlex.join(gdb)}")
    print("1..4", flush=True)
    console: list[bytes] = []
    qemu = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    reader = threading.Thread(target=_collect, args=(qemu.stdout, console), daemon=True)
    reader.start()
    try:
        out = attach(gdb, time.monotonic() + args.timeout / 2)
        try:
            status = qemu.wait(timeout=args.timeout / 2)
        except subprocess.TimeoutExpired:
            status = None
    finally:
        if qemu.poll() is None:
            os.killpg(qemu.pid, signal.SIGKILL)
            qemu.wait()
    reader.join(timeout=2)
    return report(out, status, b"".join(console).decode("utf-8", "replace"), config.smp)


def report(gdb_out: str, status: int | None, console: str, smp: int) -> int:
    """KTAP results of the scripted session; returns the exit status."""
    pc, x0, threads = PC_RE.search(gdb_out), X0_RE.search(gdb_out), THREAD_RE.findall(gdb_out)
    results = [
        (pc is not None and pc.group(2) == ENTRY_SYMBOL,
         f"gdb attached and stopped at {ENTRY_SYMBOL}" + (f" (pc {pc.group(1)} <{pc.group(2)}>)" if pc else "")),
        (x0 is not None and int(x0.group(1), 16) != 0,
         "registers read: x0 holds the device tree address" + (f" ({x0.group(1)})" if x0 else "")),
        (len(threads) == smp, f"every core is a gdb thread ({len(threads)} of {smp})"),
        (status == 0 and "# selfmod: " in console,
         f"detached: the suite ran to its end (QEMU {'still running' if status is None else f'exit {status}'})"),
    ]
    for number, (ok, text) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {number} {text}")
        if not ok:
            for line in (gdb_out.strip().splitlines() + console.strip().splitlines()[-5:])[-30:]:
                print(f"# {runner.shown_text(line)}")
    failed = sum(not ok for ok, _ in results)
    print(f"# debug: {len(results) - failed} passed, {failed} failed, 0 skipped", flush=True)
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="debug.py", formatter_class=argparse.RawDescriptionHelpFormatter,
        description=__doc__.split("\n\n")[0] + "\n\n" + __doc__.split("\n\n", 1)[1])
    parser.add_argument("--config", default=DEFAULT_CONFIG, help=f"configuration name (default {DEFAULT_CONFIG})")
    parser.add_argument("--image", default=runner.DEFAULT_IMAGE, help="image booted (unless the config names one)")
    parser.add_argument("--elf", default=DEFAULT_ELF, help=f"the image's ELF, for symbols (default {DEFAULT_ELF})")
    parser.add_argument("--append", default="", help="boot arguments added to the configuration's own")
    parser.add_argument("--port", type=int, default=None,
                        help=f"gdb stub TCP port (default {DEFAULT_PORT}; --check: a free one)")
    parser.add_argument("--core", type=int, default=None, metavar="N", help="the printed command switches to core N")
    parser.add_argument("--gdb", default=DEFAULT_GDB, help=f"the debugger (default {DEFAULT_GDB})")
    parser.add_argument("--configs", default=str(runner.DEFAULT_CONFIGS), help="configuration file")
    parser.add_argument("--check", action="store_true", help="the scripted gdb session of make test (KTAP)")
    parser.add_argument("--timeout", type=runner.positive_seconds, default=CHECK_TIMEOUT,
                        help=f"--check: seconds for the whole session (default {CHECK_TIMEOUT:g})")
    return parser


def main(argv: list[str] | None = None) -> int:
    args, status = runner.parse_args_or_status(build_parser(), argv)
    if args is None:
        return status
    try:
        config = find_config(args.configs, args.config)
        if args.core is not None and not 0 <= args.core < config.smp:
            raise runner.UsageError(f"--core {args.core}: {config.name} has cores 0-{config.smp - 1}")
        if args.port is not None and not 0 < args.port < 65536:
            raise runner.UsageError(f"--port {args.port} is not a TCP port")
        if args.check:
            return run_check(args, config, dict(os.environ))
        args.port = args.port or DEFAULT_PORT
        return interactive(args, config, dict(os.environ))
    except runner.UsageError as exc:
        print(f"debug.py: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
