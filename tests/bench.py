#!/usr/bin/env python3
"""Run the selfmod benchmarks under QEMU and print, save and plot the figures.

Boots of the same firmware image (the bench tests run only when run= selects them), on QEMU 7.2
(cortex-a72) and QEMU 10 (cortex-a710: IDC 1; a64fx: 256-byte lines) where it is staged:
  icount   -smp 2 -accel tcg,thread=single -icount shift=0, run=bench: the PMU's INST_RETIRED
           counts exactly; maintenance instructions per call, instructions and ticks per round
  single   -smp 2 -accel tcg,thread=single, run=bench_handoff: rounds per second (wall clock)
  multi    -smp 2 -accel tcg,thread=multi,  run=bench_handoff: rounds per second (wall clock)
  litmus   a two-thread litmus test's iterations per second (wall clock)
The firmware prints '# BENCH <table> key=value ...' lines; this tool parses them, prints the
tables with the targets of issue 17 (reported, never asserted), writes CSV files and, with
gnuplot, a PNG plot. Exit status: 0 if every boot completed with its checks ok, 1 if not,
2 for usage errors.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import runner

HERE = Path(__file__).resolve().parent

BENCH_RE = re.compile(r"^\s*#\s*BENCH (\w+) (.*)$")
BOOT_TIMEOUT = 300.0

# Targets from issue 17: reported, never asserted.
TARGET_SHORT_INSNS = 16          # one or two lines (up to 64 bytes): instructions per call
TARGET_SHORT_SIZE = 64
TARGET_BOUND_RATIO = 1.1         # from 4 KiB up, aligned and unaligned
TARGET_FROM_SIZE = 4096
TARGET_LITMUS_PER_S = 10_000     # the two-thread litmus test, thread=single
# The routines beside libgcc (bench_routines.S): CSV name, label, and the IDC/DIC under which the
# architecture lets its sequence stand (docs/verdicts.md); elsewhere it is cheaper only by skipping a step.
ROUTINES = (("compiler_rt", "compiler-rt", None), ("linux", "Linux", None),
            ("wasmtime", "wasmtime", (True, True)))
# Where each target missed is explained: a miss is printed with its reason, counted there.
README_WHY = "README: Benchmarks, where the targets are missed"
LITMUS_TEST = "selfmod.MP.RF+sync+ctrlisb"  # two threads: the cross-core hand-off (herd MP.RF+cachesync+ctrlisb)
DEFAULT_LITMUS_IMAGE = "build/virt-litmus/selfmod.bin"


@dataclass(frozen=True)
class Boot:
    name: str        # also the log name, and the config name expectations.txt is matched against
    accel: str
    icount: str
    append: str
    what: str
    litmus: bool = False  # boots the litmus image (make litmus-build) instead of the suite's
    cpu: str = "cortex-a72"
    qemu: str = "7.2"
    kind: str = ""   # icount, single, multi, litmus

    @property
    def platform(self) -> str:
        return f"QEMU {self.qemu} {self.cpu}"


BOOTS = (
    Boot("bench-icount", "tcg,thread=single", "shift=0", "run=bench iterations=20000",
         "instruction counts (-icount shift=0)", kind="icount"),
    Boot("bench-single", "tcg,thread=single", "", "run=bench_handoff", "rounds/s, thread=single", kind="single"),
    Boot("bench-mttcg", "tcg,thread=multi", "", "run=bench_handoff", "rounds/s, thread=multi", kind="multi"),
    Boot("bench-litmus", "tcg,thread=single", "", f"run={LITMUS_TEST} iterations=20000",
         "a two-thread litmus test's iterations/s, thread=single", litmus=True, kind="litmus"),
    Boot("q10-bench-icount-a710", "tcg,thread=single", "shift=0", "run=bench iterations=20000",
         "instruction counts (-icount shift=0)", cpu="cortex-a710", qemu="10", kind="icount"),
    Boot("q10-bench-icount-a64fx", "tcg,thread=single", "shift=0", "run=bench_maintenance",
         "instruction counts (-icount shift=0)", cpu="a64fx", qemu="10", kind="icount"),
    Boot("q10-bench-single", "tcg,thread=single", "", "run=bench_handoff", "rounds/s, thread=single",
         cpu="cortex-a710", qemu="10", kind="single"),
    Boot("q10-bench-mttcg", "tcg,thread=multi", "", "run=bench_handoff", "rounds/s, thread=multi",
         cpu="cortex-a710", qemu="10", kind="multi"),
)


class UsageError(Exception):
    pass


def parse_bench_lines(lines: list[str]) -> dict[str, list[dict[str, str]]]:
    """'# BENCH table k=v ...' lines, by table, in order."""
    tables: dict[str, list[dict[str, str]]] = {}
    for line in lines:
        match = BENCH_RE.match(line)
        if not match:
            continue
        fields = dict(token.partition("=")[::2] for token in match.group(2).split() if "=" in token)
        tables.setdefault(match.group(1), []).append(fields)
    return tables


def num(fields: dict[str, str], key: str) -> int:
    try:
        return int(fields.get(key, ""))
    except ValueError:
        raise UsageError(f"bench line without a number for {key!r}: {fields}") from None


@dataclass
class BootResult:
    boot: Boot
    lines: list[str]
    ok: bool
    problem: str = ""


def check_console(name: str, lines: list[str], exit_status: int | None, timed_out: bool,
                  expectations: list[runner.Expectation]) -> tuple[bool, str]:
    """Whether the KTAP of a boot is complete and ok (known emulator defects allowed)."""
    report = runner.parse_ktap(lines)
    run = runner.RunStatus(exit_status, timed_out, BOOT_TIMEOUT)
    mine = [e for e in expectations if e.applies_to(name)]
    outcomes = runner.evaluate(report, mine, run, None)
    failed = [o for o in outcomes if o.status == runner.FAILED]
    if timed_out:
        return False, f"timed out after {BOOT_TIMEOUT:g} s"
    if failed:
        return False, "; ".join(o.message or o.name for o in failed[:3])
    return True, ""


def boot(b: Boot, image: str, qemu: list[str], out: Path, expectations, timeout: float) -> BootResult:
    config = runner.Config(name=b.name, machine="virt", cpu=b.cpu, smp=2, accel=b.accel,
                           icount=b.icount, append=b.append, timeout=timeout, qemu=b.qemu)
    argv = runner.qemu_argv(config, image, "", qemu)
    print(f"== {b.name} ({b.what}): {' '.join(argv)}", flush=True)
    output = bytearray()
    proc = runner.run_process(argv, timeout, output.extend)
    (out / f"{b.name}.log").write_bytes(bytes(output))
    if proc.error:
        return BootResult(b, [], False, proc.error)
    lines = runner.split_lines(bytes(output))
    ok, problem = check_console(b.name, lines, proc.exit_status, proc.timed_out, expectations)
    return BootResult(b, lines, ok, problem)


def ratio(a: int, b: int) -> str:
    return f"{a / b:.2f}" if b else "-"


def maintenance_rows(rows: list[dict[str, str]], cycles: list[dict[str, str]], setup: dict[str, str],
                     platform: str) -> list[dict[str, object]]:
    """The 'maint' lines (instructions) with their 'maint_cycles' lines (same size and offset)."""
    out = []
    names = ["by_line", "auto", "all", "libgcc"] + [r[0] for r in ROUTINES]
    by_range = {(c.get("size"), c.get("offset")): c for c in cycles}
    for r in rows:
        r = {**by_range.get((r.get("size"), r.get("offset")), {}), **r}
        row: dict[str, object] = {"platform": platform, "idc": num(setup, "idc"), "dic": num(setup, "dic"),
                                  "dline": num(setup, "dline")}
        row.update({k: num(r, k) for k in ["size", "offset", "dlines", "bound"] + names})
        row.update({f"{k}_cycles": num(r, f"{k}_cycles") for k in names})
        row["auto_per_libgcc"] = ratio(row["auto"], row["libgcc"])
        row["auto_per_bound"] = ratio(row["auto"], row["bound"])
        row["by_line_per_bound"] = ratio(row["by_line"], row["bound"])
        out.append(row)
    return out


def size_text(n: int) -> str:
    for unit, scale in (("M", 1 << 20), ("K", 1 << 10)):
        if n >= scale and n % scale == 0:
            return f"{n // scale}{unit}"
    return str(n)


def print_table(header: list[str], rows: list[list[object]]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    print("| " + " | ".join(str(h).ljust(w) for h, w in zip(header, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(str(x).rjust(w) for x, w in zip(row, widths)) + " |")


def skips_a_step(name: str, idc: bool, dic: bool) -> bool:
    """Whether routine name's sequence leaves out a step the architecture requires with this IDC/DIC."""
    needs = next(r[2] for r in ROUTINES if r[0] == name)
    return needs is not None and (idc, dic) != needs


def fewest_short(lines: int, idc: bool) -> int:
    """The fewest instructions for one or two lines by a routine that reads its line size and mode at run
    time, as icache_sync_range does (README_WHY): call and return 2, the maintenance (DC, DSB, IC, DSB,
    ISB with a DC and an IC a line; IDC: DSB ISHST, IC, DSB, ISB with an IC a line), the mode word's load
    and test 2 (4 for IDC, whose word is read after the plain one), the length's -1, the ORR with -line and
    the ADDS whose carry says more than one line, and its branch 4; for two lines also the compare with the
    line and its branch 2 and the second line's address 1."""
    maintenance = (3 if idc else 3 + lines) + lines
    return 2 + maintenance + (4 if idc else 2) + 4 + (3 if lines == 2 else 0)


def fewest_over_bound(idc: bool) -> int:
    """The fewest instructions above the bound for 3 lines and more (one block of 64) by a routine that
    reads its line size at run time (README_WHY): call and return 2, the line size and its shift 2, the
    count from va and len 4 (ORR, ADD, the -1, LSR), the whole blocks and the test that there are none 2
    (it also sends len 0 and the whole-cache threshold elsewhere), the computed entry into the unrolled
    lines 3 (ADR, ADD, BR: assembly; a table in C loads one more) and the test at the block's end 1;
    without IDC the DC pass adds its entry 1, its branch 1, its end test 1 and a copy of the block
    count 1."""
    return 14 + (0 if idc else 4)


def why_short(r: dict[str, object], idc: bool) -> str:
    """The reason icache_sync_range takes more than TARGET_SHORT_INSNS for a range of one or two lines."""
    lines, fewest = int(r["dlines"]), fewest_short(min(int(r["dlines"]), 2), idc)
    if lines > 2:
        return f"{lines} lines of {r['dline']} B here: the target is for one or two"
    if int(r["auto"]) > fewest:
        return f"none known: {fewest} would do (a regression)"
    return (f"{fewest} is the fewest for {lines} line{'s' if lines > 1 else ''} with the line "
            f"size and mode read at run time; {TARGET_SHORT_INSNS} needs the line size as an immediate and one mode "
            f"(code built or patched for one core) ({README_WHY})")


def why_over_bound(r: dict[str, object], idc: bool) -> str:
    """The reason a range from TARGET_FROM_SIZE takes more than TARGET_BOUND_RATIO x its lower bound."""
    allowed = int(TARGET_BOUND_RATIO * int(r["bound"]) + 1e-9) - int(r["bound"])
    fewest = fewest_over_bound(idc)
    if allowed >= fewest:
        return f"none known: {allowed} over the bound allowed, {fewest} needed (a regression)"
    return (f"{TARGET_BOUND_RATIO} x leaves {allowed} instructions over the bound; reading the line size at run "
            f"time needs at least {fewest} ({README_WHY})")


def maintenance_report(rows: list[dict[str, object]], cycles_meaningful: bool) -> list[str]:
    """Print the table of one platform; return the targets missed."""
    platform, idc, dic = rows[0]["platform"], bool(rows[0]["idc"]), bool(rows[0]["dic"])
    header = ["range", "lines", "bound", "by line", "auto", "IC IALLUIS", "libgcc", "auto/libgcc", "auto/bound"]
    header += [r[1] for r in ROUTINES]
    if cycles_meaningful:
        header += ["cycles auto", "cycles libgcc"]
    table = []
    missed = []
    for r in rows:
        label = size_text(r["size"]) + (f" @+{r['offset']}" if r["offset"] else "")
        line = [label, r["dlines"], r["bound"], r["by_line"], r["auto"], r["all"], r["libgcc"],
                r["auto_per_libgcc"], r["auto_per_bound"]]
        line += [f"{r[name]}{'*' if skips_a_step(name, idc, dic) else ''}" for name, _, _ in ROUTINES]
        if cycles_meaningful:
            line += [r["auto_cycles"], r["libgcc_cycles"]]
        table.append(line)
        # Each target missed, with its reason on the next line.
        if r["auto"] > r["libgcc"]:
            missed.append(f"{platform} {label}: icache_sync_range {r['auto']} > libgcc {r['libgcc']}"
                          "\n      why: none known: a regression")
        if r["size"] <= TARGET_SHORT_SIZE and r["auto"] > TARGET_SHORT_INSNS:
            missed.append(f"{platform} {label}: icache_sync_range {r['auto']} instructions "
                          f"(target <= {TARGET_SHORT_INSNS} for one or two lines)\n      why: {why_short(r, idc)}")
        if r["size"] >= TARGET_FROM_SIZE:
            # Above the whole-cache threshold auto uses IC IALLUIS (under the bound): judge the by-line form.
            form, count = ("auto", r["auto"]) if r["auto"] >= r["bound"] else ("by line", r["by_line"])
            if count > TARGET_BOUND_RATIO * r["bound"]:
                missed.append(f"{platform} {label}: {form} {ratio(count, r['bound'])} x the lower bound "
                              f"(target <= {TARGET_BOUND_RATIO})\n      why: {why_over_bound(r, idc)}")
    print(f"\nMaintenance on {platform} (D line {rows[0]['dline']} B, IDC {int(idc)}, DIC {int(dic)}): "
          "instructions per call (INST_RETIRED under -icount shift=0: the BLR and the routine)")
    print_table(header, table)
    if any(skips_a_step(name, idc, dic) for name, _, _ in ROUTINES):
        print("* cheaper only because it skips a step the architecture requires here: wasmtime issues no "
              "DC CVAU (needed unless IDC) and no DSB between the stores and the ICs (needed unless DIC) "
              "(docs/verdicts.md RULE_IC_ONLY)")
    if not cycles_meaningful:
        print("cycles: not meaningful under QEMU (PMCCNTR_EL0 follows the virtual clock); "
              "they are in the CSV and shown for --log captures from hardware")
    return missed


def handoff_report(results: list[tuple[Boot, list[dict[str, str]]]]) -> tuple[list[dict[str, object]], list[str]]:
    """The cross-core rounds, one row per QEMU version and method."""
    methods: dict[tuple[str, str], dict[str, object]] = {}
    for b, rows in results:
        for r in rows:
            m = methods.setdefault((b.qemu, r["method"]), {"qemu": b.qemu, "method": r["method"]})
            if b.kind == "icount":
                m["cpu_icount"] = b.cpu
                m["insns_per_round"] = num(r, "insns_per_round")
                m["ticks_per_round"] = num(r, "ticks_per_round")
                m["cycles_per_round"] = num(r, "cycles_per_round")
            else:
                m[f"rounds_per_s_{b.kind}"] = num(r, "rounds_per_s")
                m[f"rounds_{b.kind}"] = num(r, "rounds")
    rows = list(methods.values())
    print("\nCross-core round (write, maintain, publish, wake, control dependency, ISB, run, acknowledge), "
          "core 0 and core 1")
    print_table(["QEMU", "method", "instructions/round (icount)", "ticks/round (icount)", "rounds/s thread=single",
                 "rounds/s thread=multi"],
                [[m["qemu"], m["method"], m.get("insns_per_round", "-"), m.get("ticks_per_round", "-"),
                  m.get("rounds_per_s_single", "-"), m.get("rounds_per_s_multi", "-")] for m in rows])
    print("instructions/round under icount count both vCPUs (QEMU's instruction counter is global); "
          "ticks are CNTVCT at 62.5 MHz of icount time; rounds/s are wall-clock (see the host load)")
    return rows, []


def litmus_report(rows: list[dict[str, str]]) -> list[str]:
    """The litmus test's iterations per second (each: reset code and data, start both threads, join)."""
    print("\nLitmus test, thread=single (an iteration: reset code and data with maintenance, start the threads "
          "at a barrier, run, collect)")
    if not rows:
        print(f"no figure (no '# BENCH litmus' line: is {DEFAULT_LITMUS_IMAGE} built?)")
        return []
    print_table(["test", "threads", "iterations", "iterations/s"],
                [[r["name"], num(r, "threads"), num(r, "iterations"), num(r, "per_s")] for r in rows])
    return [f"litmus {r['name']}: {num(r, 'per_s')} iterations/s (target >= {TARGET_LITMUS_PER_S})\n"
            "      why: a wall-clock rate on a shared host, which follows its load (printed above)"
            for r in rows if num(r, "per_s") < TARGET_LITMUS_PER_S]


def write_csv(path: Path, rows: list[dict[str, object]]) -> None:
    if not rows:
        return
    keys = list(dict.fromkeys(k for r in rows for k in r))
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=keys)
        writer.writeheader()
        writer.writerows(rows)


GNUPLOT = """\
set terminal pngcairo size 900,600 noenhanced
set output '{png}'
set datafile separator ','
set logscale xy 2
set format x '%.0b %BB'
set key top left
set grid
set xlabel 'range (bytes, line-aligned)'
set ylabel 'instructions per call'
set title 'selfmod: instruction-cache maintenance cost ({platform}, -icount, INST_RETIRED)'
plot '{data}' using 1:4 with linespoints title 'lower bound', \\
     '' using 1:5 with linespoints title 'icache_sync_range by line', \\
     '' using 1:6 with linespoints title 'icache_sync_range (auto)', \\
     '' using 1:8 with linespoints title 'libgcc __clear_cache', \\
     '' using 1:9 with linespoints title 'compiler-rt __clear_cache', \\
     '' using 1:10 with linespoints title 'Linux caches_clean_inval_pou'
"""


def plot(out: Path, rows: list[dict[str, object]]) -> str:
    """Write the PNG with gnuplot; returns a message if it could not."""
    gnuplot = shutil.which("gnuplot")
    if not gnuplot:
        return "gnuplot not found: no PNG (install the Debian package gnuplot-nox, or run make bench)"
    data = out / "maintenance_aligned.dat"
    with open(data, "w", encoding="utf-8") as f:
        for r in rows:
            if not r["offset"] and r["platform"] == rows[0]["platform"]:
                keys = ("size", "offset", "dlines", "bound", "by_line", "auto", "all", "libgcc", "compiler_rt", "linux")
                f.write(",".join(str(r[k]) for k in keys) + "\n")
    png = out / "maintenance.png"
    script = GNUPLOT.format(png=png, data=data, platform=rows[0]["platform"])
    proc = subprocess.run([gnuplot], input=script, text=True, capture_output=True, timeout=60)
    if proc.returncode != 0:
        return f"gnuplot failed ({proc.returncode}): {proc.stderr.strip()[:300]}"
    return ""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="bench.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  tests/bench.py\n  tests/bench.py --out /tmp/b\n"
               "  tests/bench.py --log pi4.log   (a console captured from a board: cycles are shown)\n")
    p.add_argument("--image", default=runner.DEFAULT_IMAGE, help="firmware image (default: %(default)s)")
    p.add_argument("--litmus-image", default=DEFAULT_LITMUS_IMAGE,
                   help=f"the litmus image, for the {LITMUS_TEST} figure (default: %(default)s)")
    p.add_argument("--out", default="build/bench", help="directory for logs, CSV and PNG (default: %(default)s)")
    p.add_argument("--timeout", type=runner.positive_seconds, default=BOOT_TIMEOUT,
                   help="wall-clock limit per boot in seconds (default: %(default)g)")
    p.add_argument("--log", metavar="FILE", help="parse a captured console instead of booting QEMU")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        expectations = runner.load_expectations(runner.DEFAULT_EXPECTATIONS)
        results: list[BootResult] = []
        if args.log:
            path = Path(args.log)
            if not path.is_file():
                raise UsageError(f"log file not found: {path}")
            lines = runner.split_lines(path.read_bytes())
            ok, problem = check_console(path.stem, lines, None, False, expectations)
            logged = Boot("bench-icount", "", "", "", f"log {path}", cpu=path.name, qemu="-", kind="icount")
            results.append(BootResult(logged, lines, ok, problem))
        else:
            if not Path(args.image).is_file():
                raise UsageError(f"image not found: {args.image} (run make build first, or pass --image)")
            environ = dict(os.environ)
            for b in BOOTS:
                image = args.litmus_image if b.litmus else args.image
                if b.litmus and not Path(image).is_file():
                    print(f"== {b.name}: skipped, {image} not built (make litmus-build)", flush=True)
                    continue
                qemu, why = runner.qemu_command(b.qemu, environ)
                if why:
                    print(f"== {b.name}: skipped, {why}", flush=True)
                    continue
                if shutil.which(qemu[0]) is None:
                    raise UsageError(f"program not found: {qemu[0]} (set QEMU=/path/to/qemu-system-aarch64)")
                results.append(boot(b, image, qemu, out, expectations, args.timeout))
    except UsageError as exc:
        print(f"bench.py: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"bench.py: error: {exc}", file=sys.stderr)
        return 2

    try:
        load = os.getloadavg()
        print(f"\nhost: {os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
              f"(wall-clock rates depend on it); QEMU TCG, not silicon")
    except OSError:
        pass
    tables = [(r.boot, parse_bench_lines(r.lines)) for r in results]
    missed: list[str] = []
    rows: list[dict[str, object]] = []
    try:
        for b, t in tables:
            if b.kind != "icount":
                continue
            platform_rows = maintenance_rows(t.get("maint", []), t.get("maint_cycles", []),
                                             (t.get("maint_setup") or [{}])[0], b.platform)
            if platform_rows:
                missed += maintenance_report(platform_rows, cycles_meaningful=bool(args.log))
                rows += platform_rows
            else:
                print(f"\nMaintenance on {b.platform}: no figures (no '# BENCH maint' line in the console)")
        handoff_rows, handoff_missed = handoff_report([(b, t.get("handoff", [])) for b, t in tables])
        missed += handoff_missed
        missed += litmus_report([r for b, t in tables if b.kind == "litmus" for r in t.get("litmus", [])])
    except UsageError as exc:
        print(f"bench.py: error: {exc}", file=sys.stderr)
        return 1
    print("\nTargets (issue 17; reported, not asserted): " + ("all met" if not missed else "MISSED:"))
    for text in missed:
        print(f"  - {text}")
    write_csv(out / "maintenance.csv", rows)
    write_csv(out / "handoff.csv", handoff_rows)
    message = plot(out, rows) if rows else "no maintenance figures: no PNG"
    print(f"\nwritten: {out}/maintenance.csv, {out}/handoff.csv"
          + ("" if message else f", {out}/maintenance.png"))
    if message:
        print(f"bench.py: {message}")
    status = 0
    for r in results:
        if not r.ok:
            print(f"bench.py: {r.boot.name}: {r.problem}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
