#!/usr/bin/env python3
"""Where does pipe's no-op run spend its time? A perf/strace breakdown on the vs_dvc.py dataset.

It sets up (or reuses) the pipe half of vs_dvc.py's work folder -- 7,909 files of 20 kB and the
three-stage pipeline, run once -- then:

  1. `perf stat -r N` of the no-op `pipe run p.yaml` (CPU time per run, wall time);
  2. `perf record -g` over N no-op runs, and the inclusive share of pipe's main phases, converted to
     milliseconds of CPU per run (share x task-clock);
  3. `strace -c -f` of one no-op run (system calls by count);
  4. with --change, the same for "rewrite one dataset file, rerun" (including fsync counts).

Needs `perf` and `strace` (Debian: apt-get install linux-perf strace); `swift demangle` is used when
on PATH. Usage:
    python3 bench/engine/profile_noop.py [--pipe .build/release/pipe] [--workdir /tmp/pipe-profile] [--runs 20] [--change]
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CHECKOUT = os.path.dirname(os.path.dirname(HERE))

# Phase name -> substrings of the (demangled) symbol whose inclusive share stands for it. The
# first symbol found wins; phases may nest (the sort and the walk are inside the planner).
PHASES = [
    ("whole process inside main()", ["__libc_start_call_main"]),
    ("  argument parsing (ArgumentParser)", ["ParsableCommand.parseAsRoot"]),
    ("  YAML + schema loading and validation", ["PipelineOptions.load()"]),
    ("  Workspace.init (stat cache load)", ["Workspace.init(root:create:)"]),
    ("    StatCache.load: line parsing", ["StatCache.load(_:)"]),
    ("      of which Data.split (with exclusivity checks)", ["Collection.split(maxSplits:omittingEmptySubsequences:whereSeparator:)"]),
    ("  StagePlanner.init (snapshot of the dataset)", ["StagePlanner.init("]),
    ("    FileTree.walk (readdir + stat per file; every walk)", ["FileTree.walk("]),
    ("    sort of the file list (utf8 lexicographicallyPrecedes; every walk)", ["_stableSortImpl"]),
    ("    TreeHasher.hashFiles (stat-cache lookups, SHA-256 of misses)", ["TreeHasher.hashFiles("]),
    ("  Schedule (keys, store lookups, state file)", ["Schedule.advance("]),
    ("  PipelineState.load (JSON decode)", ["PipelineState.load("]),
    ("  stages running (thread per stage)", ["start_thread"]),
    ("    post-run input re-check (second walk)", ["PipelineRunner.checkInputsUnchanged"]),
    ("    commit (seal, hash output, meta.json, rename)", ["PipelineRunner.commit("]),
    ("  StatCache.save", ["StatCache.save()"]),
    ("    FileManager.fileExists per entry", ["FileManager.fileExists(atPath:)"]),
    ("  AtomicFile.write (all callers)", ["AtomicFile.write("]),
    ("  teardown (deinit of the stat cache etc.)", ["Workspace.__deallocating_deinit"]),
    ("dynamic loader (ld.so relocation + symbol lookup)", ["_dl_relocate_object", "_dl_start"]),
]


def sh(argv, **kw):
    return subprocess.run(argv, check=True, capture_output=True, text=True, **kw)


def ensure_workdir(pipe, workdir):
    if not os.path.exists(os.path.join(workdir, "pipe", "p.yaml")):
        print(f"setting up {workdir} with vs_dvc.py --only pipe ...", flush=True)
        subprocess.run([sys.executable, os.path.join(HERE, "vs_dvc.py"), "--only", "pipe", "--rounds", "1",
                        "--pipe", pipe, "--workdir", workdir], check=True, stdout=subprocess.DEVNULL)
    root = os.path.join(workdir, "pipe")
    # Settle: files changed last are re-remembered by the stat cache only after 0.2 s.
    time.sleep(0.3)
    for _ in range(2):
        sh([pipe, "run", "p.yaml"], cwd=root)
    return root


def task_clock(pipe, root, runs):
    """perf stat: mean task-clock (ms CPU) and elapsed time (s) per no-op run."""
    out = subprocess.run(["perf", "stat", "-r", str(runs), pipe, "run", "p.yaml"], cwd=root,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True).stderr
    cpu = float(re.search(r"([0-9.,]+) msec task-clock", out).group(1).replace(",", ""))
    wall = float(re.search(r"([0-9.]+) \+- [0-9.]+ seconds time elapsed", out).group(1))
    return cpu, wall


def demangle(text):
    tool = shutil.which("swift")
    if not tool:
        return text
    result = subprocess.run([tool, "demangle", "--simplified"], input=text, capture_output=True, text=True)
    return result.stdout if result.returncode == 0 else text


def breakdown(data, cpu_per_run, runs, comm):
    report = subprocess.run(["perf", "report", "-i", data, "--comm", comm, "--children", "--sort", "symbol",
                             "--stdio", "-g", "none", "--percentage", "relative"],
                            capture_output=True, text=True).stdout
    report = demangle(report)
    shares = {}
    for line in report.splitlines():
        m = re.match(r"\s*([0-9.]+)%\s+([0-9.]+)%\s+\[[.k]\]\s+(.*\S)", line)
        if m:
            shares.setdefault(m.group(3), float(m.group(1)))
    rows = []
    for name, patterns in PHASES:
        share = None
        for pattern in patterns:
            found = [v for k, v in shares.items() if pattern in k]
            if found:
                share = max(found)
                break
        rows.append((name, share))
    print(f"{'phase (inclusive)':66s} {'share':>7s} {'ms CPU/run':>11s}")
    for name, share in rows:
        if share is None:
            print(f"{name:66s} {'-':>7s} {'-':>11s}")
        else:
            print(f"{name:66s} {share:6.1f}% {share * cpu_per_run / 100:10.1f}")
    self_report = subprocess.run(["perf", "report", "-i", data, "--comm", comm, "--no-children", "--sort", "dso,symbol",
                                  "--stdio", "-g", "none", "--percentage", "relative"], capture_output=True, text=True).stdout
    self_report = demangle(self_report)
    print("\ntop self time (exclusive):")
    shown = 0
    for line in self_report.splitlines():
        m = re.match(r"\s*([0-9.]+)%\s+(\S+)\s+\[[.k]\]\s+(.*\S)", line)
        if m and shown < 15:
            print(f"  {float(m.group(1)):5.1f}%  {m.group(2):28s} {m.group(3)[:110]}")
            shown += 1


def strace_counts(pipe, root, label):
    with tempfile.NamedTemporaryFile("r", suffix=".strace") as f:
        subprocess.run(["strace", "-c", "-f", "-o", f.name, pipe, "run", "p.yaml"], cwd=root,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        lines = f.read().splitlines()
    print(f"\nstrace -c -f, {label} (calls; strace inflates the times, so only counts are shown):")
    counts = []
    for line in lines:
        parts = line.split()
        if len(parts) >= 5 and parts[0][0].isdigit() and parts[-1] not in ("total",):
            calls = int(parts[3])
            counts.append((calls, parts[-1]))
    counts.sort(reverse=True)
    print("  " + ", ".join(f"{name} {calls}" for calls, name in counts[:14]))
    fsync = [c for c, n in counts if n in ("fsync", "fdatasync")]
    print(f"  fsync calls: {sum(fsync)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pipe", default=os.path.join(CHECKOUT, ".build/release/pipe"))
    parser.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "pipe-profile"))
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--change", action="store_true", help="also profile 'rewrite one file, rerun'")
    args = parser.parse_args()
    for tool in ("perf", "strace"):
        if not shutil.which(tool):
            sys.exit(f"{tool} not found (apt-get install linux-perf strace)")
    pipe = os.path.abspath(args.pipe)
    root = ensure_workdir(pipe, os.path.abspath(args.workdir))
    comm = os.path.basename(pipe)[:15]  # the kernel's process name: the binary's name, cut to 15 bytes

    cpu, wall = task_clock(pipe, root, args.runs)
    print(f"no-op `pipe run p.yaml` in {root}: {cpu:.1f} ms CPU (task-clock) and {wall * 1000:.1f} ms wall per run, "
          f"mean of {args.runs} (perf stat); load average {os.getloadavg()[0]:.2f}")
    version = subprocess.run(["perf", "stat", "-x", ",", "-e", "task-clock", "-r", str(args.runs), pipe, "version"],
                             cwd=root, capture_output=True, text=True).stderr
    print(f"`pipe version` (process start floor): {float(version.strip().splitlines()[-1].split(',')[0]):.1f} ms CPU per run\n")

    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "perf.data")
        loop = f'for i in $(seq {args.runs}); do "{pipe}" run p.yaml >/dev/null; done'
        subprocess.run(["perf", "record", "-F", "2999", "-g", "-o", data, "--", "sh", "-c", loop], cwd=root,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        breakdown(data, cpu, args.runs, comm)
    strace_counts(pipe, root, "no-op run")

    if args.change:
        files = sorted(os.path.join(dp, f) for dp, _, fs in os.walk(os.path.join(root, "data")) for f in fs)
        with tempfile.TemporaryDirectory() as tmp:
            data = os.path.join(tmp, "perf.data")
            listing = os.path.join(tmp, "files")
            with open(listing, "w") as f:
                f.write("\n".join(files[17:17 + args.runs]) + "\n")
            loop = (f'while read f; do head -c 20000 /dev/urandom > "$f"; sleep 0.3; "{pipe}" run p.yaml >/dev/null; '
                    f'done < "{listing}"')
            subprocess.run(["perf", "record", "-F", "2999", "-g", "-o", data, "--", "sh", "-c", loop], cwd=root,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            print(f"\n--- one file changed, rerun ({args.runs} rounds) ---")
            # CPU per run of pipe itself (not its stage commands), from its sample count at 2999 Hz.
            counts = subprocess.run(["perf", "report", "-i", data, "-n", "--no-children", "--sort", "comm", "--stdio", "-g", "none"],
                                    capture_output=True, text=True).stdout
            by_comm = {m.group(2): int(m.group(1)) for m in re.finditer(r"^\s*[0-9.]+%\s+(?:[0-9.]+%\s+)?(\d+)\s+(\S+)", counts, re.M)}
            pipe_cpu = by_comm.get(comm, 0) / 2999 * 1000 / args.runs
            others = ", ".join(f"{k} {v / 2999 * 1000 / args.runs:.0f} ms" for k, v in sorted(by_comm.items(), key=lambda kv: -kv[1]) if k != comm)
            print(f"pipe's own CPU per run (samples / 2999 Hz): about {pipe_cpu:.0f} ms; its stage commands: {others}")
            breakdown(data, pipe_cpu, args.runs, comm)
        head = files[5]
        with open(head, "wb") as f:
            f.write(os.urandom(20000))
        strace_counts(pipe, root, "one file changed")


if __name__ == "__main__":
    main()
