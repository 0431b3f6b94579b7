#!/usr/bin/env python3
"""Times `pipe validate` on a generated pipeline of N stages (default 2,000) and prints the median.

Usage: python3 bench/validate/large_pipeline.py [--stages N] [--runs R] [--pipe .build/release/pipe]
Build first with `swift build -c release`.
"""
import argparse, os, statistics, subprocess, tempfile, time

def pipeline(n):
    lines = ["name: large", "seed: 7", "params:", "  lr: 0.001", "  size: 224", "stages:"]
    kinds = [
        ("command", '{ run: "echo %d", deps: [data/a.txt], outs: [out.txt] }'),
        ("split", "{ train: 0.6, val: 0.2, test: 0.2, group_by: patient, stratify: label }"),
        ("fine-tune", '{ image_size: "${params.size}", optimizer: { name: adam, lr: "${params.lr}" }, epochs: 3, '
                      'head: [{ layer: global_average_pool }, { layer: dense, units: 2, activation: softmax }] }'),
        ("evaluate", "{ split: test, threshold: youden-on-val, bootstrap: 100 }"),
    ]
    for i in range(n):
        kind, body = kinds[i % len(kinds)]
        if "%d" in body:
            body = body % i
        lines.append(f"  s{i}:")
        lines.append(f"    kind: {kind}")
        if i:
            needs = sorted({f"s{i - 1}", f"s{i // 2}"} - {f"s{i}"})
            lines.append(f"    needs: [{', '.join(needs)}]")
        lines.append(f"    with: {body}")
    return "\n".join(lines) + "\n"

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--stages", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--pipe", default=".build/release/pipe")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "large.yaml")
        with open(path, "w") as f:
            f.write(pipeline(args.stages))
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            result = subprocess.run([args.pipe, "validate", path], capture_output=True, text=True)
            times.append(time.perf_counter() - start)
            if result.returncode != 0:
                raise SystemExit(f"pipe validate failed:\n{result.stderr[:2000]}")
        size = os.path.getsize(path)
    print(f"pipe validate, {args.stages} stages ({size // 1024} KiB): median {statistics.median(times):.3f} s, "
          f"min {min(times):.3f} s, max {max(times):.3f} s over {args.runs} runs")

if __name__ == "__main__":
    main()
