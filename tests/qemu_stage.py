#!/usr/bin/env python3
"""Stage QEMU 10.0 from Debian 12's bookworm-backports into a project folder, without installing it.

The system keeps its own QEMU (7.2) and its apt configuration: apt-get runs with a private sources list,
state and cache folder under the stage folder, downloads the qemu-system-arm, -common and -data packages
of the backports suite, and dpkg-deb -x unpacks them there. A wrapper script beside them,
<folder>/qemu-system-aarch64, runs the unpacked binary with its own data (-L) and module folders, so it
can be used wherever a qemu-system-aarch64 is expected (QEMU=..., configs.txt qemu=10).

The result is cached: a second run with the folder complete downloads nothing. Exit status: 0 staged (the
wrapper's absolute path is printed), 3 when the backports suite cannot be reached (the reason is printed),
2 for usage errors.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = ROOT / ".cache" / "qemu-10"
SUITE = "bookworm-backports"
PACKAGES = ("qemu-system-arm", "qemu-system-common", "qemu-system-data")
VERSION_PREFIX = "1:10.0"         # the Debian version of QEMU 10.0 in bookworm-backports
WRAPPER = "qemu-system-aarch64"
STAMP = ".staged"                 # written last: its presence means the folder is complete
SYSTEM_SOURCES = (Path("/etc/apt/sources.list"), Path("/etc/apt/sources.list.d"))
UNAVAILABLE = 3


class StageError(Exception):
    """Backports cannot be reached or the packages are not there."""


def debian_mirror(sources: tuple[Path, ...] = SYSTEM_SOURCES) -> tuple[str, str]:
    """(URI, Signed-By keyring or '') of the system's Debian archive: the line or stanza whose suite is
    'bookworm'. Backports live in the same archive, so no host name is written into the project."""
    texts = []
    for source in sources:
        if source.is_dir():
            texts += [p.read_text(errors="replace") for p in sorted(source.iterdir())
                      if p.suffix in (".list", ".sources")]
        elif source.is_file():
            texts.append(source.read_text(errors="replace"))
    for text in texts:
        for stanza in re.split(r"\n\s*\n", text):        # deb822 (.sources)
            fields = dict(re.findall(r"^([A-Za-z-]+):\s*(.*)$", stanza, re.M))
            if "bookworm" in fields.get("Suites", "").split() and fields.get("URIs"):
                return fields["URIs"].split()[0], fields.get("Signed-By", "").strip()
        for line in text.splitlines():                    # one-line style (.list)
            match = re.match(r"\s*deb\s+(\[[^\]]*\]\s+)?(\S+)\s+bookworm\s", line + " ")
            if match:
                options = match.group(1) or ""
                keyring = re.search(r"signed-by=(\S+?)\]?(\s|$)", options)
                return match.group(2), keyring.group(1) if keyring else ""
    raise StageError("no Debian 'bookworm' archive in the system's apt sources "
                     "(/etc/apt/sources.list, /etc/apt/sources.list.d/)")


def apt_options(state: Path) -> list[str]:
    """apt-get options that keep every list, cache and lock under `state`."""
    return ["-o", f"Dir::Etc::SourceList={state / 'sources.list'}",
            "-o", "Dir::Etc::SourceParts=/nonexistent",
            "-o", f"Dir::State={state / 'state'}",
            "-o", f"Dir::State::status={state / 'state' / 'status'}",
            "-o", f"Dir::Cache={state / 'cache'}",
            "-o", "Debug::NoLocking=1",
            "-o", "APT::Get::List-Cleanup=0",
            "-o", "Acquire::Retries=2", "-q"]


def run(argv: list[str], cwd: Path | None = None) -> str:
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise StageError(f"{' '.join(argv[:2])} ... failed: {' / '.join(detail)}")
    return proc.stdout


def wrapper_text(folder: Path) -> str:
    return f"""#!/bin/sh
# QEMU 10.0 from Debian's bookworm-backports, unpacked by tests/qemu_stage.py (not installed).
here=$(dirname "$(readlink -f "$0")")
QEMU_MODULE_DIR="$here/usr/lib/x86_64-linux-gnu/qemu" exec "$here/usr/bin/{WRAPPER}" -L "$here/usr/share/qemu" "$@"
"""


def stage(folder: Path, log=print) -> Path:
    """Stage QEMU 10 into `folder` (cached) and return the wrapper's path."""
    wrapper = folder / WRAPPER
    if (folder / STAMP).is_file() and wrapper.is_file():
        return wrapper
    for tool in ("apt-get", "dpkg-deb"):
        if shutil.which(tool) is None:
            raise StageError(f"{tool} not found: staging QEMU 10 needs a Debian system")
    uri, keyring = debian_mirror()
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="apt-", dir=folder) as tmp:
        state = Path(tmp)
        for sub in ("state/lists/partial", "cache/archives/partial", "debs"):
            (state / sub).mkdir(parents=True)
        (state / "state" / "status").write_text("")
        signed = f" [signed-by={keyring}]" if keyring else ""
        (state / "sources.list").write_text(f"deb{signed} {uri} {SUITE} main\n")
        log(f"selfmod: staging QEMU 10 from {SUITE} into {folder} (the system's QEMU is left alone)")
        run(["apt-get", *apt_options(state), "update"])
        policy = run(["apt-cache", *apt_options(state), "policy", PACKAGES[0]])
        match = re.search(r"Candidate:\s*(\S+)", policy)
        if not match or not match.group(1).startswith(VERSION_PREFIX):
            found = match.group(1) if match else "none"
            raise StageError(f"{SUITE} has no {PACKAGES[0]} {VERSION_PREFIX}.x (candidate: {found})")
        version = match.group(1)
        run(["apt-get", *apt_options(state), "download", *(f"{p}={version}" for p in PACKAGES)],
            cwd=state / "debs")
        for deb in sorted((state / "debs").glob("*.deb")):
            run(["dpkg-deb", "-x", str(deb), str(folder)])
    wrapper.write_text(wrapper_text(folder))
    wrapper.chmod(0o755)
    (folder / STAMP).write_text(f"{version}\n")
    log(f"selfmod: staged QEMU {version}")
    return wrapper


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qemu_stage.py", description=__doc__.split("\n\n")[0],
        epilog="Exit status: 0 staged (path printed), 3 backports unreachable, 2 usage error.")
    parser.add_argument("--dir", default=str(DEFAULT_DIR), metavar="DIR",
                        help=f"stage folder (default: {DEFAULT_DIR.relative_to(ROOT)} in the project)")
    parser.add_argument("--quiet", "-q", action="store_true", help="print only the wrapper's path")
    parser.add_argument("--check", action="store_true",
                        help="download nothing: exit 0 with the path when staged, 3 otherwise")
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    folder = Path(args.dir).resolve()
    try:
        if args.check:
            if not (folder / STAMP).is_file():
                raise StageError(f"QEMU 10 is not staged in {folder} (make qemu10 stages it)")
            wrapper = folder / WRAPPER
        else:
            wrapper = stage(folder, log=(lambda _msg: None) if args.quiet else
                            (lambda msg: print(msg, file=sys.stderr)))
    except StageError as exc:
        print(f"selfmod: QEMU 10 unavailable: {exc}", file=sys.stderr)
        return UNAVAILABLE
    except OSError as exc:
        print(f"selfmod: QEMU 10 unavailable: {exc}", file=sys.stderr)
        return UNAVAILABLE
    print(wrapper)
    return 0


if __name__ == "__main__":
    sys.exit(main())
