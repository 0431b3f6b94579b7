#!/usr/bin/env python3
"""Ingest + decode + resize to 224 of 2,000 BreakHis-sized PNGs: pipe (data-bench) against Pillow, same run.

Usage:
  swift build -c release --product data-bench --product pipe
  pip install pillow
  python3 bench/data/vs_pillow.py [--runs 5] [--keep DIR] [--threads N]

The dataset is written by `pipe synth breakhis` (50 patients x 10 images x 4 magnifications = 2,000 PNGs
of 700x460). The Pillow side does the same work: walk the tree, parse each BreakHis file name, open,
convert to RGB and resize to 224x224 with BILINEAR (reducing_gap=None, as pipe's resize matches it).
Both sides use N threads (default: all cores) pinned to the same cores: pipe through `taskset`, Pillow with a
thread pool (its decoders and resize release the GIL) in a process pinned the same way; `--threads 1` compares
them single-threaded.
"""
import argparse, os, re, statistics, subprocess, tempfile, time
from concurrent.futures import ThreadPoolExecutor
from PIL import Image

NAME = re.compile(r"SOB_([BM])_([A-Z]+)-(\d\d)-(\d+[A-Z]*)-(\d+)-(\d+)\.png$")

def load(path, size):
    with Image.open(path) as image:
        image.convert("RGB").resize((size, size), Image.BILINEAR, reducing_gap=None)

def pillow_once(root, size, threads):
    start = time.perf_counter()
    rows = []
    for folder, _, files in os.walk(root):
        for name in files:
            m = NAME.match(name)
            if m:
                rows.append((os.path.join(folder, name), m.group(1), re.match(r"\d+", m.group(4)).group(0)))
    rows.sort()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(lambda row: load(row[0], size), rows))
    return time.perf_counter() - start, len(rows)

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--build", default=".build/release")
    parser.add_argument("--keep", help="write the dataset here and keep it")
    parser.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    args = parser.parse_args()
    cores = set(range(args.threads))
    os.sched_setaffinity(0, cores)
    pin = ["taskset", "-c", f"0-{args.threads - 1}"]
    print(f"{args.threads} threads each, pinned to cores 0-{args.threads - 1}")
    folder = args.keep or tempfile.mkdtemp(prefix="pipe-data-bench-")
    root = os.path.join(folder, "BreaKHis_v1")
    if not os.path.isdir(root):
        subprocess.run([os.path.join(args.build, "pipe"), "synth", "breakhis", "--out", folder, "--patients", "50",
                        "--images-per-patient", "10", "--seed", "1"], check=True)
    pipe_out = subprocess.run(pin + [os.path.join(args.build, "data-bench"), folder, "--size", str(args.size), "--runs", str(args.runs)],
                              check=True, capture_output=True, text=True).stdout
    print(pipe_out, end="")
    pipe_times = [float(line.split()[-2]) for line in pipe_out.splitlines() if line.startswith("run ")]
    pillow_times = []
    for run in range(args.runs):
        seconds, count = pillow_once(folder, args.size, args.threads)
        pillow_times.append(seconds)
        print(f"pillow run {run + 1}: {count} images, {seconds:.3f} s")
    p, q = statistics.median(pipe_times), statistics.median(pillow_times)
    print(f"median: pipe {p:.3f} s, Pillow {q:.3f} s, pipe/Pillow {p / q:.2f}x (target <= 1.0x)")

if __name__ == "__main__":
    main()
