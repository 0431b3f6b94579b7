#!/usr/bin/env python3
"""PyTorch peer of bench/cnn: times the same convolutions as the Swift benchmark.

Reads a JSON list of shapes (NHWC terms, per-side padding) on stdin and prints a JSON list of
[forward seconds, forward+backward seconds], the fastest of --reps runs after a warm-up. With
--stream it answers one shape per input line right away, so cnn-bench can time each shape in
pipe and in PyTorch back to back, under the same machine load.
Run by `cnn-bench --peer python3`; needs torch (CPU build), uses all cores like OpenBLAS does; tensors are
`channels_last` (PyTorch's fastest CPU layout for these convolutions) and forward runs under inference_mode.
"""
import argparse
import json
import sys
import time

import torch
import torch.nn.functional as F


def best(reps, fn):
    fn()
    times = []
    for _ in range(max(reps, 1)):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(s, reps):
    """[forward seconds, forward+backward seconds] for one shape."""
    kh, kw = s["kernel"]
    top, bottom, left, right = s["padding"]
    symmetric = top == bottom and left == right
    x = (torch.rand(s["batch"], s["inChannels"], s["height"], s["width"]) - 0.5).to(memory_format=torch.channels_last)
    w = ((torch.rand(s["outChannels"], s["inChannels"], kh, kw) - 0.5) * 0.1).to(memory_format=torch.channels_last)

    def conv(x, w):
        if symmetric:
            return F.conv2d(x, w, stride=s["stride"], padding=(top, left))
        return F.conv2d(F.pad(x, (left, right, top, bottom)), w, stride=s["stride"])

    with torch.inference_mode():
        forward = best(reps, lambda: conv(x, w))
    xg, wg = x.clone().requires_grad_(), w.clone().requires_grad_()

    def training():
        y = conv(xg, wg)
        y.backward(y.detach())
        xg.grad = None
        wg.grad = None

    return [forward, best(reps, training)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--stream", action="store_true",
                        help="read one JSON shape per line and answer each with one JSON line at once")
    args = parser.parse_args()
    if args.stream:
        for line in sys.stdin:
            if line.strip():
                print(json.dumps(measure(json.loads(line), args.reps)), flush=True)
        return
    json.dump([measure(s, args.reps) for s in json.load(sys.stdin)], sys.stdout)


if __name__ == "__main__":
    main()
