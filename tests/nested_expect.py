#!/usr/bin/env python3
"""Run one QEMU configuration and require named nested cases to say not ok (or ok).

tests/expectations.txt judges whole tests. A deliberately broken configuration
proves that one particular check can fail only if that check's own nested
result says not ok: this tool boots the configuration (its QEMU from $QEMU,
as tests/runner.py gives a command= configuration), and for each --not-ok
PATTERN requires at least one nested result whose text matches it and that
every one of them says not ok; --ok PATTERN the same for ok.

Output is KTAP, one result per pattern, then "N passed, N failed, N skipped".
Exit status 0 iff every pattern held, 1 otherwise, 2 for usage errors.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import runner  # noqa: E402

NESTED_RE = re.compile(r"\s+(ok|not ok) \d+ ([^#]*?)\s*(?:#.*)?")


def nested_results(lines: list[str]) -> list[tuple[str, str]]:
    """(status, text) of every indented result line."""
    return [(m[1], m[2]) for line in lines if (m := NESTED_RE.fullmatch(line))]


def judge(results: list[tuple[str, str]], want: list[tuple[str, str]]) -> list[tuple[bool, str]]:
    """One (passed, text) per (status, pattern)."""
    out = []
    for status, pattern in want:
        rx = re.compile(pattern)
        hits = [(s, t) for s, t in results if rx.search(t)]
        wrong = [t for s, t in hits if s != status]
        if not hits:
            out.append((False, f"{status} for /{pattern}/: no nested result matches"))
        elif wrong:
            out.append((False, f"{status} for /{pattern}/: {len(wrong)} of {len(hits)} say otherwise: {wrong[0]}"))
        else:
            out.append((True, f"{status} for /{pattern}/: all {len(hits)} matching results"))
    return out


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nested_expect.py", description=__doc__.split("\n\n")[0],
        epilog="example: QEMU=qemu-system-aarch64 tests/nested_expect.py --config broken-stale-reader "
               "--not-ok '^no DSB, core'")
    parser.add_argument("--config", required=True, metavar="NAME", help="a QEMU configuration of configs.txt")
    parser.add_argument("--not-ok", action="append", default=[], metavar="PATTERN",
                        help="regular expression over nested result texts that must all say not ok")
    parser.add_argument("--ok", action="append", default=[], metavar="PATTERN",
                        help="regular expression over nested result texts that must all say ok")
    parser.add_argument("--image", default="build/virt/selfmod.bin", help="the firmware image")
    parser.add_argument("--out", default=runner.DEFAULT_OUT, help="directory for the raw console")
    parser.add_argument("--configs", default=str(runner.DEFAULT_CONFIGS), help="configuration file")
    return parser


def main(argv: list[str] | None = None) -> int:
    args, status = runner.parse_args_or_status(build_parser(), argv)
    if args is None:
        return status
    want = [("not ok", p) for p in args.not_ok] + [("ok", p) for p in args.ok]
    try:
        if not want:
            raise runner.UsageError("give at least one --not-ok or --ok pattern")
        for _, pattern in want:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise runner.UsageError(f"bad pattern {pattern!r}: {exc}") from None
        config = next((c for c in runner.load_configs(args.configs) if c.name == args.config), None)
        if config is None or config.command:
            raise runner.UsageError(f"no QEMU configuration named {args.config!r}")
        qemu = shlex.split(os.environ.get("QEMU") or runner.DEFAULT_QEMU)
        if not qemu or shutil.which(qemu[0]) is None:
            raise runner.UsageError(f"QEMU not found: {qemu[0] if qemu else '(empty)'}")
        image = config.image or args.image
        if not Path(image).is_file():
            raise runner.UsageError(f"image not found: {image}")
        argv_q = runner.qemu_argv(config, image, "", qemu)
        out_dir = Path(args.out)
        out_dir.mkdir(parents=True, exist_ok=True)
        log_path = out_dir / f"nested-{config.name}.log"
        with open(log_path, "wb") as log:
            log.write(f"# {shlex.join(argv_q)}\n".encode())
            run = runner.run_process(argv_q, config.timeout, lambda data: (log.write(data), log.flush()))
        if run.error:
            raise runner.UsageError(run.error)
    except runner.UsageError as exc:
        print(f"nested_expect.py: error: {exc}", file=sys.stderr)
        return 2
    verdicts = judge(nested_results(runner.split_lines(log_path.read_bytes())), want)
    print("KTAP version 1")
    print(f"# nested results of {config.name}; console {log_path}")
    print(f"1..{len(verdicts)}")
    for number, (passed, text) in enumerate(verdicts, 1):
        print(f"{'ok' if passed else 'not ok'} {number} {text.replace('#', '')}")
    failed = sum(not passed for passed, _ in verdicts)
    print(f"{len(verdicts) - failed} passed, {failed} failed, 0 skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
