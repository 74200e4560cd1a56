"""tests/configs.txt and tests/expectations.txt: parsing, validation, selection."""

from __future__ import annotations

import fnmatch
import math
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from .common import KIND_FAIL, KIND_KNOWN_DEFECT, QEMU_VERSIONS, UsageError, VERSION_PREFIX, seconds

# --------------------------------------------------------------------------
# Input files


NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
CONFIG_KEYS = ("name", "machine", "cpu", "smp", "accel", "memory", "append",
               "timeout", "default", "command", "expect_exit", "image", "icount", "extra", "qemu", "alone")
QEMU_KEYS = ("machine", "cpu", "smp", "accel")


@dataclass(frozen=True)
class Config:
    """One line of configs.txt."""
    name: str
    machine: str = ""
    cpu: str = ""
    smp: int = 1
    accel: str = ""
    memory: str = "256M"
    append: str = ""
    timeout: float = 60.0
    default: bool = True
    command: str = ""
    expect_exit: int | None = None
    image: str = ""   # this configuration's own image instead of --image (e.g. the litmus build, a Pi board's)
    icount: str = ""                    # QEMU -icount (e.g. shift=0: the PMU counts instructions exactly)
    extra: str = ""                     # more QEMU arguments, shell-split (e.g. -dtb FILE)
    qemu: str = "7.2"                   # the QEMU version (QEMU_VERSIONS) it runs on
    alone: bool | None = None           # alone=yes/no: never / may run beside another configuration (-j)
    where: str = ""

    @property
    def runs_alone(self) -> bool:
        """Whether it runs by itself: alone=yes/no when given; else multi-threaded TCG (its vCPU threads
        want every host CPU: beside another QEMU its rounds slow down past their deadlines) and command=
        configurations (the runner cannot know which files or ports a command shares: checked.py runs
        once per QEMU version with the same --config and the same output files)."""
        if self.alone is not None:
            return self.alone
        return bool(self.command) or "thread=multi" in self.accel

    def describe(self) -> str:
        """Short human description for --list."""
        if self.command:
            text = f"command: {self.command}"
        else:
            text = (f"-M {self.machine} -cpu {self.cpu} -smp {self.smp} "
                    f"-m {self.memory} -accel {self.accel}")
            if self.icount:
                text += f" -icount {self.icount}"
            if self.extra:
                text += f" {self.extra}"
            if self.append:
                text += f" -append {shlex.quote(self.append)}"
        if self.image:
            text += f"; image {self.image}"
        text += f"; QEMU {self.qemu}"
        text += f"; timeout {seconds(self.timeout)} s"
        if self.expect_exit is not None:
            text += f"; expects exit status {self.expect_exit}"
        if self.runs_alone:
            text += "; runs alone"
        return text


@dataclass(frozen=True)
class Expectation:
    """One line of expectations.txt."""
    config_glob: str
    test: str
    kind: str
    reason: str
    where: str = ""

    def applies_to(self, config_name: str) -> bool:
        return fnmatch.fnmatchcase(config_name, self.config_glob)


def read_text(path: str | Path, what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{what} not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {what} {path}: {exc}") from None


def content_lines(text: str, source: str) -> Iterable[tuple[str, str]]:
    """Yield (file:line, line) for every non-blank, non-comment line."""
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            yield f"{source}:{number}", stripped


def _int(value: str, where: str, key: str, minimum: int | None = None) -> int:
    try:
        number = int(value, 10)
    except ValueError:
        raise UsageError(f"{where}: {key}={value!r} is not an integer") from None
    if minimum is not None and number < minimum:
        raise UsageError(f"{where}: {key}={value} must be at least {minimum}")
    return number


def _seconds(value: str, where: str, key: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number <= 0:
        raise UsageError(f"{where}: {key}={value!r} is not a number of seconds > 0")
    return number


def _yes_no(value: str, where: str, key: str) -> bool:
    if value not in ("yes", "no"):
        raise UsageError(f"{where}: {key}={value!r} must be yes or no")
    return value == "yes"


def parse_config_lines(line: str, where: str) -> list[Config]:
    """Parse one 'key=value ...' line of configs.txt: one configuration per QEMU version it names."""
    try:
        tokens = shlex.split(line, comments=True)
    except ValueError as exc:
        raise UsageError(f"{where}: {exc}") from None
    fields: dict[str, str] = {}
    for token in tokens:
        key, sep, value = token.partition("=")
        if not sep:
            raise UsageError(f"{where}: expected key=value, got {token!r}")
        if key not in CONFIG_KEYS:
            raise UsageError(f"{where}: unknown key {key!r} (known keys: {', '.join(CONFIG_KEYS)})")
        if key in fields:
            raise UsageError(f"{where}: key {key!r} given twice")
        fields[key] = value

    name = fields.get("name", "")
    if not name:
        raise UsageError(f"{where}: missing name=")
    if not NAME_RE.fullmatch(name):
        raise UsageError(f"{where}: name {name!r} may only use letters, digits, '.', '_' and '-'")
    for key in ("command", "extra", "image"):
        if key in fields and not shlex.split(fields[key]):
            raise UsageError(f"{where}: {key}= is empty")
    if "extra" in fields and "command" in fields:
        raise UsageError(f"{where}: extra= adds QEMU arguments; it cannot go with command=")
    if "command" not in fields:
        missing = [key for key in QEMU_KEYS if not fields.get(key)]
        if missing:
            raise UsageError(f"{where}: {name}: missing {', '.join(k + '=' for k in missing)}")

    values: dict[str, object] = dict(fields)
    if "smp" in fields:
        values["smp"] = _int(fields["smp"], where, "smp", minimum=1)
    if "timeout" in fields:
        values["timeout"] = _seconds(fields["timeout"], where, "timeout")
    if "default" in fields:
        values["default"] = _yes_no(fields["default"], where, "default")
    if "alone" in fields:
        values["alone"] = _yes_no(fields["alone"], where, "alone")
    if "expect_exit" in fields:
        values["expect_exit"] = _int(fields["expect_exit"], where, "expect_exit")
    versions = fields.get("qemu", QEMU_VERSIONS[0]).split(",")
    for version in versions:
        if version not in QEMU_VERSIONS:
            raise UsageError(f"{where}: qemu={fields['qemu']!r}: each version must be one of "
                             f"{', '.join(QEMU_VERSIONS)}")
    if len(set(versions)) != len(versions):
        raise UsageError(f"{where}: qemu= names a version twice")
    return [Config(where=where, **dict(values, qemu=version,  # type: ignore[arg-type]
                                       name=(VERSION_PREFIX[version] if i else "") + name))
            for i, version in enumerate(versions)]


def parse_config_line(line: str, where: str) -> Config:
    """Parse one line of configs.txt that names a single QEMU version."""
    configs = parse_config_lines(line, where)
    if len(configs) != 1:
        raise UsageError(f"{where}: expected one configuration, got {len(configs)}")
    return configs[0]


def parse_configs(text: str, source: str) -> list[Config]:
    """Parse configs.txt; names must be unique."""
    configs: list[Config] = []
    seen: dict[str, str] = {}
    for where, line in content_lines(text, source):
        for config in parse_config_lines(line, where):
            if config.name in seen:
                raise UsageError(f"{where}: duplicate name {config.name!r} (first at {seen[config.name]})")
            seen[config.name] = where
            configs.append(config)
    return configs


def parse_expectations(text: str, source: str) -> list[Expectation]:
    """Parse expectations.txt: CONFIG_GLOB TEST_NAME KIND REASON..."""
    expectations = []
    for where, line in content_lines(text, source):
        parts = line.split(None, 3)
        if len(parts) < 4:
            raise UsageError(f"{where}: expected 'CONFIG_GLOB TEST_NAME KIND REASON...', got {line!r}")
        glob, test, kind, reason = parts
        if kind not in (KIND_FAIL, KIND_KNOWN_DEFECT):
            raise UsageError(f"{where}: unknown kind {kind!r} (use {KIND_FAIL} or {KIND_KNOWN_DEFECT})")
        expectations.append(Expectation(glob, test, kind, reason.strip(), where))
    return expectations


def load_configs(path: str | Path) -> list[Config]:
    return parse_configs(read_text(path, "configuration file"), str(path))


def load_expectations(path: str | Path) -> list[Expectation]:
    return parse_expectations(read_text(path, "expectations file"), str(path))


def select_configs(configs: list[Config], patterns: list[str] | None) -> list[Config]:
    """Configs matching any pattern (exact name or glob), in file order; default: default=yes."""
    if not patterns:
        return [config for config in configs if config.default]
    chosen: set[str] = set()
    for pattern in patterns:
        matches = {c.name for c in configs if fnmatch.fnmatchcase(c.name, pattern)}
        if not matches:
            names = ", ".join(c.name for c in configs) or "(none)"
            raise UsageError(f"no configuration matches {pattern!r}; valid names: {names}")
        chosen |= matches
    return [config for config in configs if config.name in chosen]
