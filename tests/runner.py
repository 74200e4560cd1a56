#!/usr/bin/env python3
"""Run the selfmod suite under QEMU (or any command) and check its KTAP output.

Each configuration in configs.txt is booted in turn; its console is streamed,
saved raw to <out>/<config>.log and parsed as KTAP version 1. Expectations in
expectations.txt turn deliberate failures into passes and known emulator
defects into prominent skips. The last line printed is always
"N passed, N failed, N skipped"; the exit status is 0 iff nothing failed
(2 for usage errors).

Independent configurations run in parallel (-j, default: the number of CPUs); every progress line
names its configuration, and each test's lines come out together. Multi-threaded TCG, command= and
alone=yes configurations run by themselves.

The work is done by the package tests/runnerlib: config (configs.txt, expectations.txt), ktap (the
parser), qemu (command lines, child processes, a configuration's run) and report (verdicts, progress,
summary, JUnit). This file is the command line; it also re-exports the package's names, so the
helper scripts keep using runner.X.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from runnerlib.common import *  # noqa: F401,F403  (re-exported: runner.X is the helper scripts' API)
from runnerlib.config import *  # noqa: F401,F403
from runnerlib.ktap import *  # noqa: F401,F403
from runnerlib.qemu import *  # noqa: F401,F403
from runnerlib.report import *  # noqa: F401,F403
from runnerlib.common import DEFAULT_CONFIGS, DEFAULT_EXPECTATIONS, DEFAULT_IMAGE, DEFAULT_OUT, UsageError
from runnerlib.config import Config, load_configs, load_expectations, select_configs
from runnerlib.qemu import prepare_jobs, replay_log, run_job, skipped_config
from runnerlib.report import Printer, print_summary, write_junit

EXAMPLES = """\
examples:
  %(prog)s                              run every default configuration
  %(prog)s --config a72-el1-smp4        one configuration
  %(prog)s --config 'a72-*' --config max-el1-smp1
  %(prog)s --config broken-stale-reader --verbose
  %(prog)s --config a72-el1-smp4 --append 'inject=stale_reader' --timeout 300
  %(prog)s --image build/virt/selfmod.bin --out build/results
  %(prog)s --log capture/pi4.log        check a captured serial console
  %(prog)s --list
  %(prog)s -j 1                         one configuration at a time (default: as many as CPUs)
  QEMU=/opt/qemu/bin/qemu-system-aarch64 %(prog)s
  QEMU10=/opt/qemu-10/bin/qemu-system-aarch64 %(prog)s --config 'q10-*'

Configurations with qemu=10 run on QEMU 10.0, staged in the project by make qemu10
(tests/qemu_stage.py) or named by $QEMU10; where it is not there they are skipped, with the reason.

The last line printed is "N passed, N failed, N skipped". Exit status: 0 if
nothing failed, 1 if something failed, 2 for usage or input-file errors.
"""


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds > 0")
    return value


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of jobs >= 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="runner.py",
        description="Boot the selfmod suite under QEMU for named configurations (tests/configs.txt),\n"
                    "parse its KTAP output, apply tests/expectations.txt and report the results.\n"
                    "Raw consoles go to <out>/<config>.log, a JUnit report to <out>/junit.xml.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", action="append", metavar="PATTERN",
                        help="configuration name or glob; repeatable (default: every config with default=yes)")
    parser.add_argument("--image", default=DEFAULT_IMAGE, metavar="PATH",
                        help=f"image booted with -kernel (default: {DEFAULT_IMAGE})")
    parser.add_argument("--append", default="", metavar="ARGS",
                        help="extra boot arguments added to each QEMU config's own append")
    parser.add_argument("--timeout", type=positive_seconds, metavar="SECONDS",
                        help="wall-clock limit per configuration, overriding configs.txt")
    parser.add_argument("--out", default=DEFAULT_OUT, metavar="DIR",
                        help=f"directory for <config>.log and junit.xml (default: {DEFAULT_OUT})")
    parser.add_argument("--configs", default=str(DEFAULT_CONFIGS), metavar="FILE",
                        help="configuration file (default: configs.txt next to this script)")
    parser.add_argument("--expectations", default=str(DEFAULT_EXPECTATIONS), metavar="FILE",
                        help="expectations file (default: expectations.txt next to this script)")
    parser.add_argument("--log", action="append", metavar="FILE",
                        help="parse a captured console log instead of running anything; the config "
                             "name is the file name without extension; repeatable")
    parser.add_argument("--verbose", "-v", action="store_true",
                        help="echo every console line as it arrives, prefixed [config]")
    parser.add_argument("--list", action="store_true", help="list the configurations and exit")
    parser.add_argument("--jobs", "-j", type=positive_int, default=os.cpu_count() or 1, metavar="N",
                        help="configurations run at the same time (default: the number of CPUs, here "
                             f"{os.cpu_count() or 1}); -j 1 runs them one after the other")
    return parser


def list_configs(configs: list[Config], printer: Printer) -> None:
    width = max((len(c.name) for c in configs), default=0)
    for config in configs:
        mark = "default" if config.default else "       "
        printer.line(f"{config.name:<{width}}  {mark}  {config.describe()}")


def run_jobs(jobs: list, n: int, out_dir: Path, expectations: list, printer: Printer) -> list:
    """Run the jobs, n at a time, then those that run alone (Config.runs_alone) one by one; their reports
    in the jobs' order whatever order they end in."""
    together = [job for job in jobs if not job.config.runs_alone] if n > 1 else []
    reports = {}
    if together:
        with ThreadPoolExecutor(max_workers=min(n, len(together))) as pool:
            for job, report in zip(together, pool.map(lambda j: run_job(j, out_dir, expectations, printer),
                                                      together)):
                reports[id(job)] = report
    for job in jobs:
        if id(job) not in reports:
            reports[id(job)] = run_job(job, out_dir, expectations, printer)
    return [reports[id(job)] for job in jobs]


def run(args: argparse.Namespace, printer: Printer, environ: dict[str, str]) -> int:
    expectations = load_expectations(args.expectations)
    out_dir = Path(args.out)
    if args.log:
        if args.config or args.list:
            raise UsageError("--log cannot be combined with --config or --list")
        paths = [Path(p) for p in args.log]
        for path in paths:
            if not path.is_file():
                raise UsageError(f"log file not found: {path}")
        reports = [replay_log(path, expectations, printer) for path in paths]
    else:
        configs = select_configs(load_configs(args.configs), args.config)
        if args.list:
            list_configs(configs, printer)
            return 0
        if not configs:
            raise UsageError("no configuration selected (none has default=yes); use --config")
        jobs, unavailable = prepare_jobs(configs, args, environ)
        printer.tag_lines = len(jobs) > 1
        out_dir.mkdir(parents=True, exist_ok=True)
        reports = [skipped_config(config, why, printer) for config, why in unavailable]
        reports += run_jobs(jobs, args.jobs, out_dir, expectations, printer)
    write_junit(out_dir / "junit.xml", reports)
    return print_summary(reports, printer)


def parse_args_or_status(parser: argparse.ArgumentParser, argv: list[str] | None):
    """argparse without SystemExit, for the host tools' main(argv): (arguments, None), or (None, the
    exit status) after --help (0) or a usage error argparse has already printed (2)."""
    try:
        return parser.parse_args(argv), None
    except SystemExit as exc:
        return None, exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args, status = parse_args_or_status(build_parser(), argv)
    if args is None:
        return status
    printer = Printer(sys.stdout, sys.stderr, args.verbose,
                      live=sys.stdout.isatty() and os.environ.get("TERM", "dumb") != "dumb")
    try:
        return run(args, printer, dict(os.environ))
    except UsageError as exc:
        printer.error(f"runner.py: error: {exc}")
        return 2
    except OSError as exc:
        printer.error(f"runner.py: error: {exc}")
        return 2
    except KeyboardInterrupt:
        printer.error("runner.py: interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
