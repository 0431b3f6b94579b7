#!/usr/bin/env python3
"""What the persistent activation cache saves: breakhis-densenet-fast.yaml's phase 1 on a full-size synthetic BreakHis.

Writes a synthetic BreakHis (82 patients, 4 magnifications, 24 images each: 7,872 images of 700x460), then with
one store and the frozen DenseNet201 backbone at 224 px (random weights: no download; the time is the same):
  1. the first run through the `head` stage (features computed once, then the head trained),
  2. a rerun after `--set params.head_lr=...` (the head retrains; every image's features come from the store),
  3. a second pipeline with another head over the same weights and images.
Prints each head stage's time, its ratio to the first, and how much the store grew (hard links counted once).

    bench/cache/activation_cache.py [--pipe .build/release/pipe] [--work DIR] [--per-magnification 24]
"""
import argparse, json, os, subprocess, tempfile, time

def disk_usage(folder):
    """Bytes of the files under `folder`, each inode once (so pooled blobs count once)."""
    seen, total = set(), 0
    for parent, _, files in os.walk(folder):
        for name in files:
            info = os.lstat(os.path.join(parent, name))
            if info.st_ino not in seen:
                seen.add(info.st_ino)
                total += info.st_blocks * 512
    return total

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pipe", default=".build/release/pipe")
    parser.add_argument("--work", default=None)
    parser.add_argument("--patients", type=int, default=82)
    parser.add_argument("--per-magnification", type=int, default=24)
    args = parser.parse_args()
    pipe = os.path.abspath(args.pipe)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    work = args.work or tempfile.mkdtemp(prefix="pipe-cache-bench-")
    data = os.path.join(work, "data")
    if not os.path.isdir(os.path.join(data, "BreaKHis_v1")):
        started = time.monotonic()
        subprocess.run([pipe, "synth", "breakhis", "--out", data, "--patients", str(args.patients),
                        "--images-per-patient", str(args.per_magnification), "--difficulty", "moderate"], check=True)
        print(f"synthetic BreakHis written in {time.monotonic() - started:.0f} s")
    images = sum(len(files) for _, _, files in os.walk(data))
    state = os.path.join(work, ".pipe")
    fast = os.path.join(root, "pipelines", "breakhis-densenet-fast.yaml")
    other = os.path.join(work, "other-head.yaml")
    with open(fast) as source, open(other, "w") as target:
        text = source.read().replace("name: breakhis-densenet-fast", "name: other-head")
        target.write(text.replace("        - { layer: dropout, rate: 0.5 }\n",
                                  "        - { layer: dense, units: 64, activation: relu }\n        - { layer: dropout, rate: 0.5 }\n", 1))
    common = ["--set", f"params.data={os.path.join(data, 'BreaKHis_v1')}", "--set", "stages.weights.with.source=none",
              "--stage", "head", "--state-dir", state, "--json"]

    def run(pipeline, *extra):
        started = time.monotonic()
        out = subprocess.run([pipe, "run", pipeline, *common, *extra], cwd=work, capture_output=True, text=True)
        wall = time.monotonic() - started
        if out.returncode:
            raise SystemExit(out.stdout + out.stderr)
        stages = {s["name"]: s for s in json.loads(out.stdout)["stages"]}
        notes = [line for line in out.stderr.splitlines() if "from the store's cache" in line]
        return wall, stages["head"], notes

    rows = []
    before = disk_usage(state) if os.path.isdir(state) else 0
    wall, head, notes = run(fast)
    first = head["seconds"]
    rows.append(("first run", wall, head, disk_usage(state) - before, notes))
    before = disk_usage(state)
    wall, head, notes = run(fast, "--set", "params.head_lr=0.0005")
    rows.append(("--set params.head_lr=0.0005", wall, head, disk_usage(state) - before, notes))
    before = disk_usage(state)
    wall, head, notes = run(other)
    rows.append(("second pipeline, another head", wall, head, disk_usage(state) - before, notes))
    print(f"pipe {pipe}, {images} images below {data}, store {state}")
    print(f"{'run':32} {'head stage':>11} {'vs first':>9} {'whole run':>10} {'store growth':>13}")
    for name, wall, head, grew, notes in rows:
        print(f"{name:32} {head['seconds']:9.1f} s {head['seconds'] / first * 100:8.1f}% {wall:8.1f} s {grew / 1e6:10.2f} MB"
              f"  ({head['status']})")
        for note in notes:
            print(f"    {note.strip()}")

if __name__ == "__main__":
    main()
