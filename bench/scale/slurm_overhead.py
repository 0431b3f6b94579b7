#!/usr/bin/env python3
"""What the Slurm executor costs per stage, on the one-node cluster of Tests/Support/local-slurm.sh.

Runs a chain of N trivial command stages with `--executor local` and `--executor slurm` (fresh state each
time, R repetitions), and reports per stage: the whole overhead (slurm - local), the scheduler's part (a bare
`sbatch --wrap` job, from submission until its command ran) and pipe's part (the rest: writing the ticket,
job start-up, reloading the pipeline, noticing the outcome). Then a no-op rerun, which must submit no job.

    sudo bench/scale/slurm_overhead.py [--stages 9] [--reps 5] [--pipe .build/release/pipe]
"""
import argparse, os, statistics, subprocess, tempfile, time

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--stages", type=int, default=9)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--pipe", default=".build/release/pipe")
    args = parser.parse_args()
    pipe = os.path.abspath(args.pipe)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    conf = subprocess.run(["bash", os.path.join(root, "Tests/Support/local-slurm.sh"), "start"], check=True,
                          capture_output=True, text=True).stdout.strip()
    env = dict(os.environ, SLURM_CONF=conf)
    work = tempfile.mkdtemp(prefix="pipe-slurm-bench-")
    lines = [f"name: chain", "stages:"]
    for i in range(args.stages):
        needs = f", needs: [s{i - 1}]" if i else ""
        lines.append(f"  s{i}: {{ kind: command{needs}, with: {{ run: \"echo {i} > $PIPE_OUT/n\" }} }}")
    with open(os.path.join(work, "chain.yaml"), "w") as f:
        f.write("\n".join(lines) + "\n")

    def run(executor, state):
        started = time.monotonic()
        out = subprocess.run([pipe, "run", "chain.yaml", "--executor", executor, "--state-dir", state], cwd=work, env=env,
                             capture_output=True, text=True)
        if out.returncode:
            raise SystemExit(out.stdout + out.stderr)
        return time.monotonic() - started, out.stdout

    def bare_job():
        """Slurm alone: sbatch of a one-line job until its file appears."""
        mark = os.path.join(work, f"bare-{time.monotonic_ns()}")
        started = time.monotonic()
        subprocess.run(["sbatch", "--parsable", "-o", "/dev/null", "--wrap", f"touch {mark}"], env=env, check=True,
                       capture_output=True)
        while not os.path.exists(mark):
            time.sleep(0.01)
        return time.monotonic() - started

    local, slurm = [], []
    bare = [bare_job() for _ in range(args.reps)]
    for rep in range(args.reps):
        local.append(run("local", f"local-{rep}")[0] / args.stages)
        slurm.append(run("slurm", f"slurm-{rep}")[0] / args.stages)
    again, text = run("slurm", f"slurm-{args.reps - 1}")
    print(f"pipe {pipe}, {args.stages} chained stages, {args.reps} runs each, medians:")
    print(f"  local : {statistics.median(local) * 1000:7.1f} ms per stage")
    print(f"  slurm : {statistics.median(slurm) * 1000:7.1f} ms per stage")
    overhead = statistics.median(slurm) - statistics.median(local)
    print(f"  overhead of a Slurm job: {overhead * 1000:7.1f} ms per stage, of which Slurm itself "
          f"(sbatch until a bare job's command ran): {statistics.median(bare) * 1000:.1f} ms, pipe: {(overhead - statistics.median(bare)) * 1000:.1f} ms")
    print(f"  no-op rerun: {again * 1000:.0f} ms, jobs submitted: {text.count('submitted as Slurm job')}")

if __name__ == "__main__":
    main()
