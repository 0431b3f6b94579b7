#!/usr/bin/env python3
"""The peers of model-bench: PyTorch (torchvision) or Keras 3 on JAX, same architecture, batch and size.

Usage: peer.py torch|keras ARCH MODE BATCH SIZE REPS   (prints `median X ms/img`)
"""
import os, sys, time, statistics

framework, arch, mode, batch, size, reps = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])

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
    model = getattr(torchvision.models, names[arch])(weights=None, **kwargs)
    x = torch.rand(batch, 3, size, size) * 2 - 1
    y = torch.arange(batch) % 1000
    opt = torch.optim.SGD(model.parameters(), lr=0.001, momentum=0.9)
    def step():
        if mode == "train":
            model.train(); opt.zero_grad(); torch.nn.functional.cross_entropy(model(x), y).backward(); opt.step()
        else:
            model.eval()
            with torch.no_grad():
                model(x)
else:
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras, numpy as np
    builders = {"densenet201": keras.applications.DenseNet201, "resnet50": keras.applications.ResNet50,
                "vgg19": keras.applications.VGG19, "inceptionv3": keras.applications.InceptionV3, "inception_v3": keras.applications.InceptionV3}
    model = builders[arch](weights=None, input_shape=(size, size, 3))
    x = np.random.default_rng(0).uniform(-1, 1, (batch, size, size, 3)).astype("float32")
    if mode == "train":
        model.compile(optimizer=keras.optimizers.SGD(0.001, momentum=0.9), loss="sparse_categorical_crossentropy")
        y = np.arange(batch) % 1000
        step = lambda: model.train_on_batch(x, y)
    else:
        step = lambda: model.predict_on_batch(x)

step()
times = []
for _ in range(reps):
    start = time.perf_counter(); step(); times.append((time.perf_counter() - start) * 1000 / batch)
report(times)
