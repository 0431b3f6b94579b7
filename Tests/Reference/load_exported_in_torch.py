"""Loads the files `pipe export` writes into PyTorch and records PyTorch's probabilities as a test fixture.

`pipe export MODEL_DIR --output model.safetensors` writes model.safetensors (backbone under torchvision's
tensor names, head as `head.<i>`, PyTorch layouts) and model.json (architecture, DenseNet shape, head layers,
classes, input size, preprocessing). `build(config)` turns the config into a torchvision module with the head
as an `nn.Sequential`; `load(path)` loads the file into it strictly (no missing or unexpected keys).

Setup (torch 2.13 cpu is installed system-wide; torchvision's CUDA wheel works with the patch below):

    python3 -m venv --system-site-packages /work/.venv-export
    /work/.venv-export/bin/pip install safetensors pillow
    /work/.venv-export/bin/pip install --no-deps torchvision==0.28.0

Classify images with an export:

    /work/.venv-export/bin/python Tests/Reference/load_exported_in_torch.py model.safetensors a.png b.png

Regenerate the fixture of Tests/StagesTests/ClassifierExportTests.swift (from the repository root):

    # 1. Only when the export format changed on purpose: rewrite the committed exports the fixture is made from.
    PIPE_UPDATE_EXPORT_FIXTURE=1 swift test --filter ClassifierExportTests
    # 2. Load them in PyTorch, classify fixed images and write models/export/torch_probabilities.json.
    /work/.venv-export/bin/python Tests/Reference/load_exported_in_torch.py

The fixture records each export's SHA-256, so the Swift test notices when it was made from other files.
Everything is seeded; reruns give the same fixture.
"""
import base64
import hashlib
import json
import os
import sys

import numpy as np
import torch
from safetensors.torch import load_file

# torchvision's compiled operators may not match this torch build; its fake-tensor registrations
# are not needed here, so they become no-ops before the import.
torch.library.register_fake = lambda *args, **kwargs: (lambda function: function)
import torchvision  # noqa: E402
from PIL import Image  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models", "export")


def head_layer(entry):
    kind = entry["layer"]
    if kind == "linear":
        return torch.nn.Linear(entry["in_features"], entry["out_features"])
    if kind == "batch_norm":
        return torch.nn.BatchNorm1d(entry["num_features"], eps=entry["epsilon"])
    if kind == "dropout":
        return torch.nn.Dropout(entry["p"])
    if kind == "relu":
        return torch.nn.ReLU()
    raise ValueError(f"unknown head layer {kind!r}")


def build(config):
    """The torchvision trunk (its own classifier replaced by Identity) with the head registered as `head`."""
    architecture = config["architecture"]
    if "densenet" in config:
        d = config["densenet"]
        net = torchvision.models.DenseNet(growth_rate=d["growth_rate"], block_config=tuple(d["block_config"]),
                                          num_init_features=d["num_init_features"], bn_size=d["bn_size"])
        net.classifier = torch.nn.Identity()
    elif architecture == "resnet50":
        net = torchvision.models.resnet50()
        net.fc = torch.nn.Identity()
    elif architecture == "inception_v3":
        # pipe feeds tf-mode input itself, so torchvision's own input transform stays off.
        net = torchvision.models.inception_v3(weights=None, aux_logits=False, transform_input=False, init_weights=False)
        net.fc = torch.nn.Identity()
    else:
        raise ValueError(f"no PyTorch builder for {architecture}")
    if "batch_norm_epsilon" in config:
        for module in net.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.eps = config["batch_norm_epsilon"]
    keys = [entry["key"] for entry in config["head"]]
    assert keys == [f"head.{i}" for i in range(len(keys))], keys
    net.head = torch.nn.Sequential(*[head_layer(entry) for entry in config["head"]])
    return net


class ExportedClassifier(torch.nn.Module):
    """Class probabilities for NCHW input preprocessed as the config says."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return torch.softmax(self.net.head(self.net(x)), dim=1)


def load(path):
    """The module and config of an export; the file loads strictly into the module."""
    with open(os.path.splitext(path)[0] + ".json") as f:
        config = json.load(f)
    net = build(config)
    net.load_state_dict(load_file(path), strict=True)
    return ExportedClassifier(net).eval(), config


def preprocess(images, config):
    """uint8 NHWC RGB images of the input size as the model's NCHW float input."""
    p = config["preprocessing"]
    x = images.astype(np.float32)
    if p["channel_order"] == "BGR":
        x = x[..., ::-1]
    x = (x * np.float32(p["scale"]) - np.array(p["mean"], dtype=np.float32)) / np.array(p["std"], dtype=np.float32)
    return torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))


def read_image(path, config):
    height, width = config["input_size"]
    image = Image.open(path).convert("RGB")
    if image.size != (width, height):
        image = image.resize((width, height), Image.BILINEAR)
    return np.asarray(image)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def fixture():
    cases = {}
    for index, name in enumerate(["torch_tiny", "keras_tiny"]):
        path = os.path.join(OUT, name + ".safetensors")
        model, config = load(path)
        height, width = config["input_size"]
        images = np.random.default_rng(20 + index).integers(0, 256, size=(3, height, width, 3), dtype=np.uint8)
        with torch.no_grad():
            probabilities = model(preprocess(images, config)).double().numpy()
        cases[name] = {
            "sha256": {name + ".safetensors": sha256(path), name + ".json": sha256(os.path.join(OUT, name + ".json"))},
            "images": {"shape": list(images.shape), "u8": base64.b64encode(images.tobytes()).decode()},
            "probabilities": probabilities.tolist(),
        }
    with open(os.path.join(OUT, "torch_probabilities.json"), "w") as f:
        json.dump(cases, f, indent=1, sort_keys=True)
        f.write("\n")


def main():
    if len(sys.argv) == 1:
        fixture()
        return
    model, config = load(sys.argv[1])
    images = np.stack([read_image(path, config) for path in sys.argv[2:]])
    with torch.no_grad():
        probabilities = model(preprocess(images, config)).numpy()
    for path, row in zip(sys.argv[2:], probabilities):
        best = int(row.argmax())
        if "threshold" in config:
            positive = config["classes"].index(config["positive_class"])
            best = positive if row[positive] >= config["threshold"] else 1 - positive
        print(f"{path}: {config['classes'][best]}  " + "  ".join(f"{c} {p:.4f}" for c, p in zip(config["classes"], row)))


if __name__ == "__main__":
    main()
