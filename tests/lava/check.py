#!/usr/bin/env python3
"""Run selfmod's LAVA jobs (tests/lava/*.yaml) with lava-run, offline, against QEMU, and check that
LAVA's per-case results agree with selfmod's own runner. Prints KTAP (a tests/runner.py command=).

Jobs, each one KTAP test:
  qemu_virt                   qemu-virt.yaml on build/virt/selfmod.bin
  qemu_virt_stale_reader      the same with boot argument inject=stale_reader: cross_core must fail
  rpi4_sim                    rpi4-sdmux.yaml on a simulated SD-mux board (simboard.py: QEMU 10 raspi4b,
                              build/rpi4/kernel8.img and rpi4.dtb; a slow console with \\r\\r\\n line
                              endings). QEMU 10 is runner.py's (make qemu10, or $QEMU10): where it is
                              not there, the two rpi4_sim jobs are reported SKIP with the reason
  rpi4_sim_stale_reader       the same with cmdline.txt "-- inject=stale_reader": cross_core must fail
  mislabel_is_caught          qemu_virt_stale_reader with the job's fixupdict mapping "not ok" to pass:
                              the comparison must report the disagreement (the check can fail)
  lab_dictionaries            the sample lab device dictionaries (devices/qemu-01, rpi4-01) render and
                              accept their jobs (lava-run --validate; nothing is run)

For each job: lava-run must finish the job and its monitor (end line seen); LAVA's test cases (the
"results" entries of its log; lava-run exits 0 even when cases fail) must number the KTAP plan and
agree case by case with the runner's parse of the console LAVA logged, and with the runner's own
QEMU boot of the same image and boot arguments.

What it needs (installed when missing, with sudo when not root): Debian's lava-dispatcher,
ipxe-qemu (the stock QEMU template adds a NIC) and python3-jinja2; lava-server's device-type
templates are unpacked into build/lava/server (apt-get download + dpkg-deb -x, not installed). When
they cannot be installed for a reason outside the project (no apt-get, no root or sudo, the archive
unreachable), every test is reported SKIP with that reason.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE.parent))
import runner  # noqa: E402  (tests/runner.py: the KTAP parser and QEMU command line)
from pi_machines import PI_MACHINES  # noqa: E402

DEBIAN_PKGS = ["lava-dispatcher", "ipxe-qemu", "python3-jinja2"]
DEBIAN_PYTHON = "/usr/bin/python3"
TEMPLATES_SUBDIR = Path("usr/share/lava-server/device-types")
VIRT_URL = "https://lava.example.org/selfmod/virt/selfmod.bin"
RPI4_KERNEL_URL = "https://lava.example.org/selfmod/rpi4/kernel8.img"
RPI4_CMDLINE_URL = "https://lava.example.org/selfmod/rpi4/cmdline.txt"
STALE = "inject=stale_reader"
RESULT_NAMES = {"pass": "pass", "fail": "fail", "skip": "skip", "unknown": "unknown"}


class Skip(Exception):
    """The environment cannot run LAVA, for a reason outside the project."""


class CheckError(Exception):
    """A project-side problem (missing build, bad input)."""


# --------------------------------------------------------------------------
# Reading lava-run's log


@dataclass
class LavaRun:
    cases: list[tuple[str, str]] = field(default_factory=list)   # (case, pass/fail/skip), in order
    console: list[str] = field(default_factory=list)              # the "target" lines
    job_result: str | None = None
    job_error: str = ""
    monitor_status: str | None = None
    errors: list[str] = field(default_factory=list)


def parse_lava_log(text: str, definition: str = "selfmod") -> LavaRun:
    """lava-run writes its log as one JSON object per line: {"dt", "lvl", "msg"}."""
    run = LavaRun()
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if not isinstance(entry, dict):
            continue
        level, msg = entry.get("lvl"), entry.get("msg")
        if level == "target" and isinstance(msg, str):
            run.console.append(msg)
        elif level in ("error", "exception") and isinstance(msg, str):
            run.errors.append(msg)
        elif level == "results" and isinstance(msg, dict):
            if msg.get("definition") == definition:
                run.cases.append((str(msg.get("case")), str(msg.get("result"))))
            elif msg.get("definition") == "lava" and msg.get("case") == "job":
                run.job_result = msg.get("result")
                run.job_error = str(msg.get("error_msg", ""))
            elif msg.get("definition") == "lava" and msg.get("case") == "lava-test-monitor":
                run.monitor_status = (msg.get("extra") or {}).get("status")
    return run


def lava_case_id(name: str) -> str:
    """What LAVA's monitor makes of a test_case_id (lava_dispatcher/actions/test/monitor.py)."""
    return re.sub(r"\W+", "_", name.strip().lower())


def runner_cases(report: runner.KtapReport) -> list[tuple[str, str]]:
    """The runner's raw verdicts (before expectations) as LAVA would name them."""
    return [(lava_case_id(r.name), "skip" if r.skipped else "fail" if r.failed else "pass")
            for r in report.results]


def compare(lava: list[tuple[str, str]], ours: list[tuple[str, str]], what: str) -> list[str]:
    """Disagreements between LAVA's cases and the runner's, case by case and in order."""
    problems = []
    if len(lava) != len(ours):
        problems.append(f"LAVA reported {len(lava)} cases, {what} {len(ours)}")
    for i in range(max(len(lava), len(ours))):
        a = lava[i] if i < len(lava) else ("(none)", "-")
        b = ours[i] if i < len(ours) else ("(none)", "-")
        if a != b:
            problems.append(f"case {i + 1}: LAVA {a[0]}={a[1]}, {what} {b[0]}={b[1]}")
    return problems


# --------------------------------------------------------------------------
# The environment


def installed(pkg: str) -> bool:
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg], capture_output=True, text=True,
                             timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0 and out.stdout.strip() == "install ok installed"


def sudo_prefix() -> list[str]:
    if os.geteuid() == 0:
        return []
    if shutil.which("sudo"):
        probe = subprocess.run(["sudo", "-n", "true"], capture_output=True, timeout=30)
        if probe.returncode == 0:
            return ["sudo", "-n"]
    raise Skip("cannot install Debian packages: not root and no password-less sudo")


def run_logged(argv: list[str], log, timeout: float, env: dict | None = None, cwd=None) -> int:
    """Run argv in its own process group, output to log; kill the group past the timeout."""
    log.write(f"$ {' '.join(argv)}\n")
    log.flush()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True, env=env, cwd=cwd)
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        raise
    finally:
        kill_group(proc)


def kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def tail(path: Path, lines: int = 3) -> str:
    try:
        text = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " | ".join(text[-lines:])


def ensure_packages(out: Path, allow_install: bool) -> str:
    missing = [p for p in DEBIAN_PKGS if not installed(p)]
    if not missing:
        return "already installed"
    if not allow_install:
        raise Skip(f"{' '.join(missing)} not installed (--no-install)")
    if not shutil.which("apt-get") or not shutil.which("dpkg-query"):
        raise Skip(f"{' '.join(missing)} missing and this is not a Debian system (no apt-get)")
    sudo = sudo_prefix()
    log_path = out / "install.log"
    start = time.monotonic()
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    with open(log_path, "w") as log:
        try:
            if run_logged(sudo + ["apt-get", "update", "-q"], log, 300, env) != 0:
                raise Skip(f"apt-get update failed (Debian archive unreachable?): {tail(log_path)}")
            if run_logged(sudo + ["apt-get", "install", "-y", "-q", "--no-install-recommends"] + missing,
                          log, 900, env) != 0:
                raise Skip(f"apt-get install {' '.join(missing)} failed: {tail(log_path)}")
        except subprocess.TimeoutExpired:
            raise Skip(f"installing {' '.join(missing)} timed out (see {log_path})") from None
    still = [p for p in DEBIAN_PKGS if not installed(p)]
    if still:
        raise Skip(f"{' '.join(still)} still not installed after apt-get (see {log_path})")
    return f"installed {' '.join(missing)} in {time.monotonic() - start:.0f} s"


def ensure_templates(out: Path) -> Path:
    templates = out / "server" / TEMPLATES_SUBDIR
    if (templates / "qemu.jinja2").is_file() and (templates / "bcm2711-rpi-4-b.jinja2").is_file():
        return templates
    debs = out / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    log_path = out / "templates.log"
    with open(log_path, "w") as log:
        try:
            for old in debs.glob("lava-server_*.deb"):
                old.unlink()
            if run_logged(["apt-get", "download", "lava-server"], log, 300, cwd=debs) != 0:
                raise Skip(f"apt-get download lava-server failed (Debian archive unreachable?): {tail(log_path)}")
            deb = next(debs.glob("lava-server_*.deb"), None)
            if deb is None:
                raise Skip("apt-get download lava-server left no .deb")
            if run_logged(["dpkg-deb", "-x", str(deb), str(out / "server")], log, 120) != 0:
                raise Skip(f"dpkg-deb -x {deb.name} failed: {tail(log_path)}")
        except subprocess.TimeoutExpired:
            raise Skip(f"fetching lava-server's templates timed out (see {log_path})") from None
    if not (templates / "qemu.jinja2").is_file():
        raise Skip(f"lava-server's package has no {TEMPLATES_SUBDIR}/qemu.jinja2")
    return templates


# --------------------------------------------------------------------------
# Jobs


@dataclass
class Job:
    name: str
    job_file: str                 # under tests/lava
    device_dict: str              # under tests/lava/devices
    args: str                     # boot arguments
    sim: bool                     # the simulated SD-mux board
    mislabel: bool = False        # negative control: "not ok" mapped to pass


JOBS = [
    Job("qemu_virt", "qemu-virt.yaml", "qemu-01.jinja2", "", False),
    Job("qemu_virt_stale_reader", "qemu-virt.yaml", "qemu-01.jinja2", STALE, False),
    Job("rpi4_sim", "rpi4-sdmux.yaml", "rpi4-sim.jinja2", "", True),
    Job("rpi4_sim_stale_reader", "rpi4-sdmux.yaml", "rpi4-sim.jinja2", STALE, True),
    Job("mislabel_is_caught", "qemu-virt.yaml", "qemu-01.jinja2", STALE, False, mislabel=True),
]


def replace_once(text: str, old: str, new: str, where: str) -> str:
    if text.count(old) != 1:
        raise CheckError(f"{where}: expected exactly one {old!r} to replace")
    return text.replace(old, new)


def write_job(job: Job, work: Path, images: dict[str, Path]) -> Path:
    src = HERE / job.job_file
    text = src.read_text()
    if job.sim:
        cmdline = work / "cmdline.txt"
        cmdline.write_text(f"-- {job.args}\n".replace(" \n", "\n"))
        text = replace_once(text, RPI4_KERNEL_URL, images["rpi4"].resolve().as_uri(), str(src))
        text = replace_once(text, RPI4_CMDLINE_URL, cmdline.resolve().as_uri(), str(src))
    else:
        text = replace_once(text, VIRT_URL, images["virt"].resolve().as_uri(), str(src))
        if job.args:
            text = replace_once(text, "  - -no-reboot\n", f"  - -no-reboot\n  - -append {job.args}\n", str(src))
    if job.mislabel:
        text = replace_once(text, "'not ok': fail", "'not ok': pass", str(src))
    path = work / "job.yaml"
    path.write_text(text)
    return path


def write_device(job: Job, work: Path, templates: Path, job_path: Path, images: dict[str, Path]) -> Path:
    src = HERE / "devices" / job.device_dict
    text = src.read_text()
    if job.sim:
        text = (text.replace("@SIMBOARD@", f"{sys.executable} {HERE / 'simboard.py'}")
                .replace("@STATE@", str((work / "board").resolve()))
                .replace("@DTB@", str(images["rpi4dtb"].resolve()))
                .replace("@QEMU@", shlex.quote(shlex.join(pi_qemu()[0]))))
    dictionary = work / job.device_dict
    dictionary.write_text(text)
    out = work / "device.yaml"
    result = subprocess.run([DEBIAN_PYTHON, str(HERE / "render_device.py"), "--templates", str(templates),
                             "--job", str(job_path), str(dictionary), str(out)],
                            capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise CheckError(f"rendering {job.device_dict}: {result.stderr.strip()}")
    return out


def runner_boot(job: Job, images: dict[str, Path], work: Path, timeout: float) -> runner.KtapReport:
    """The runner's own QEMU boot of the same image with the same boot arguments."""
    configs = {c.name: c for c in runner.load_configs(HERE.parent / "configs.txt")}
    if job.sim:
        config, image = configs["rpi4-raspi4b"], images["rpi4"]
        append = f"-- {job.args}".strip()
    else:
        config, image = configs["a72-el1-smp4"], images["virt"]
        append = job.args
    qemu, why = runner.qemu_command(config.qemu, dict(os.environ))
    if not qemu:
        raise CheckError(f"the runner's own boot on QEMU {config.qemu}: {why}")
    argv = runner.qemu_argv(config, str(image), append, qemu)
    chunks: list[bytes] = []
    run = runner.run_process(argv, timeout, chunks.append)
    data = b"".join(chunks)
    (work / "runner-console.log").write_bytes(data)
    if run.error:
        raise CheckError(f"the runner's own boot: {run.error}")
    if run.timed_out:
        raise CheckError(f"the runner's own boot timed out after {timeout:.0f} s")
    return runner.parse_ktap(runner.split_lines(data))


def run_job(job: Job, out: Path, templates: Path, images: dict[str, Path], timeout: float,
            lava_run: str) -> tuple[bool, list[str]]:
    """Returns (ok, diagnostic lines)."""
    work = out / job.name
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    job_path = write_job(job, work, images)
    device = write_device(job, work, templates, job_path, images)
    log_path = work / "lava-run.log"
    simboard_off = [sys.executable, str(HERE / "simboard.py"), "--state", str(work / "board"), "power-off"]
    start = time.monotonic()
    try:
        with open(log_path, "w") as log:
            status = run_logged([lava_run, "--job-id", f"selfmod-{job.name}", "--output-dir", str(work / "out"),
                                 "--device", str(device), "--dispatcher", str(HERE / "dispatcher.yaml"),
                                 str(job_path)], log, timeout)
    except subprocess.TimeoutExpired:
        return False, [f"lava-run did not finish within {timeout:.0f} s (killed; log {log_path})"]
    finally:
        if job.sim:
            subprocess.run(simboard_off, capture_output=True, timeout=30)
    elapsed = time.monotonic() - start
    lava = parse_lava_log(log_path.read_text(errors="replace"))
    notes = [f"lava-run exit {status} in {elapsed:.1f} s; {len(lava.cases)} LAVA cases; log {log_path}"]
    problems = []
    if lava.job_result != "pass":
        problems.append(f"LAVA job result {lava.job_result or 'missing'}: {lava.job_error or '; '.join(lava.errors[-2:])}")
    if lava.monitor_status != "passed":
        problems.append(f"LAVA monitor status {lava.monitor_status or 'missing'} (end line not seen?)")
    console = runner.parse_ktap(lava.console)
    if console.plan is None:
        problems.append("no KTAP plan in the console LAVA logged")
    elif len(lava.cases) != console.plan:
        problems.append(f"LAVA reported {len(lava.cases)} cases, the KTAP plan is 1..{console.plan}")
    problems += compare(lava.cases, runner_cases(console), "runner (same console)")
    own = runner_boot(job, images, work, timeout)
    problems += compare(lava.cases, runner_cases(own), "runner (own boot)")
    results = dict(lava.cases)
    if job.args == STALE and not job.mislabel and results.get("cross_core") != "fail":
        problems.append(f"inject=stale_reader: LAVA says cross_core={results.get('cross_core', 'missing')}, "
                        "it must be fail")
    counts = {r: sum(1 for _, v in lava.cases if v == r) for r in ("pass", "fail", "skip")}
    notes.append(f"LAVA: {counts['pass']} pass, {counts['fail']} fail, {counts['skip']} skip; "
                 f"failed: {', '.join(c for c, v in lava.cases if v == 'fail') or 'none'}")
    if job.mislabel:
        # The negative control: the comparison must catch a monitor that calls failures passes.
        if any("runner" in p for p in problems) and lava.job_result == "pass":
            return True, notes + [f"caught as it must be ({len(problems)} disagreements), e.g. {problems[0]}"]
        return False, notes + ["a fixupdict mapping 'not ok' to pass was NOT caught by the comparison"] + problems
    return not problems, notes + problems


def validate_lab_dictionaries(out: Path, templates: Path, images: dict[str, Path], timeout: float,
                              lava_run: str) -> tuple[bool, list[str]]:
    """The sample lab dictionaries render and accept their jobs (lava-run --validate: nothing runs).
    Validation wants the console program (telnet) on PATH: a stub stands in, never executed."""
    work = out / "lab_dictionaries"
    if work.exists():
        shutil.rmtree(work)
    stubs = work / "stubs"
    stubs.mkdir(parents=True)
    telnet = stubs / "telnet"
    telnet.write_text("#!/bin/sh\necho 'stub telnet: validation only' >&2\nexit 1\n")
    telnet.chmod(0o755)
    env = dict(os.environ, PATH=f"{stubs}{os.pathsep}{os.environ.get('PATH', '')}")
    notes, ok = [], True
    for job in (Job("qemu-01", "qemu-virt.yaml", "qemu-01.jinja2", "", False),
                Job("rpi4-01", "rpi4-sdmux.yaml", "rpi4-01.jinja2", "", True)):
        jwork = work / job.name
        jwork.mkdir()
        job_path = write_job(job, jwork, images)
        device = write_device(job, jwork, templates, job_path, images)
        log_path = jwork / "lava-run.log"
        with open(log_path, "w") as log:
            run_logged([lava_run, "--validate", "--job-id", f"selfmod-validate-{job.name}", "--output-dir",
                        str(jwork / "out"), "--device", str(device), "--dispatcher", str(HERE / "dispatcher.yaml"),
                        str(job_path)], log, timeout, env=env)
        lava = parse_lava_log(log_path.read_text(errors="replace"))
        if lava.job_result == "pass":
            notes.append(f"devices/{job.device_dict} with {job.job_file}: validates")
        else:
            ok = False
            notes.append(f"devices/{job.device_dict} with {job.job_file}: validation {lava.job_result or 'missing'}: "
                         f"{lava.job_error or '; '.join(lava.errors[-2:])} (log {log_path})")
    return ok, notes


# --------------------------------------------------------------------------


def pi_qemu() -> tuple[list[str], str]:
    """The QEMU that has the simulated Pi's machine (raspi4b: QEMU 10), or ([], why not)."""
    version = PI_MACHINES["rpi4"].qemu
    try:
        qemu, why = runner.qemu_command(version, dict(os.environ))
    except runner.UsageError as err:
        return [], str(err)
    if qemu and not shutil.which(qemu[0]):
        return [], f"QEMU {version}: {qemu[0]} not found"
    return qemu, why


def find_images() -> dict[str, Path]:
    images = {"virt": ROOT / "build/virt/selfmod.bin", "rpi4": ROOT / "build/rpi4/kernel8.img",
              "rpi4dtb": ROOT / PI_MACHINES["rpi4"].dtb}
    missing = [str(p.relative_to(ROOT)) for p in images.values() if not p.is_file()]
    if missing:
        raise CheckError(f"missing {', '.join(missing)} (make build pi-boards)")
    return images


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], epilog="\n\n".join(__doc__.split("\n\n")[1:]),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "build/lava",
                        help="work directory: jobs, device configurations, logs (default build/lava)")
    parser.add_argument("--timeout", type=float, default=120, help="seconds per lava-run (default 120)")
    parser.add_argument("--no-install", action="store_true",
                        help="do not install missing packages: report SKIP instead")
    parser.add_argument("--job", action="append", choices=[j.name for j in JOBS] + ["lab_dictionaries"],
                        help="run only this job; repeatable (default: all)")
    args = parser.parse_args(argv)
    if args.timeout <= 0:
        parser.error("--timeout must be positive")
    jobs = [j for j in JOBS if not args.job or j.name in args.job]
    validate = not args.job or "lab_dictionaries" in args.job
    names = [j.name for j in jobs] + (["lab_dictionaries"] if validate else [])
    print("KTAP version 1")
    print(f"1..{len(names)}")
    sys.stdout.flush()
    try:
        images = find_images()
        args.out.mkdir(parents=True, exist_ok=True)
        start = time.monotonic()
        how = ensure_packages(args.out, not args.no_install)
        templates = ensure_templates(args.out)
        print(f"# lava: packages {how}; templates {templates}; setup {time.monotonic() - start:.1f} s")
        lava_run = shutil.which("lava-run")
        if not lava_run:
            raise Skip("lava-dispatcher is installed but lava-run is not on PATH")
    except Skip as reason:
        for i, name in enumerate(names, 1):
            print(f"ok {i} {name} # SKIP {reason}")
        print(f"# lava: 0 passed, 0 failed, {len(names)} skipped")
        return 0
    except (CheckError, OSError, subprocess.TimeoutExpired) as err:
        print(f"# lava: {err}")
        for i, name in enumerate(names, 1):
            print(f"not ok {i} {name}")
        print(f"# lava: 0 passed, {len(names)} failed, 0 skipped")
        return 1
    failed = skipped = 0
    no_pi_qemu = pi_qemu()[1]
    for i, name in enumerate(names, 1):
        if no_pi_qemu and any(j.name == name and j.sim for j in jobs):
            print(f"ok {i} {name} # SKIP {no_pi_qemu}")
            skipped += 1
            continue
        try:
            if name == "lab_dictionaries":
                ok, notes = validate_lab_dictionaries(args.out, templates, images, args.timeout, lava_run)
            else:
                job = next(j for j in jobs if j.name == name)
                ok, notes = run_job(job, args.out, templates, images, args.timeout, lava_run)
        except (CheckError, OSError, subprocess.TimeoutExpired) as err:
            ok, notes = False, [f"{type(err).__name__}: {err}"]
        for note in notes:
            print(f"    # {note}")
        print(f"{'ok' if ok else 'not ok'} {i} {name}")
        sys.stdout.flush()
        failed += not ok
    print(f"# lava: {len(names) - failed - skipped} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:  # stdout closed early (| head): nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
