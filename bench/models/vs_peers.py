#!/usr/bin/env python3
"""pipe's model forward and training step against PyTorch 2.13 and Keras 3 (JAX), in the same run.

Usage:
  swift build -c release --product model-bench
  python3 bench/models/vs_peers.py --python /path/to/python-with-torch-torchvision-keras-jax
  options: --arch densenet201 (repeatable), --mode forward|train, --reps 5, --threads N (default: all cores),
           --peers torch,keras, --isa avx2 (all three tools restricted to AVX2 + FMA code on an AVX-512 CPU:
           PIPE_GEMM=avx2, ATEN_CPU_CAPABILITY=avx2 with ONEDNN_MAX_CPU_ISA=AVX2, XLA --xla_cpu_max_isa=AVX2)
Prints ms/img medians, the ratios pipe/PyTorch and pipe/Keras, and each process's peak memory (max RSS).
All three run pinned to the same cores (`taskset -c 0-(N-1)`) with N threads each, printed with the table;
the peers at their fastest CPU settings (see peer.py).
"""
import argparse, os, re, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))

def run(command, env=None):
    out = subprocess.run(["/usr/bin/time", "-f", "maxrss_kb %M"] + command, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        return None, None, (out.stderr or out.stdout)[-400:]
    median = float(re.search(r"median ([0-9.]+) ms/img", out.stdout).group(1))
    rss = int(re.search(r"maxrss_kb (\d+)", out.stderr).group(1)) / 1024
    return median, rss, None

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--python", default=sys.executable)
    p.add_argument("--build", default=".build/release")
    p.add_argument("--arch", action="append")
    p.add_argument("--mode", default="forward")
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    p.add_argument("--peers", default="torch,keras")
    p.add_argument("--isa", choices=["native", "avx2"], default="native")
    a = p.parse_args()
    peers = a.peers.split(",")
    isa = {} if a.isa == "native" else {"PIPE_GEMM": "avx2", "ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2",
                                        "XLA_FLAGS": os.environ.get("XLA_FLAGS", "") + " --xla_cpu_max_isa=AVX2"}
    pin = ["taskset", "-c", f"0-{a.threads - 1}"]
    print(f"{a.threads} threads each, pinned to cores 0-{a.threads - 1}; OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}; "
          f"instruction set: {a.isa} {' '.join(f'{k}={v.strip()}' for k, v in isa.items())}")
    rows = []
    for arch in a.arch or ["densenet201"]:
        size = 299 if "inception" in arch else 224
        batch = 8 if a.mode == "train" else 16
        env = dict(os.environ, OPENBLAS_NUM_THREADS=str(a.threads), OMP_NUM_THREADS=str(a.threads), **isa)
        pipe = run(pin + [os.path.join(a.build, "model-bench"), arch, "--mode", a.mode, "--batch", str(batch), "--size", str(size), "--reps", str(a.reps)], env)
        peer = [str(batch), str(size), str(a.reps), str(a.threads)]
        skipped = (None, None, None)
        torch = run(pin + [a.python, os.path.join(HERE, "peer.py"), "torch", arch, a.mode] + peer, env) if "torch" in peers else skipped
        keras = run(pin + [a.python, os.path.join(HERE, "peer.py"), "keras", arch, a.mode] + peer, env) if "keras" in peers else skipped
        rows.append((arch, batch, size, pipe, torch, keras))
    print(f"| arch | mode | batch | size | pipe ms/img (MB) | PyTorch ms/img (MB) | Keras-JAX ms/img (MB) | pipe/PyTorch | pipe/Keras |")
    print("|---|---|---|---|---|---|---|---|---|")
    for arch, batch, size, pipe, torch, keras in rows:
        def cell(r): return ("failed" if r[2] else "-") if r[0] is None else f"{r[0]:.1f} ({r[1]:.0f})"
        def ratio(x, y): return "-" if x[0] is None or y[0] is None else f"{x[0] / y[0]:.2f}x"
        print(f"| {arch} | {a.mode} | {batch} | {size} | {cell(pipe)} | {cell(torch)} | {cell(keras)} | {ratio(pipe, torch)} | {ratio(pipe, keras)} |")
        for name, r in (("pipe", pipe), ("torch", torch), ("keras", keras)):
            if r[2]:
                print(f"{name} {arch}: {r[2]}", file=sys.stderr)

if __name__ == "__main__":
    main()
