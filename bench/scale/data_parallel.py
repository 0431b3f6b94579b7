#!/usr/bin/env python3
"""Data-parallel fine-tuning on this machine: step time and the share spent combining gradients, at 1 and 2
ranks, and the ordered reduction's bandwidth; the inputs of the scaling model in README.md.

Runs a whole-network DenseNet201 fine-tune (224 px, random weights: the arithmetic is what is timed) on a
synthetic BreakHis set through `pipe run`, once in one process and once with `resources.ranks: 2` (mpirun),
with the same global batch and shards, checks the two trained models are byte-identical, and prints the
times pipe reports. Then `pipe mpi-check --floats N` times the ordered reduction of DenseNet201-sized
gradients (N floats per rank) over 2 ranks.

    bench/scale/data_parallel.py [--pipe .build/release/pipe] [--images 64] [--batch-per-rank 16]
"""
import argparse, hashlib, os, re, subprocess, tempfile, time

ROOT_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}
DENSENET201_PARAMETERS = 18_096_770  # trainable floats with a 2-class dense head (1920 * 2 + 2 on the backbone's 18.09 M)

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pipe", default=".build/release/pipe")
    parser.add_argument("--images", type=int, default=64, help="training images (a multiple of the global batch)")
    parser.add_argument("--batch-per-rank", type=int, default=16)
    args = parser.parse_args()
    pipe = os.path.abspath(args.pipe)
    work = tempfile.mkdtemp(prefix="pipe-dp-bench-")
    batch = 2 * args.batch_per_rank
    patients = args.images // 2
    with open(os.path.join(work, "dp.yaml"), "w") as f:
        f.write(f"""name: dp
seed: 1
stages:
  synth: {{ kind: synthesize, with: {{ dataset: breakhis, patients: {patients * 2}, images_per_patient: 2, magnifications: [100], width: 350, height: 230 }} }}
  ingest: {{ kind: ingest, needs: [synth], with: {{ dataset: breakhis }} }}
  split: {{ kind: split, needs: [ingest], with: {{ train: 0.5, val: 0.1, test: 0.4 }} }}
  weights: {{ kind: import-weights, with: {{ arch: densenet201, source: none }} }}
  train:
    kind: fine-tune
    needs: [split, weights]
    with:
      freeze: none
      shards: 2
      head: [{{ layer: dense, units: 2 }}]
      optimizer: {{ name: adam, lr: 0.00001 }}
      batch_size: {batch}
      epochs: 1
""")
    env = dict(os.environ, **ROOT_ENV)
    results = {}
    for ranks in (1, 2):
        state = f"state-{ranks}"
        subprocess.run([pipe, "run", "dp.yaml", "--state-dir", state, "--stage", "split", "--stage", "weights"], cwd=work, env=env,
                       check=True, capture_output=True)
        out = subprocess.run([pipe, "run", "dp.yaml", "--state-dir", state, "--set", f"stages.train.resources.ranks={ranks}"],
                             cwd=work, env=env, capture_output=True, text=True)
        text = out.stdout + out.stderr
        if out.returncode:
            raise SystemExit(text)
        seconds = float(re.search(r"train: ran in ([0-9.]+) s", text).group(1))
        folder = subprocess.run([pipe, "outputs", "dp.yaml", "train", "--state-dir", state], cwd=work, capture_output=True,
                                text=True).stdout.split("\t")[1].strip()
        digest = hashlib.sha256(open(os.path.join(folder, "model.safetensors"), "rb").read()).hexdigest()
        history = open(os.path.join(folder, "history.csv")).read().splitlines()
        note = re.search(r"training steps took ([0-9.]+) s in passes and ([0-9.]+) s combining", text)
        results[ranks] = (seconds, digest, note, history)
        print(f"{ranks} rank(s): fine-tune stage {seconds:.1f} s" + (f"; steps: {note.group(1)} s passes, {note.group(2)} s combining "
              f"({100 * float(note.group(2)) / (float(note.group(1)) + float(note.group(2))):.1f} % of step time)" if note else ""))
    print("2 ranks vs 1: model bytes", "identical" if results[1][1] == results[2][1] else "DIFFER")
    check = subprocess.run(["mpirun", "-np", "2", "--oversubscribe", "--bind-to", "none", pipe, "mpi-check",
                            "--floats", str(DENSENET201_PARAMETERS), "--shards-per-rank", "1"], env=env, capture_output=True, text=True)
    reduction = re.search(r"ordered reduction of \d+ x \d+ floats: ([0-9.]+) s", check.stdout)
    if reduction:
        seconds = float(reduction.group(1))
        moved = 2 * (2 - 1) / 2 * DENSENET201_PARAMETERS * 4  # bytes each rank sends: reduce-scatter + allgather
        print(f"ordered reduction of DenseNet201 gradients ({DENSENET201_PARAMETERS} floats) over 2 ranks: {seconds * 1000:.0f} ms, "
              f"{moved / seconds / 1e9:.2f} GB/s per rank sent")
    else:
        print("mpi-check failed:", check.stdout, check.stderr)

if __name__ == "__main__":
    main()
