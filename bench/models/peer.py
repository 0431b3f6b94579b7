#!/usr/bin/env python3
"""The peers of model-bench: PyTorch (torchvision) or Keras 3 on JAX, same architecture, batch and size.

Usage: peer.py torch|keras ARCH MODE BATCH SIZE REPS [THREADS]   (prints `median X ms/img`)

Each peer runs at its fastest documented CPU setting: PyTorch with `channels_last` tensors and
`torch.inference_mode()` for forward passes, Keras 3 on JAX with a jitted (XLA) predict/train step. THREADS
(default: all cores) is pinned on both and printed; run it under the same `taskset` as pipe.
"""
import os, sys, time, statistics

framework, arch, mode, batch, size, reps = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
threads = int(sys.argv[7]) if len(sys.argv) > 7 else len(os.sched_getaffinity(0))
if framework == "keras":
    os.environ["XLA_FLAGS"] = os.environ.get("XLA_FLAGS", "") + f" --xla_cpu_multi_thread_eigen=true intra_op_parallelism_threads={threads}"

def report(times):
    for i, t in enumerate(times, 1):
        print(f"rep {i}: {t:.1f} ms/img")
    print(f"median {statistics.median(times):.1f} ms/img")

if framework == "torch":
    import torch
    # torchvision's compiled ops do not match the CPU torch wheel; its models do not need them.
    torch.library.register_fake = lambda *a, **k: (lambda f: f)
    import torchvision
    names = {"densenet201": "densenet201", "resnet50": "resnet50", "vgg19": "vgg19", "inceptionv3": "inception_v3", "inception_v3": "inception_v3"}
    kwargs = {"aux_logits": False, "init_weights": False} if "inception" in arch else {}
    torch.set_num_threads(threads)
    model = getattr(torchvision.models, names[arch])(weights=None, **kwargs).to(memory_format=torch.channels_last)
    x = (torch.rand(batch, 3, size, size) * 2 - 1).to(memory_format=torch.channels_last)
    print(f"torch {torch.__version__}: {torch.get_num_threads()} threads, channels_last, inference_mode")
    y = torch.arange(batch) % 1000
    opt = torch.optim.SGD(model.parameters(), lr=0.001, momentum=0.9)
    def step():
        if mode == "train":
            model.train(); opt.zero_grad(); torch.nn.functional.cross_entropy(model(x), y).backward(); opt.step()
        else:
            model.eval()
            with torch.inference_mode():
                model(x)
else:
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras, numpy as np
    builders = {"densenet201": keras.applications.DenseNet201, "resnet50": keras.applications.ResNet50,
                "vgg19": keras.applications.VGG19, "inceptionv3": keras.applications.InceptionV3, "inception_v3": keras.applications.InceptionV3}
    model = builders[arch](weights=None, input_shape=(size, size, 3))
    import jax
    print(f"keras {keras.__version__} on jax {jax.__version__}: {threads} threads (XLA intra-op), jitted")
    x = np.random.default_rng(0).uniform(-1, 1, (batch, size, size, 3)).astype("float32")
    if mode == "train":
        model.compile(optimizer=keras.optimizers.SGD(0.001, momentum=0.9), loss="sparse_categorical_crossentropy", jit_compile=True)
        y = np.arange(batch) % 1000
        step = lambda: model.train_on_batch(x, y)
    else:
        model.compile(jit_compile=True)
        step = lambda: model.predict_on_batch(x)

step()
times = []
for _ in range(reps):
    start = time.perf_counter(); step(); times.append((time.perf_counter() - start) * 1000 / batch)
report(times)
