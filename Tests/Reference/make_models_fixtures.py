"""Writes the Models test fixtures in Tests/Reference/models/.

Run from the repository root:

    python3 -m venv /work/.venv-models
    /work/.venv-models/bin/pip install keras jax h5py safetensors numpy torch==2.13.0+cpu
    /work/.venv-models/bin/pip install --no-deps torchvision==0.28.0
    KERAS_BACKEND=jax /work/.venv-models/bin/python Tests/Reference/make_models_fixtures.py

Keras 3 (JAX backend) builds a reduced DenseNet (`DenseNet(blocks=[1, 1, 1, 0])`, 32x32 input,
5 classes) with `weights=None`, randomises every weight (including batch-norm statistics, which
start as 0/1), saves it as a Keras 2 style `.h5` and a Keras 3 `.weights.h5` (renamed `.hdf5`, as
the repository ignores `*.h5`), and records `model.predict` on fixed images. torchvision does the
same for a reduced DenseNet (growth 8, blocks (2, 1, 1), 16 initial features) exported to
safetensors. A hand-written Keras 2 style file checks old naming. Full-size ResNet50, VGG16 and
InceptionV3 of both frameworks get formula weights (no files) and their outputs are recorded, as
are the parameter counts of every architecture. Everything is seeded; reruns give the same files.
"""
import base64
import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")

import h5py
import keras
import numpy as np
import torch

# torchvision's compiled operators may not match this torch build; its fake-tensor registrations
# are not needed here, so they become no-ops before the import.
torch.library.register_fake = lambda *args, **kwargs: (lambda function: function)
import torchvision  # noqa: E402
from keras.src.applications import imagenet_utils  # noqa: E402
from keras.src.applications.densenet import DenseNet as KerasDenseNet  # noqa: E402
from keras.src.legacy.saving import legacy_h5_format  # noqa: E402
from safetensors.numpy import save_file  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models")


def encode(array):
    array = np.ascontiguousarray(array, dtype="<f4")
    return {"shape": list(array.shape), "f32": base64.b64encode(array.tobytes()).decode()}


def images(count, size, seed):
    """Fixed RGB test images: smooth gradients plus noise, as uint8 HWC."""
    rng = np.random.RandomState(seed)
    y, x = np.mgrid[0:size, 0:size] / size
    result = []
    for i in range(count):
        base = np.stack([x * 255, y * 255, (x + y) * 127], axis=-1)
        noisy = base * (0.5 + 0.5 * i) + rng.uniform(-40, 40, size=(size, size, 3))
        result.append(np.clip(noisy, 0, 255).astype(np.uint8))
    return np.stack(result)


def randomise_keras(model, rng):
    for layer in model.layers:
        weights = layer.get_weights()
        if not weights:
            continue
        if isinstance(layer, keras.layers.BatchNormalization):
            c = weights[0].shape
            weights = [rng.uniform(0.5, 1.5, c), rng.normal(0, 0.1, c), rng.normal(0, 0.1, c), rng.uniform(0.5, 1.5, c)]
        elif isinstance(layer, keras.layers.Dense):
            weights = [weights[0] * 4, rng.normal(0, 0.1, weights[1].shape)]
        layer.set_weights([w.astype("float32") for w in weights])


def keras_densenet():
    keras.utils.set_random_seed(1)
    model = KerasDenseNet([1, 1, 1, 0], include_top=True, weights=None, input_shape=(32, 32, 3), classes=5)
    randomise_keras(model, np.random.RandomState(2))
    legacy = os.path.join(OUT, "keras_densenet_tiny.hdf5")
    with h5py.File(legacy, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)
    # Keras insists on the `.weights.h5` suffix; the repository ignores `*.h5`, so the fixtures end in `.hdf5`.
    model.save_weights(os.path.join(OUT, "keras_densenet_tiny.weights.h5"))
    os.replace(os.path.join(OUT, "keras_densenet_tiny.weights.h5"), os.path.join(OUT, "keras_densenet_tiny.weights.hdf5"))
    raw = images(2, 32, 3)
    x = imagenet_utils.preprocess_input(raw.astype("float32"), mode="torch")
    probabilities = model.predict(x, verbose=0)
    return {
        "blocks": [1, 1, 1, 0], "classes": 5, "input": [32, 32],
        "images": {"shape": list(raw.shape), "u8": base64.b64encode(raw.tobytes()).decode()},
        "inputs": encode(x), "probabilities": encode(probabilities),
        "parameters": int(model.count_params()),
    }


def torch_densenet():
    torch.manual_seed(4)
    model = torchvision.models.DenseNet(growth_rate=8, block_config=(2, 1, 1), num_init_features=16, bn_size=4,
                                        num_classes=5)
    generator = torch.Generator().manual_seed(5)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                c = module.num_features
                module.weight.copy_(torch.rand(c, generator=generator) + 0.5)
                module.bias.copy_(torch.randn(c, generator=generator) * 0.1)
                module.running_mean.copy_(torch.randn(c, generator=generator) * 0.1)
                module.running_var.copy_(torch.rand(c, generator=generator) + 0.5)
            elif isinstance(module, torch.nn.Linear):
                module.bias.copy_(torch.randn(module.out_features, generator=generator) * 0.1)
    model.eval()
    state = {k: v.detach().numpy() for k, v in model.state_dict().items()}
    save_file(state, os.path.join(OUT, "torch_densenet_tiny.safetensors"))
    os.chmod(os.path.join(OUT, "torch_densenet_tiny.safetensors"), 0o644)  # safetensors writes 0600
    raw = images(2, 32, 6)
    x = imagenet_utils.preprocess_input(raw.astype("float32"), mode="torch")
    with torch.no_grad():
        logits = model(torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2))))
    probabilities = torch.softmax(logits, dim=1).numpy()
    return {
        "growth": 8, "blocks": [2, 1, 1], "initialFeatures": 16, "bottleneckFactor": 4, "classes": 5, "input": [32, 32],
        "images": {"shape": list(raw.shape), "u8": base64.b64encode(raw.tobytes()).decode()},
        "inputs": encode(x), "probabilities": encode(probabilities),
        "parameters": int(sum(p.numel() for p in model.parameters())),
    }


def preprocessing():
    raw = images(1, 4, 7)
    return {
        "images": {"shape": list(raw.shape), "u8": base64.b64encode(raw.tobytes()).decode()},
        **{mode: encode(imagenet_utils.preprocess_input(raw.astype("float32"), mode=mode))
           for mode in ("torch", "caffe", "tf")},
    }


def formula_values(key, shape):
    """Deterministic weights both this script and the Swift tests compute from a tensor's name and shape.

    `u` cycles through [-0.5, 0.5) with a phase taken from the name; kernels get He-scaled values
    (fan-in from the framework's own layout), batch-norm vectors values near their usual ranges.
    """
    count = int(np.prod(shape)) if len(shape) else 1
    phase = sum((j + 1) * b for j, b in enumerate(key.encode())) % 1009
    i = np.arange(count, dtype=np.int64)
    u = ((i * 7919 + phase * 104729) % 2003).astype(np.float64) / 2003 - 0.5
    name = key.replace("/", ".").split(".")[-1]
    if len(shape) >= 2:
        keras = "/" in key
        fan_in = int(np.prod(shape[:-1])) if keras else int(np.prod(shape[1:]))
        values = u * np.sqrt(24.0 / fan_in)
    elif name in ("gamma", "weight"):
        values = 1 + 0.2 * u
    elif name in ("moving_variance", "running_var"):
        values = 1 + 0.4 * u
    else:  # beta, bias, moving_mean, running_mean
        values = 0.1 * u
    return values.astype(np.float32).reshape(shape)


def ordinal_names(layers, families):
    """Keras automatic names (`conv2d`, `conv2d_1`, ...) renumbered from 1 in creation order."""
    renamed = {}
    for family in families:
        numbered = []
        for layer in layers:
            if layer == family:
                numbered.append((0, layer))
            elif layer.startswith(family + "_") and layer[len(family) + 1:].isdigit():
                numbered.append((int(layer[len(family) + 1:]), layer))
        for rank, (_, layer) in enumerate(sorted(numbered)):
            renamed[layer] = f"{family}_{rank + 1}"
    return renamed


def keras2_style_file():
    """A Keras 2 style weights file as keras-applications published them: slash layer names (`conv1/conv`),
    `:0` weight-name suffixes, fixed-length byte-string attributes, weightless layers with empty lists
    and a classifier named `fc1000`. The model is pipe's smallest Keras DenseNet (blocks [1], growth 4,
    8 initial features, bottleneck factor 2, 3 classes); values are `formula_values` of pipe's key."""
    layers = [("input_1", []), ("zero_padding2d_1", []),
              ("conv1/conv", [("kernel", (7, 7, 3, 8))]),
              ("conv1/bn", [(n, (8,)) for n in ("gamma", "beta", "moving_mean", "moving_variance")]),
              ("conv1/relu", []), ("pool1", []),
              ("conv2_block1_0_bn", [(n, (8,)) for n in ("gamma", "beta", "moving_mean", "moving_variance")]),
              ("conv2_block1_1_conv", [("kernel", (1, 1, 8, 8))]),
              ("conv2_block1_1_bn", [(n, (8,)) for n in ("gamma", "beta", "moving_mean", "moving_variance")]),
              ("conv2_block1_2_conv", [("kernel", (3, 3, 8, 4))]),
              ("conv2_block1_concat", []),
              ("bn", [(n, (12,)) for n in ("gamma", "beta", "moving_mean", "moving_variance")]),
              ("avg_pool", []), ("fc1000", [("kernel", (12, 3)), ("bias", (3,))])]
    with h5py.File(os.path.join(OUT, "keras2_densenet_formula.hdf5"), "w") as f:
        f.attrs["layer_names"] = np.array([name.encode() for name, _ in layers])
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.1.5"
        for name, weights in layers:
            group = f.create_group(name)
            names = [f"{name}/{w}:0".encode() for w, _ in weights]
            group.attrs["weight_names"] = np.array(names) if names else np.array([])
            pipe_layer = "predictions" if name == "fc1000" else name.replace("/", "_")
            for (w, shape), weight_name in zip(weights, names):
                group.create_dataset(weight_name.decode(), data=formula_values(f"{pipe_layer}/{w}", list(shape)))


FORMULA_MODELS = [("resnet50", 32, True), ("vgg16", 32, False), ("inception_v3", 75, True)]


def formula_models():
    """Full-size ResNet50, VGG16 (convolutional part) and InceptionV3 of both frameworks with formula weights:
    logits (or pooled features) for one formula image, so the Swift builds are checked without weight files."""
    results = {}
    apps, tv = keras.applications, torchvision.models
    for name, size, top in FORMULA_MODELS:
        count = size * size * 3
        image = (formula_values("input", [count]) * 2).reshape(1, size, size, 3)
        keras.backend.clear_session()
        build = {"resnet50": apps.ResNet50, "vgg16": apps.VGG16, "inception_v3": apps.InceptionV3}[name]
        kwargs = dict(classes=10, classifier_activation=None) if top else dict(pooling="avg")
        model = build(weights=None, include_top=top, input_shape=(size, size, 3), **kwargs)
        renamed = ordinal_names([layer.name for layer in model.layers], ["conv2d", "batch_normalization"]
                                if name == "inception_v3" else [])
        for layer in model.layers:
            if layer.weights:
                layer_name = renamed.get(layer.name, layer.name)
                layer.set_weights([formula_values(f"{layer_name}/{w.name}", w.shape) for w in layer.weights])
        results[f"keras/{name}"] = {"input": size, "includeTop": top, "output": encode(model.predict(image, verbose=0))}

        if name == "resnet50":
            net = tv.resnet50(num_classes=10)
        elif name == "vgg16":
            net = tv.vgg16()
        else:
            net = tv.inception_v3(num_classes=10, aux_logits=False, init_weights=False)
        state = {k: torch.from_numpy(formula_values(k, list(v.shape))) for k, v in net.state_dict().items()
                 if not k.endswith("num_batches_tracked")}
        net.load_state_dict(state, strict=False)
        net.eval()
        x = torch.from_numpy(np.ascontiguousarray(image.transpose(0, 3, 1, 2)))
        with torch.no_grad():
            output = net(x) if top else net.features(x).mean(dim=(2, 3))
        results[f"torchvision/{name}"] = {"input": size, "includeTop": top, "output": encode(output.numpy())}
    return results


def parameter_counts():
    """Weights (Keras: including batch-norm statistics) and trainable parameters of the full models."""
    counts = {}
    apps = keras.applications
    for name, build in [("densenet121", apps.DenseNet121), ("densenet169", apps.DenseNet169),
                        ("densenet201", apps.DenseNet201), ("resnet50", apps.ResNet50),
                        ("vgg16", apps.VGG16), ("vgg19", apps.VGG19), ("inception_v3", apps.InceptionV3)]:
        model = build(weights=None)
        trainable = int(sum(np.prod(w.shape) for w in model.trainable_weights))
        counts[f"keras/{name}"] = {"weights": int(model.count_params()), "trainable": trainable}
        keras.backend.clear_session()
    tv = torchvision.models
    for name, build in [("densenet121", tv.densenet121), ("densenet169", tv.densenet169),
                        ("densenet201", tv.densenet201), ("resnet50", tv.resnet50), ("vgg16", tv.vgg16),
                        ("vgg19", tv.vgg19), ("inception_v3", lambda: tv.inception_v3(aux_logits=False, init_weights=False))]:
        model = build()
        state = model.state_dict()
        counts[f"torchvision/{name}"] = {
            "weights": int(sum(v.numel() for k, v in state.items() if not k.endswith("num_batches_tracked"))),
            "trainable": int(sum(p.numel() for p in model.parameters())),
        }
    return counts


def main():
    os.makedirs(OUT, exist_ok=True)
    keras2_style_file()
    fixtures = {
        "keras_densenet_tiny": keras_densenet(),
        "torch_densenet_tiny": torch_densenet(),
        "preprocessing": preprocessing(),
        "parameter_counts": parameter_counts(),
        "formula_models": formula_models(),
        "versions": {"keras": keras.__version__, "torch": torch.__version__, "torchvision": torchvision.__version__,
                     "python": sys.version.split()[0]},
    }
    with open(os.path.join(OUT, "fixtures.json"), "w") as f:
        json.dump(fixtures, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
