#!/usr/bin/env python3
"""pipe vs DVC 3.x on a BreakHis-sized dataset: the no-op rerun and the one-file-changed rerun.

In a temporary folder it writes a dataset of 7,909 files of 20 kB (random bytes, fixed seed; laid out
like BreakHis: class/patient/magnification/file), and the same three-stage pipeline for both tools:

    list    reads the dataset folder (a dep), writes a listing with sizes and mtimes
    digest  reads list's output, writes its SHA-256
    report  reads digest's output, writes it upper-cased

The commands are cheap shell one-liners, so the tools' own overhead dominates. Each tool runs once to
fill its caches; then the no-op rerun (`pipe run p.yaml` vs `dvc repro`) is timed R times, and then
R rounds of "rewrite one (different) dataset file, rerun" are timed for each tool. For pipe the time
beyond the stages' own time is the wall time minus the `STAGE: ran in X s` figures it prints.

Usage:
    swift build -c release --product pipe            # in the checkout
    python3 -m venv /work/.venv-dvc && /work/.venv-dvc/bin/pip install 'dvc>=3,<4'
    python3 bench/engine/vs_dvc.py [--pipe .build/release/pipe] [--dvc /work/.venv-dvc/bin/dvc |
                                   --dvc-python /work/.venv-dvc/bin/python] [--rounds 9] [--files 7909]

Without --dvc/--dvc-python it uses `dvc` on PATH, else /work/.venv-dvc/bin/dvc. Only the standard
library is needed to run this script itself.
"""
import argparse
import os
import random
import resource
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CHECKOUT = os.path.dirname(os.path.dirname(HERE))

# The shell commands both tools run. `ls -lR --time-style=full-iso` prints sizes and mtimes in
# nanoseconds, so rewriting any one file changes the listing and all three stages rerun in both tools.
LIST = "ls -lR --time-style=full-iso data"
DIGEST = "sha256sum < {src} > {dst}"
REPORT = "tr a-f A-F < {src} > {dst}"


def pipe_yaml():
    return f"""\
# The benchmark pipeline of bench/engine/vs_dvc.py (the same stages as dvc.yaml beside it).
name: bench-engine
stages:
  list:
    kind: command
    with:
      run: {LIST} > "$PIPE_OUT/listing.txt"
      deps: [data]
      outs: [listing.txt]
  digest:
    kind: command
    needs: [list]
    with:
      run: {DIGEST.format(src='"$PIPE_IN_LIST/listing.txt"', dst='"$PIPE_OUT/digest.txt"')}
      outs: [digest.txt]
  report:
    kind: command
    needs: [digest]
    with:
      run: {REPORT.format(src='"$PIPE_IN_DIGEST/digest.txt"', dst='"$PIPE_OUT/report.txt"')}
      outs: [report.txt]
"""


def dvc_yaml():
    return f"""\
stages:
  list:
    cmd: {LIST} > listing.txt
    deps: [data]
    outs: [listing.txt]
  digest:
    cmd: {DIGEST.format(src='listing.txt', dst='digest.txt')}
    deps: [listing.txt]
    outs: [digest.txt]
  report:
    cmd: {REPORT.format(src='digest.txt', dst='report.txt')}
    deps: [digest.txt]
    outs: [report.txt]
"""


def dataset_paths(count):
    """BreakHis-like relative paths: 82 patients (24 benign, 58 malignant) x 4 magnifications."""
    patients = [("benign", f"SOB_B_{i:02d}") for i in range(24)] + [("malignant", f"SOB_M_{i:02d}") for i in range(58)]
    folders = [f"{label}/{patient}/{mag}" for label, patient in patients for mag in ("40X", "100X", "200X", "400X")]
    return [f"{folders[i % len(folders)]}/{patients[i % len(folders) // 4][1]}-{i:05d}.png" for i in range(count)]


def write_dataset(root, count, size, seed):
    rng = random.Random(seed)
    paths = dataset_paths(count)
    for rel in paths:
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(rng.randbytes(size))
    return paths


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


LAST_CPU = [0.0]


def timed(argv, cwd, env):
    """Runs argv; returns its wall time and output. Its CPU time (user + system, with every process it
    waited for) is left in LAST_CPU[0]: on a busy machine it is steadier than the wall time."""
    cpu = children_cpu()
    start = time.perf_counter()
    result = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    LAST_CPU[0] = children_cpu() - cpu
    if result.returncode != 0:
        sys.exit(f"`{' '.join(argv)}` failed with status {result.returncode} in {cwd}:\n"
                 f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return elapsed, result.stdout + result.stderr


STAGE_TIME = re.compile(r"^(\S+): ran in ([0-9.]+) s$", re.M)


def stage_seconds(output):
    """The sum of pipe's `STAGE: ran in X s` lines, and how many there were."""
    times = [float(t) for _, t in STAGE_TIME.findall(output)]
    return sum(times), len(times)


def summary(times):
    return statistics.median(times), min(times), max(times)


def fmt(times):
    med, lo, hi = summary(times)
    return f"median {med:.3f} s (min {lo:.3f}, max {hi:.3f})"


def find_dvc(args):
    if args.dvc_python:
        return [args.dvc_python, "-m", "dvc"]
    if args.dvc:
        return [args.dvc]
    on_path = shutil.which("dvc")
    if on_path:
        return [on_path]
    venv = "/work/.venv-dvc/bin/dvc"
    if os.path.exists(venv):
        return [venv]
    sys.exit("no dvc found: pass --dvc PATH or --dvc-python PYTHON (see the docstring)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pipe", default=os.path.join(CHECKOUT, ".build/release/pipe"), help="the pipe binary (release build)")
    parser.add_argument("--dvc", help="the dvc executable (default: dvc on PATH, else /work/.venv-dvc/bin/dvc)")
    parser.add_argument("--dvc-python", help="a python with dvc installed; runs `PYTHON -m dvc`")
    parser.add_argument("--rounds", type=int, default=9, help="timed runs per measurement (default 9)")
    parser.add_argument("--files", type=int, default=7909, help="dataset files (default 7,909, as BreakHis)")
    parser.add_argument("--size", type=int, default=20_000, help="bytes per file (default 20,000)")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--workdir", help="use this (new or empty) folder instead of a temporary one, and keep it")
    parser.add_argument("--only", choices=["pipe", "dvc"], help="time one tool only (no ratio)")
    args = parser.parse_args()

    pipe = os.path.abspath(args.pipe)
    tools = ["pipe", "dvc"] if args.only is None else [args.only]
    if "pipe" in tools and not os.access(pipe, os.X_OK):
        sys.exit(f"no pipe binary at {pipe}: run `swift build -c release --product pipe` in the checkout")
    dvc = find_dvc(args) if "dvc" in tools else None

    env = dict(os.environ)
    env.update(DVC_NO_ANALYTICS="1", DVC_NO_UPDATER="1", GIT_TERMINAL_PROMPT="0",
               GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@localhost",
               GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@localhost")
    if "pipe" in tools and "PIPE_SCHEMAS" not in env and not os.path.isdir(os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(pipe))), "schemas")):
        env["PIPE_SCHEMAS"] = os.path.join(CHECKOUT, "schemas")

    if args.workdir:
        os.makedirs(args.workdir, exist_ok=True)
        work = os.path.abspath(args.workdir)
        cleanup = None
    else:
        cleanup = tempfile.TemporaryDirectory(prefix="pipe-bench-engine-")
        work = cleanup.name

    try:
        run(args, tools, pipe, dvc, env, work)
    finally:
        if cleanup is not None:
            cleanup.cleanup()


def run(args, tools, pipe, dvc, env, work):
    # One folder per tool, each with its own copy of the dataset, so neither tool's files (state
    # folders, outputs, .gitignore) are in the other's way; both copies get the same edits.
    roots = {tool: os.path.join(work, tool) for tool in tools}
    t0 = time.perf_counter()
    for tool, root in roots.items():
        os.makedirs(root, exist_ok=True)
        paths = write_dataset(os.path.join(root, "data"), args.files, args.size, args.seed)
    print(f"dataset: {args.files} files x {args.size} B in {len(set(os.path.dirname(p) for p in paths))} folders "
          f"per tool, written in {time.perf_counter() - t0:.1f} s under {work}")

    commands = {}
    if "pipe" in roots:
        with open(os.path.join(roots["pipe"], "p.yaml"), "w") as f:
            f.write(pipe_yaml())
        commands["pipe"] = [pipe, "run", "p.yaml"]
        print("pipe:", subprocess.run([pipe, "version"], capture_output=True, text=True, env=env).stdout.strip().splitlines()[0])
    if "dvc" in roots:
        root = roots["dvc"]
        subprocess.run(["git", "init", "-q"], cwd=root, env=env, check=True)
        subprocess.run(dvc + ["init", "-q"], cwd=root, env=env, check=True)
        for key, value in [("core.analytics", "false"), ("core.autostage", "false"), ("core.check_update", "false")]:
            # core.check_update is gone in recent 3.x releases; DVC_NO_UPDATER covers those.
            subprocess.run(dvc + ["config", key, value], cwd=root, env=env, capture_output=True)
        with open(os.path.join(root, "dvc.yaml"), "w") as f:
            f.write(dvc_yaml())
        subprocess.run(["git", "add", "-A", ".dvc", ".dvcignore", "dvc.yaml"], cwd=root, env=env, check=True)
        subprocess.run(["git", "commit", "-q", "-m", "bench pipeline"], cwd=root, env=env, check=True)
        commands["dvc"] = dvc + ["repro"]
        print("dvc:", subprocess.run(dvc + ["--version"], capture_output=True, text=True, env=env).stdout.strip())

    # The stages' own cost: the three commands run directly by sh, in the same folder layout.
    own_dir = os.path.join(work, "own")
    os.makedirs(own_dir, exist_ok=True)
    data = roots[tools[0]] + "/data"
    os.symlink(data, os.path.join(own_dir, "data"))
    script = f"{LIST} > listing.txt && {DIGEST.format(src='listing.txt', dst='digest.txt')} && {REPORT.format(src='digest.txt', dst='report.txt')}"
    own = [timed(["sh", "-c", script], own_dir, env)[0] for _ in range(args.rounds)]

    # Process start floors: `pipe version` and `dvc version` do no pipeline work.
    start = {}
    if "pipe" in tools:
        start["pipe"] = [timed([pipe, "version"], roots["pipe"], env)[0] for _ in range(args.rounds)]
    if "dvc" in tools:
        start["dvc"] = [timed(dvc + ["--version"], roots["dvc"], env)[0] for _ in range(args.rounds)]

    # First runs fill the caches (and hash the whole dataset).
    first = {}
    for tool in tools:
        first[tool], out = timed(commands[tool], roots[tool], env)
        if tool == "pipe" and stage_seconds(out)[1] != 3:
            sys.exit(f"expected pipe to run 3 stages on its first run, got:\n{out}")
    # A second untimed rerun each: pipe's stat cache skips files modified within 0.2 s of hashing,
    # and DVC may settle its state database; the timed no-op runs below start from a steady state.
    for tool in tools:
        time.sleep(0.3)
        timed(commands[tool], roots[tool], env)

    noop = {tool: [] for tool in tools}
    noop_cpu = {tool: [] for tool in tools}
    for i in range(args.rounds):
        for tool in (tools if i % 2 == 0 else tools[::-1]):
            elapsed, out = timed(commands[tool], roots[tool], env)
            if tool == "pipe" and stage_seconds(out)[1] != 0:
                sys.exit(f"pipe reran a stage on a no-op run:\n{out}")
            if tool == "dvc" and "Running stage" in out:
                sys.exit(f"dvc reran a stage on a no-op run:\n{out}")
            noop[tool].append(elapsed)
            noop_cpu[tool].append(LAST_CPU[0])

    paths = dataset_paths(args.files)
    rng = random.Random(args.seed + 1)
    change = {tool: [] for tool in tools}
    change_cpu = {tool: [] for tool in tools}
    beyond = []
    stage_own = []
    for i in range(args.rounds):
        rel = paths[(i * 7919 + 1234) % len(paths)]
        content = rng.randbytes(args.size)
        for tool in tools:
            with open(os.path.join(roots[tool], "data", rel), "wb") as f:
                f.write(content)
        for tool in (tools if i % 2 == 0 else tools[::-1]):
            elapsed, out = timed(commands[tool], roots[tool], env)
            change[tool].append(elapsed)
            change_cpu[tool].append(LAST_CPU[0])
            if tool == "pipe":
                seconds, count = stage_seconds(out)
                if count != 3:
                    sys.exit(f"expected pipe to rerun 3 stages after a change, got:\n{out}")
                stage_own.append(seconds)
                beyond.append(elapsed - seconds)
            if tool == "dvc" and out.count("Running stage") != 3:
                sys.exit(f"expected dvc to rerun 3 stages after a change, got:\n{out}")

    print()
    print(f"stages' own time (the 3 commands run directly by sh): {fmt(own)}")
    for tool in tools:
        print(f"{tool} process start (`{'pipe version' if tool == 'pipe' else 'dvc --version'}`): {fmt(start[tool])}")
    for tool in tools:
        print(f"{tool} first run (hashes the dataset, runs 3 stages): {first[tool]:.3f} s")
    for tool in tools:
        print(f"{tool} no-op rerun: {fmt(noop[tool])}; CPU time {fmt(noop_cpu[tool])}")
    for tool in tools:
        print(f"{tool} one file changed, 3 stages rerun: {fmt(change[tool])}; CPU time {fmt(change_cpu[tool])}")
    if "pipe" in tools:
        print(f"pipe stage times it printed (sum of 3): {fmt(stage_own)}")
        print(f"pipe beyond its printed stage times: {fmt(beyond)}")
        # pipe's printed stage time also covers its own post-run check that the inputs did not change
        # (a second walk of the dataset), so the figure below is pipe's whole overhead.
        print(f"pipe beyond the stages' own time run by sh (wall - {statistics.median(own):.3f} s): "
              f"{fmt([t - statistics.median(own) for t in change['pipe']])}")

    rows = [("no-op rerun", {t: statistics.median(noop[t]) for t in tools}),
            ("1 file changed, rerun", {t: statistics.median(change[t]) for t in tools}),
            ("no-op rerun, CPU time (user+sys)", {t: statistics.median(noop_cpu[t]) for t in tools}),
            ("1 file changed, CPU time (user+sys)", {t: statistics.median(change_cpu[t]) for t in tools})]
    print()
    print(f"Result ({args.files} files x {args.size} B, {args.rounds} rounds, medians)")
    header = "| measurement | " + " | ".join(f"{t} (s)" for t in tools) + (" | dvc / pipe |" if len(tools) == 2 else " |")
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for name, values in rows:
        cells = " | ".join(f"{values[t]:.3f}" for t in tools)
        ratio = f" | {values['dvc'] / values['pipe']:.1f}x |" if len(tools) == 2 else " |"
        print(f"| {name} | {cells}{ratio}")
    if "pipe" in tools:
        med_beyond = statistics.median(beyond)
        print(f"| pipe: 1 file changed, beyond its stage times | {med_beyond:.3f} |" + (" - | - |" if len(tools) == 2 else ""))
        print(f"| pipe: 1 file changed, beyond the stages' own time run by sh | {statistics.median(change['pipe']) - statistics.median(own):.3f} |" + (" - | - |" if len(tools) == 2 else ""))
        print(f"| stages' own time, run by sh | {statistics.median(own):.3f} |" + (" - | - |" if len(tools) == 2 else ""))
    print("| process start (version command) | " + " | ".join(f"{statistics.median(start[t]):.3f}" for t in tools)
          + (f" | {statistics.median(start['dvc']) / statistics.median(start['pipe']):.1f}x |" if len(tools) == 2 else " |"))
    if "pipe" in tools:
        print()
        if len(tools) == 2:
            ratio = statistics.median(noop["dvc"]) / statistics.median(noop["pipe"])
            print(f"target no-op: pipe >= 10x faster than dvc: {'MET' if ratio >= 10 else 'NOT MET'} ({ratio:.1f}x)")
        whole = statistics.median(change["pipe"]) - statistics.median(own)
        print(f"target 1-file change: pipe beyond its printed stage times < 0.2 s: {'MET' if med_beyond < 0.2 else 'NOT MET'} ({med_beyond:.3f} s); "
              f"beyond the stages' own time run by sh: {'MET' if whole < 0.2 else 'NOT MET'} ({whole:.3f} s)")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
