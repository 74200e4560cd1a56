"""Running a configuration: the QEMU command line, the child process with its deadline, the console session."""

from __future__ import annotations

import argparse
import os
import queue
import shlex
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .common import DEFAULT_QEMU, KILL_GRACE, QEMU_ENV, READ_CHUNK, SKIPPED, STAGED_QEMU10, UsageError, seconds
from .config import Config, Expectation
from .ktap import KtapReport
from .report import ConfigReport, ConsoleSession, Outcome, Printer, RunStatus, describe_status, evaluate

# --------------------------------------------------------------------------
# Running a process


@dataclass
class ProcessRun:
    """What happened to one child process."""
    exit_status: int | None
    timed_out: bool
    elapsed: float
    error: str = ""


def _pump(fd: int, chunks: queue.Queue) -> None:
    """Reader thread: move raw output into the queue, then None at end of file."""
    try:
        while data := os.read(fd, READ_CHUNK):
            chunks.put(data)
    except OSError:
        pass
    finally:
        chunks.put(None)


def _drain(chunks: queue.Queue, on_output: Callable[[bytes], None], deadline: float,
           on_tick: Callable[[], None] | None = None) -> bool:
    """Deliver output until end of file (True) or the deadline (False); on_tick every pass."""
    while True:
        if on_tick:
            on_tick()
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        try:
            data = chunks.get(timeout=min(remaining, 0.25))
        except queue.Empty:
            continue
        if data is None:
            return True
        on_output(data)


def _kill_group(proc: subprocess.Popen) -> None:
    """SIGTERM the process group, SIGKILL it if the leader is still there after the grace period."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.wait(timeout=KILL_GRACE)
            if sig == signal.SIGTERM:  # leader gone: make sure the rest of its group is too
                os.killpg(proc.pid, signal.SIGKILL)
            return
        except subprocess.TimeoutExpired:
            continue
        except (ProcessLookupError, PermissionError):
            return


def run_process(argv: list[str], timeout: float, on_output: Callable[[bytes], None],
                env: dict[str, str] | None = None, on_tick: Callable[[], None] | None = None) -> ProcessRun:
    """Run argv with a wall-clock deadline, passing its output (stdout+stderr) as it arrives."""
    start = time.monotonic()
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True, env=env)
    except OSError as exc:
        return ProcessRun(None, False, 0.0, f"could not start {argv[0]}: {exc.strerror or exc}")
    chunks: queue.Queue = queue.Queue()
    reader = threading.Thread(target=_pump, args=(proc.stdout.fileno(), chunks), daemon=True)
    reader.start()
    deadline = start + timeout
    timed_out = False
    try:
        eof = _drain(chunks, on_output, deadline, on_tick)
        if eof:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        timed_out = not eof
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        if proc.poll() is None:
            _kill_group(proc)
    if timed_out and not eof:
        _drain(chunks, on_output, time.monotonic() + KILL_GRACE)  # what was sent before the kill
    reader.join(timeout=0.5)
    if not reader.is_alive():
        proc.stdout.close()
    return ProcessRun(proc.returncode, timed_out, time.monotonic() - start)


# --------------------------------------------------------------------------
# Configurations


@dataclass
class Job:
    """A configuration ready to run."""
    config: Config
    argv: list[str]
    timeout: float
    env: dict[str, str] | None = None   # the environment of a command= configuration


def qemu_argv(config: Config, image: str, extra_append: str, qemu: list[str]) -> list[str]:
    argv = [*qemu, "-M", config.machine, "-cpu", config.cpu, "-smp", str(config.smp),
            "-m", config.memory, "-accel", config.accel, "-display", "none",
            "-monitor", "none", "-serial", "stdio", "-nic", "none",  # no NIC: no option ROM needed
            "-semihosting-config", "enable=on,target=native", "-no-reboot", "-kernel", image]
    if config.icount:
        argv += ["-icount", config.icount]
    argv += shlex.split(config.extra)
    append = " ".join(part for part in (config.append.strip(), extra_append.strip()) if part)
    if append:
        argv += ["-append", append]
    return argv


def config_argv(config: Config, image: str, extra_append: str, qemu: list[str]) -> list[str]:
    if config.command:
        return [token.replace("{image}", image) for token in shlex.split(config.command)]
    return qemu_argv(config, image, extra_append, qemu)


def qemu_command(version: str, environ: dict[str, str]) -> tuple[list[str], str]:
    """(argv prefix, '') of the QEMU for a version, or ([], why it is unavailable)."""
    variable = QEMU_ENV[version]
    try:
        qemu = shlex.split(environ.get(variable) or "")
    except ValueError as exc:
        raise UsageError(f"{variable}={environ.get(variable)!r}: {exc}") from None
    if variable in environ and not qemu:
        raise UsageError(f"{variable} is set but empty")
    if qemu:
        return qemu, ""
    if version == "10":
        wrapper = STAGED_QEMU10 / "qemu-system-aarch64"
        if (STAGED_QEMU10 / ".staged").is_file() and wrapper.is_file():
            return [str(wrapper)], ""
        return [], ("QEMU 10 is not staged: make qemu10 stages it from bookworm-backports "
                    "(or set QEMU10=/path/to/qemu-system-aarch64)")
    return [DEFAULT_QEMU], ""


def prepare_jobs(configs: list[Config], args: argparse.Namespace,
                 environ: dict[str, str]) -> tuple[list[Job], list[tuple[Config, str]]]:
    """Build every command line and check programs and image exist before running anything.
    Returns the jobs and the configurations skipped for want of their QEMU version, with the reason."""
    jobs, unavailable = [], []
    for config in configs:
        qemu, why = qemu_command(config.qemu, environ)
        if why:
            unavailable.append((config, why))
            continue
        image = config.image or args.image
        argv = config_argv(config, image, args.append, qemu)
        uses_image = not config.command or "{image}" in config.command
        if uses_image and not Path(image).is_file():
            hint = f"fix image= at {config.where}" if config.image else "pass --image"
            raise UsageError(f"image not found: {image} (needed by {config.name}; "
                             f"build it first or {hint})")
        if shutil.which(argv[0]) is None:
            hint = "" if config.command else f" (set {QEMU_ENV[config.qemu]}=/path/to/qemu-system-aarch64)"
            raise UsageError(f"{config.name}: program not found: {argv[0]}{hint}")
        # A command= configuration finds its QEMU version in $QEMU, as the helper scripts read it.
        env = dict(environ, QEMU=shlex.join(qemu)) if config.command else None
        jobs.append(Job(config, argv, args.timeout or config.timeout, env))
    return jobs, unavailable


def skipped_config(config: Config, why: str, printer: Printer) -> ConfigReport:
    """The report of a configuration that could not run here for a reason outside the project."""
    printer.line(f"== {config.name}: SKIP: {why}")
    return ConfigReport(config.name, [Outcome(config.name, SKIPPED, why, label=f"SKIP {config.name}: {why}")])


def finish_config(name: str, report: KtapReport, run: RunStatus, expectations: list[Expectation],
                  expect_exit: int | None, printer: Printer) -> list[Outcome]:
    """Evaluate a finished console and print what the streaming pass could not."""
    for warning in report.warnings:
        printer.line(f"[{name}] warning: {warning}")
    outcomes = evaluate(report, expectations, run, expect_exit)
    for outcome in outcomes:
        if outcome.result is None:
            printer.show(name, outcome)
    return outcomes


def run_job(job: Job, out_dir: Path, expectations: list[Expectation], printer: Printer) -> ConfigReport:
    """Run one configuration, logging its raw console to <out>/<name>.log."""
    name = job.config.name
    command = shlex.join(job.argv)
    printer.line(f"== {name}: {command}")
    mine = [e for e in expectations if e.applies_to(name)]
    session = ConsoleSession(name, mine, printer, job.timeout)
    with open(out_dir / f"{name}.log", "wb") as log:
        def on_output(data: bytes) -> None:
            log.write(data)
            log.flush()
            session.feed(data)
        proc = run_process(job.argv, job.timeout, on_output, job.env, session.tick)
    report = session.close()
    if proc.timed_out:
        printer.line(f"[{name}] TIMEOUT after {seconds(job.timeout)} s")
    run = RunStatus(proc.exit_status, proc.timed_out, job.timeout, proc.error, tail=list(session.tail))
    outcomes = finish_config(name, report, run, mine, job.config.expect_exit, printer)
    ending = "killed" if proc.timed_out else (proc.error or describe_status(proc.exit_status))
    printer.line(f"== {name}: {ending}, {proc.elapsed:.1f} s")
    return ConfigReport(name, outcomes, proc.elapsed, command, report.warnings)


def replay_log(path: Path, expectations: list[Expectation], printer: Printer) -> ConfigReport:
    """Parse a captured console log as if it were a configuration named after the file."""
    name = path.stem or path.name
    printer.line(f"== {name}: log {path}")
    start = time.monotonic()
    mine = [e for e in expectations if e.applies_to(name)]
    session = ConsoleSession(name, mine, printer)
    session.feed(path.read_bytes())
    report = session.close()
    run = RunStatus(ended="log ended", tail=list(session.tail))
    outcomes = finish_config(name, report, run, mine, None, printer)
    return ConfigReport(name, outcomes, time.monotonic() - start, f"log {path}", report.warnings)
