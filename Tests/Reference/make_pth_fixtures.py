"""Writes the PyTorch checkpoint (.pth) test fixtures in Tests/Reference/models/.

Run from the repository root, after make_models_fixtures.py (whose torch_densenet_tiny.safetensors it reads):

    /work/.venv-models/bin/python Tests/Reference/make_pth_fixtures.py

The reduced torchvision DenseNet of torch_densenet_tiny.safetensors is loaded into torchvision's module and
saved with torch.save twice: in the zip format (torch_densenet_tiny.pth, its classifier weight stored
transposed, so non-contiguous) and in the legacy format (torch_densenet_tiny_legacy.pth, with the `norm.1`
style names of torchvision's published DenseNet files and a channels-last stem kernel). pth_cases*.pth hold
odd tensors (strided views sharing a storage, float16, bfloat16, float64, int64, a 0-d tensor, a
Parameter) in both formats. pth_old_style.pth is pickled the way PyTorch 0.2/0.3 wrote files (GPU storages,
a storage view, `_rebuild_tensor`, an OrderedDict built from pairs as Python 2 pickled it). pth_unknown_global.pth
names a Python global that is not a tensor, and pth_complex.pth holds a complex tensor. pth_fixtures.json records the float32 values PyTorch reads back, the
probabilities PyTorch computes from the saved files, and the keys and shapes of torchvision InceptionV3's
auxiliary classifier. Everything is seeded; reruns give the same values (the legacy files' bytes differ, as
their storage keys are memory addresses).
"""
import base64
import collections
import datetime
import json
import os
import pickle
import re
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_models_fixtures as base  # noqa: E402  (also makes torchvision importable, see there)
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torchvision  # noqa: E402
from safetensors.torch import load_file  # noqa: E402

OUT = base.OUT
LEGACY_NAME = re.compile(r"^(.*denselayer\d+\.(?:norm|relu|conv))([12])\.(weight|bias|running_mean|running_var)$")


def save(obj, name, legacy=False):
    torch.save(obj, os.path.join(OUT, name), _use_new_zipfile_serialization=not legacy)


def tiny_densenet():
    model = torchvision.models.DenseNet(growth_rate=8, block_config=(2, 1, 1), num_init_features=16, bn_size=4,
                                        num_classes=5)
    state = load_file(os.path.join(OUT, "torch_densenet_tiny.safetensors"))
    model.load_state_dict(state)
    model.eval()
    return model


def densenet_files():
    state = tiny_densenet().state_dict()
    zipped = collections.OrderedDict(state)
    zipped["classifier.weight"] = state["classifier.weight"].t().contiguous().t()
    assert not zipped["classifier.weight"].is_contiguous()
    save(zipped, "torch_densenet_tiny.pth")

    legacy = collections.OrderedDict()
    for key, value in state.items():
        legacy[LEGACY_NAME.sub(r"\1.\2.\3", key)] = value
    legacy["features.conv0.weight"] = state["features.conv0.weight"].contiguous(memory_format=torch.channels_last)
    assert not legacy["features.conv0.weight"].is_contiguous()
    assert "features.denseblock1.denselayer1.norm.1.weight" in legacy
    save(legacy, "torch_densenet_tiny_legacy.pth", legacy=True)

    raw = base.images(2, 32, 6)
    x = base.imagenet_utils.preprocess_input(raw.astype("float32"), mode="torch")
    x = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    probabilities = {}
    for name in ("torch_densenet_tiny.pth", "torch_densenet_tiny_legacy.pth"):
        loaded = torch.load(os.path.join(OUT, name), weights_only=True)
        # torchvision's own renaming of the published DenseNet names (`norm.1` -> `norm1`).
        loaded = collections.OrderedDict(
            (re.sub(r"^(.*denselayer\d+\.(?:norm|relu|conv))\.([12])\.", r"\1\2.", k), v) for k, v in loaded.items())
        model = tiny_densenet()
        model.load_state_dict(loaded)
        with torch.no_grad():
            probabilities[name] = base.encode(torch.softmax(model(x), dim=1).numpy())
    return {"images": {"shape": list(raw.shape), "u8": base64.b64encode(raw.tobytes()).decode()},
            "probabilities": probabilities}


def case_tensors():
    generator = torch.Generator().manual_seed(11)
    matrix = torch.randn(3, 4, generator=generator)
    cube = torch.randn(2, 3, 4, generator=generator)
    tensors = collections.OrderedDict()
    tensors["transposed"] = matrix.t()
    tensors["row"] = matrix[1]
    tensors["column"] = matrix[:, 2]
    tensors["permuted"] = cube.permute(2, 0, 1)
    tensors["half"] = (torch.randn(5, generator=generator) * 3).half()
    tensors["bfloat"] = torch.randn(2, 2, generator=generator).bfloat16()
    tensors["double"] = torch.randn(3, generator=generator, dtype=torch.float64)
    tensors["long"] = torch.tensor([7, -3, 12])
    tensors["scalar"] = torch.tensor(2.5)
    tensors["parameter"] = torch.nn.Parameter(torch.randn(2, generator=generator))
    tensors["bn.num_batches_tracked"] = torch.tensor(42)
    assert not tensors["transposed"].is_contiguous() and tensors["row"].storage_offset() == 4
    save(tensors, "pth_cases.pth")
    save(tensors, "pth_cases_legacy.pth", legacy=True)
    for name, legacy in (("pth_cases.pth", False), ("pth_cases_legacy.pth", True)):
        loaded = torch.load(os.path.join(OUT, name), weights_only=True)
        assert list(loaded) == list(tensors) and all(torch.equal(loaded[k], tensors[k]) for k in tensors), name
    # base.encode would turn 0-d tensors into shape [1].
    return {name: {"shape": list(value.shape),
                   "f32": base64.b64encode(value.detach().float().numpy().astype("<f4").tobytes()).decode()}
            for name, value in tensors.items()}


def refused_files():
    save({"weight": torch.ones(2), "saved": datetime.date(2024, 1, 2)}, "pth_unknown_global.pth")
    save(collections.OrderedDict(weight=torch.ones(2), spectrum=torch.ones(3, dtype=torch.complex64)), "pth_complex.pth")


class _Storage:
    """Stands for a float32 storage in `old_style_file`'s pickle (as its persistent id)."""

    def __init__(self, key, count, view=None):
        self.key, self.count, self.view = key, count, view


class _Tensor:
    """Stands for a tensor pickled the pre-0.4 way: `torch._utils._rebuild_tensor(storage, offset, size, stride)`."""

    def __init__(self, *args):
        self.args = args


class _OldStylePickler(pickle.Pickler):
    """Pickles as PyTorch 0.2/0.3 did: storages saved from the GPU, storage views, v1 tensor rebuilds, and
    (as under Python 2) an OrderedDict built from a list of [key, value] pairs."""

    def persistent_id(self, obj):
        if isinstance(obj, _Storage):
            return ("storage", torch.cuda.FloatStorage, obj.key, "cuda:0", obj.count, obj.view)
        return None

    def reducer_override(self, obj):
        if type(obj) is collections.OrderedDict:
            return collections.OrderedDict, ([[k, v] for k, v in obj.items()],)
        if isinstance(obj, _Tensor):
            return torch._utils._rebuild_tensor, obj.args
        return NotImplemented


def old_style_file():
    """pth_old_style.pth: the legacy format as old PyTorch wrote it, which torch.save no longer does."""
    root = np.arange(10, dtype="<f4") / 4 - 1
    state = collections.OrderedDict()
    state["whole"] = _Tensor(_Storage("140", 10), 0, (2, 5), (5, 1))
    state["view"] = _Tensor(_Storage("140", 10, ("141", 4, 6)), 1, (2, 2), (1, 2))
    path = os.path.join(OUT, "pth_old_style.pth")
    with open(path, "wb") as f:
        for header in (0x1950A86A20F9469CFC6C, 1001, {"protocol_version": 1001, "little_endian": True,
                                                      "type_sizes": {"short": 2, "int": 4, "long": 8}}):
            pickle.dump(header, f, protocol=2)
        _OldStylePickler(f, protocol=2).dump(state)
        pickle.dump(["140"], f, protocol=2)
        f.write(struct.pack("<q", root.size) + root.tobytes())
    loaded = torch.load(path, map_location="cpu", weights_only=False)
    return {name: {"shape": list(value.shape), "f32": base64.b64encode(value.numpy().astype("<f4").tobytes()).decode()}
            for name, value in loaded.items()}


def inception_aux_shapes():
    with_aux = torchvision.models.inception_v3(aux_logits=True, init_weights=False).state_dict()
    without = torchvision.models.inception_v3(aux_logits=False, init_weights=False).state_dict()
    return {k: list(v.shape) for k, v in with_aux.items() if k not in without}


def main():
    fixtures = {
        "densenet": densenet_files(),
        "cases": case_tensors(),
        "old_style": old_style_file(),
        "inception_aux": inception_aux_shapes(),
        "versions": {"torch": torch.__version__, "torchvision": torchvision.__version__},
    }
    refused_files()
    for name in os.listdir(OUT):
        if name.endswith(".pth"):
            os.chmod(os.path.join(OUT, name), 0o644)
    with open(os.path.join(OUT, "pth_fixtures.json"), "w") as f:
        json.dump(fixtures, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
