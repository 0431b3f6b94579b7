#!/usr/bin/env python3
"""Generates the PyTorch reference fixtures read by Tests/CNNTests.

Run with torch==2.13.0+cpu:  python Tests/Reference/make_cnn_fixtures.py
Writes Tests/Reference/cnn/*.json. Tensors are stored as {"shape": [...], "f32": base64 of
little-endian float32}; images are NHWC and convolution weights HWIO, as the Swift module uses.
Kernel references are computed in float64 from float32 inputs; the training run uses float32.
"""
import base64
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cnn")
GEN = torch.Generator().manual_seed(20261127)


def rand(*shape, scale=1.0):
    return ((torch.rand(*shape, generator=GEN, dtype=torch.float64) * 2 - 1) * scale).float()


def enc(t):
    a = np.ascontiguousarray(t.detach().to(torch.float32).numpy()).astype("<f4")
    return {"shape": list(a.shape), "f32": base64.b64encode(a.tobytes()).decode()}


def nchw(x):
    return x.permute(0, 3, 1, 2)


def nhwc(x):
    return x.permute(0, 2, 3, 1)


def write(name, cases):
    path = os.path.join(OUT, name + ".json")
    with open(path, "w") as f:
        json.dump(cases, f, separators=(",", ":"))
    print(f"{path}: {os.path.getsize(path)} bytes")


def conv_cases():
    specs = [  # name, N, H, W, Cin, Cout, kh, kw, sh, sw, (top, bottom, left, right), bias
        ("1x1", 2, 5, 6, 4, 3, 1, 1, 1, 1, (0, 0, 0, 0), True),
        ("1x1s2", 2, 5, 6, 4, 3, 1, 1, 2, 2, (0, 0, 0, 0), False),
        ("3x3p1", 2, 6, 5, 3, 4, 3, 3, 1, 1, (1, 1, 1, 1), True),
        ("3x3s2same", 2, 8, 7, 3, 4, 3, 3, 2, 2, (0, 1, 1, 1), False),
        ("5x5p2", 1, 7, 6, 2, 3, 5, 5, 1, 1, (2, 2, 2, 2), True),
        ("7x7s2same", 1, 10, 9, 3, 4, 7, 7, 2, 2, (2, 3, 3, 3), False),
        ("1x7", 2, 4, 8, 3, 2, 1, 7, 1, 1, (0, 0, 3, 3), True),
        ("7x1", 2, 8, 4, 3, 2, 7, 1, 1, 1, (3, 3, 0, 0), True),
        ("1x3", 2, 5, 5, 3, 2, 1, 3, 1, 1, (0, 0, 1, 1), False),
        ("3x1", 2, 5, 5, 3, 2, 3, 1, 1, 1, (1, 1, 0, 0), False),
        ("3x3valid", 2, 6, 6, 2, 3, 3, 3, 1, 1, (0, 0, 0, 0), True),
    ]
    cases = []
    for name, n, h, w, ci, co, kh, kw, sh, sw, pad, has_bias in specs:
        x = rand(n, h, w, ci)
        wt = rand(kh, kw, ci, co, scale=0.5)
        b = rand(co) if has_bias else None
        xd = x.double().requires_grad_()
        wd = wt.double().requires_grad_()
        bd = b.double().requires_grad_() if has_bias else None
        top, bottom, left, right = pad
        padded = F.pad(nchw(xd), (left, right, top, bottom))
        y = nhwc(F.conv2d(padded, wd.permute(3, 2, 0, 1), bd, stride=(sh, sw)))
        dy = rand(*y.shape)
        y.backward(dy.double())
        case = {"name": name, "batch": n, "height": h, "width": w, "inChannels": ci, "outChannels": co,
                "kernel": [kh, kw], "stride": [sh, sw], "padding": list(pad),
                "x": enc(x), "w": enc(wt), "dy": enc(dy), "y": enc(y), "dx": enc(xd.grad), "dw": enc(wd.grad)}
        if has_bias:
            case["b"] = enc(b)
            case["db"] = enc(bd.grad)
        cases.append(case)
    return cases


def batchnorm_cases():
    cases = []
    for mode in ["training", "inference", "frozen"]:
        x = rand(2, 4, 5, 3, scale=2)
        gamma, beta = rand(3), rand(3)
        rm, rv = rand(3, scale=0.3), rand(3).abs() + 0.5
        bn = torch.nn.BatchNorm2d(3, momentum=0.1, eps=1e-5).double()
        with torch.no_grad():
            bn.weight.copy_(gamma.double())
            bn.bias.copy_(beta.double())
            bn.running_mean.copy_(rm.double())
            bn.running_var.copy_(rv.double())
        bn.train(mode == "training")
        xd = x.double().requires_grad_()
        y = nhwc(bn(nchw(xd)))
        dy = rand(*y.shape)
        y.backward(dy.double())
        cases.append({"mode": mode, "x": enc(x), "gamma": enc(gamma), "beta": enc(beta), "runningMean": enc(rm),
                      "runningVariance": enc(rv), "dy": enc(dy), "y": enc(y), "dx": enc(xd.grad),
                      "dgamma": enc(bn.weight.grad), "dbeta": enc(bn.bias.grad),
                      "newRunningMean": enc(bn.running_mean), "newRunningVariance": enc(bn.running_var)})
    return cases


def pool_cases():
    specs = [  # kind, N, H, W, C, k, s, (top, bottom, left, right)
        ("max", 2, 7, 6, 3, 3, 2, (1, 1, 1, 1)),
        ("max", 1, 8, 8, 2, 3, 2, (0, 1, 0, 1)),
        ("max", 2, 4, 6, 2, 2, 2, (0, 0, 0, 0)),
        ("avg-include", 2, 7, 6, 3, 3, 2, (1, 1, 1, 1)),
        ("avg-include", 1, 8, 8, 2, 3, 1, (1, 1, 1, 1)),
        ("avg-exclude", 1, 8, 8, 2, 3, 2, (0, 1, 0, 1)),
        ("avg-exclude", 2, 5, 5, 2, 3, 1, (1, 1, 1, 1)),
        ("avg-include", 2, 4, 6, 2, 2, 2, (0, 0, 0, 0)),
    ]
    cases = []
    for kind, n, h, w, c, k, s, pad in specs:
        x = rand(n, h, w, c)
        xd = x.double().requires_grad_()
        top, bottom, left, right = pad
        p4 = (left, right, top, bottom)
        if kind == "max":
            y = F.max_pool2d(F.pad(nchw(xd), p4, value=-math.inf), k, s)
        elif kind == "avg-include":
            y = F.avg_pool2d(F.pad(nchw(xd), p4), k, s)
        else:
            ones = F.pad(torch.ones_like(nchw(xd)), p4)
            y = F.avg_pool2d(F.pad(nchw(xd), p4), k, s) / F.avg_pool2d(ones, k, s)
        y = nhwc(y)
        dy = rand(*y.shape)
        y.backward(dy.double())
        cases.append({"kind": kind, "kernel": k, "stride": s, "padding": list(pad),
                      "x": enc(x), "dy": enc(dy), "y": enc(y), "dx": enc(xd.grad)})
    return cases


def misc_cases():
    out = {}
    x = rand(2, 3, 4, 5)
    xd = x.double().requires_grad_()
    y = xd.mean(dim=(1, 2))
    dy = rand(*y.shape)
    y.backward(dy.double())
    out["gap"] = {"x": enc(x), "dy": enc(dy), "y": enc(y), "dx": enc(xd.grad)}

    x = rand(4, 6, scale=2)
    xd = x.double().requires_grad_()
    y = torch.relu(xd)
    dy = rand(*y.shape)
    y.backward(dy.double())
    out["relu"] = {"x": enc(x), "dy": enc(dy), "y": enc(y), "dx": enc(xd.grad)}

    a, b = rand(2, 3, 3, 2), rand(2, 3, 3, 3)
    y = torch.cat([a, b], dim=3)
    out["concat"] = {"a": enc(a), "b": enc(b), "y": enc(y)}

    x, w, bias = rand(3, 7), rand(5, 7), rand(5)
    xd, wd, bd = (t.double().requires_grad_() for t in (x, w, bias))
    y = F.linear(xd, wd, bd)
    dy = rand(*y.shape)
    y.backward(dy.double())
    out["dense"] = {"x": enc(x), "w": enc(w.t()), "b": enc(bias), "dy": enc(dy), "y": enc(y),
                    "dx": enc(xd.grad), "dw": enc(wd.grad.t()), "db": enc(bd.grad)}

    x = rand(4, 5, scale=4)
    x[0] += 80  # large logits exercise the max subtraction
    xd = x.double().requires_grad_()
    y = F.softmax(xd, dim=1)
    dy = rand(*y.shape)
    y.backward(dy.double())
    out["softmax"] = {"x": enc(x), "dy": enc(dy), "y": enc(y), "dx": enc(xd.grad)}

    ce = []
    logits = rand(6, 4, scale=3)
    labels = [0, 3, 1, 1, 2, 3]
    weights = torch.tensor([0.5, 2.0, 1.0, 1.5])
    for use_weights, smoothing in [(False, 0.0), (True, 0.0), (False, 0.1), (True, 0.2)]:
        xd = logits.double().requires_grad_()
        loss = F.cross_entropy(xd, torch.tensor(labels), weight=weights.double() if use_weights else None,
                               label_smoothing=smoothing)
        loss.backward()
        ce.append({"logits": enc(logits), "labels": labels, "weights": enc(weights) if use_weights else None,
                   "smoothing": smoothing, "loss": loss.item(), "dx": enc(xd.grad)})
    out["crossEntropy"] = ce
    return out


def optimizer_cases():
    cases = []
    configs = [
        ("sgd", dict(lr=0.1, momentum=0.9)),
        ("sgd", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.01)),
        ("sgd", dict(lr=0.1)),
        ("adam", dict(lr=0.01, weight_decay=0.01)),
        ("adam", dict(lr=0.01, betas=(0.8, 0.9), eps=1e-6)),
        ("adamw", dict(lr=0.01, weight_decay=0.1)),
    ]
    for kind, cfg in configs:
        p0 = rand(3, 4)
        grads = [rand(3, 4) for _ in range(5)]
        p = torch.nn.Parameter(p0.clone())
        cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[kind]
        opt = cls([p], foreach=False, **cfg)
        values = []
        for g in grads:
            p.grad = g.clone()
            opt.step()
            values.append(enc(p.data.clone()))
        cfg = dict(cfg)
        if "betas" in cfg:
            cfg["beta1"], cfg["beta2"] = cfg.pop("betas")
        cases.append({"kind": kind, "config": cfg, "initial": enc(p0), "gradients": [enc(g) for g in grads],
                      "values": values})
    return cases


def schedule_cases():
    def lrs(make, steps=12):
        p = torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.SGD([p], lr=0.1)
        sched = make(opt)
        out = []
        for _ in range(steps):
            out.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
        return out
    S = torch.optim.lr_scheduler
    return {
        "step": lrs(lambda o: S.StepLR(o, step_size=3, gamma=0.5)),
        "cosine": lrs(lambda o: S.CosineAnnealingLR(o, T_max=8, eta_min=0.01)),
        "warmup": lrs(lambda o: S.LinearLR(o, start_factor=0.25, total_iters=4)),
    }


def clipping_case():
    a, b = rand(3, 4, scale=3), rand(5, scale=3)
    pa, pb = torch.nn.Parameter(torch.zeros(3, 4)), torch.nn.Parameter(torch.zeros(5))
    pa.grad, pb.grad = a.clone(), b.clone()
    norm = torch.nn.utils.clip_grad_norm_([pa, pb], max_norm=2.0)
    return {"a": enc(a), "b": enc(b), "maxNorm": 2.0, "norm": norm.item(),
            "clippedA": enc(pa.grad), "clippedB": enc(pb.grad)}


class SmallNet(torch.nn.Module):
    """conv3x3 -> ReLU -> conv3x3/s2 (Keras same) -> BN -> ReLU -> GAP -> dense."""

    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(3, 6, 3, padding=1)
        self.conv2 = torch.nn.Conv2d(6, 8, 3, stride=2, bias=False)
        self.bn = torch.nn.BatchNorm2d(8)
        self.fc = torch.nn.Linear(8, 3)

    def forward(self, x):
        x = torch.relu(self.conv1(x))
        x = torch.relu(self.bn(self.conv2(F.pad(x, (0, 1, 0, 1)))))
        return self.fc(x.mean(dim=(2, 3)))


def training_case():
    torch.manual_seed(7)
    net = SmallNet()
    batches = [(rand(4, 8, 8, 3), torch.tensor(lbl)) for lbl in ([0, 1, 2, 1], [2, 0, 1, 0])]
    initial = {
        "conv1.weight": enc(net.conv1.weight.permute(2, 3, 1, 0)), "conv1.bias": enc(net.conv1.bias),
        "conv2.weight": enc(net.conv2.weight.permute(2, 3, 1, 0)),
        "fc.weight": enc(net.fc.weight.t()), "fc.bias": enc(net.fc.bias),
    }
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, foreach=False)
    losses = []
    net.train()
    for step in range(20):
        x, labels = batches[step % 2]
        opt.zero_grad()
        loss = F.cross_entropy(net(nchw(x)), labels)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    net.eval()
    with torch.no_grad():
        eval_logits = net(nchw(batches[0][0]))
    return {"initial": initial, "inputs": [enc(b[0]) for b in batches], "labels": [b[1].tolist() for b in batches],
            "lr": 0.1, "momentum": 0.9, "losses": losses, "evalLogits": enc(eval_logits)}


def main():
    assert torch.__version__.startswith("2.13.0"), torch.__version__
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    write("conv", conv_cases())
    write("batchnorm", batchnorm_cases())
    write("pool", pool_cases())
    write("misc", misc_cases())
    write("optim", {"optimizers": optimizer_cases(), "schedules": schedule_cases(), "clipping": clipping_case()})
    write("training", training_case())


if __name__ == "__main__":
    main()
