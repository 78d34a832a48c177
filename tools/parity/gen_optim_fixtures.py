#!/usr/bin/python3
"""Generate the PyTorch parity fixtures of package optim.

A tiny convolutional network,

    Conv2d(2→3, 3×3, padding 1)  ReLU  MaxPool2d(2)  Flatten  Linear(12→4)

on batches of 4 images of 2×4×4, is trained for 20 steps with cross-entropy
loss by every optimizer configuration below under every learning-rate
schedule below (scheduler.step() after each optimizer.step(), as torch
recommends). Each run records the learning rate (and, for OneCycleLR, the
momentum or Adam's β₁) before the first step and after every scheduler
step, and the parameters after the last step. optim/parity_test.go repeats
each run with our nn, optim and Scheduler and compares.

Regenerate (from the repository root) with

    /usr/bin/python3 tools/parity/gen_optim_fixtures.py --out optim/testdata

or, equivalently, `go test ./optim/ -run Parity -update`.

The initial parameters, the input batches (a new one each step) and the
labels are not stored: both sides draw them from the counter-based generator
of gen_layer_fixtures.py (splitmix64, values exact in float32).
"""

import argparse
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_layer_fixtures import draw, draw_labels, emit, tensor_json  # noqa: E402

STEPS = 20
BATCH = 4
CLASSES = 4
IMAGE = [2, 4, 4]

# The initial parameters: state-dict key → generator spec.
INIT = {
    "0.weight": {"shape": [3, 2, 3, 3], "seed": 1, "scale": 0.25},
    "0.bias": {"shape": [3], "seed": 2, "scale": 0.25},
    "4.weight": {"shape": [4, 12], "seed": 3, "scale": 0.25},
    "4.bias": {"shape": [4], "seed": 4, "scale": 0.25},
}


def batch(step):
    """The input spec and labels of a step (seeds 100+step and 200+step)."""
    x = {"shape": [BATCH] + IMAGE, "seed": 100 + step, "scale": 1.0}
    return x, draw_labels(200 + step, BATCH, CLASSES)


def net():
    m = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(12, 4))
    sd = m.state_dict()
    assert list(sd) == list(INIT), list(sd)
    with torch.no_grad():
        for k, spec in INIT.items():
            sd[k].copy_(draw(spec))
    return m


# name → (torch class, keyword arguments); "kind" is what the Go side builds.
OPTIMIZERS = [
    ("sgd", "sgd", dict(lr=0.1)),
    ("sgd_momentum", "sgd", dict(lr=0.1, momentum=0.9)),
    ("sgd_momentum_dampening", "sgd", dict(lr=0.1, momentum=0.9, dampening=0.1)),
    ("sgd_nesterov_weight_decay", "sgd", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4)),
    ("sgd_weight_decay", "sgd", dict(lr=0.1, weight_decay=5e-4)),
    ("adam", "adam", dict(lr=0.01)),
    ("adam_weight_decay", "adam", dict(lr=0.01, weight_decay=0.01)),
    # β₂ = 0.9 so that the second moment falls often and AMSGrad's maximum
    # matters for most elements (with 0.999 it binds for a fifth of them).
    ("adam_amsgrad", "adam", dict(lr=0.01, betas=(0.9, 0.9), amsgrad=True)),
    ("adamw", "adamw", dict(lr=0.01, weight_decay=0.01)),
]

OPT_CLASSES = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}


def schedules(base_lr):
    """name → (config written to the fixture, constructor)."""
    S = torch.optim.lr_scheduler
    return [
        ("none", {}, None),
        ("step", {"step_size": 5, "gamma": 0.5}, lambda o: S.StepLR(o, 5, 0.5)),
        ("multistep", {"milestones": [5, 12], "gamma": 0.1}, lambda o: S.MultiStepLR(o, [5, 12], 0.1)),
        ("cosine", {"t_max": 20, "eta_min": 1e-4}, lambda o: S.CosineAnnealingLR(o, 20, 1e-4)),
        ("onecycle", {"max_lr": 2 * base_lr, "total_steps": STEPS},
         lambda o: S.OneCycleLR(o, max_lr=2 * base_lr, total_steps=STEPS)),
        ("linear", {"start_factor": 0.1, "end_factor": 1.0, "total_iters": 5},
         lambda o: S.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=5)),
    ]


def momentum_of(group):
    return group["betas"][0] if "betas" in group else group["momentum"]


def run(kind, kw, make_sched):
    """20 steps; returns the lrs, the momenta and the final parameters."""
    m = net()
    opt = OPT_CLASSES[kind](m.parameters(), **kw)
    sched = make_sched(opt) if make_sched else None
    group = opt.param_groups[0]
    lrs, moms = [group["lr"]], [momentum_of(group)]
    losses = []
    for step in range(STEPS):
        xs, labels = batch(step)
        opt.zero_grad()
        loss = F.cross_entropy(m(draw(xs)), torch.tensor(labels))
        loss.backward()
        opt.step()
        if sched:
            sched.step()
        lrs.append(group["lr"])
        moms.append(momentum_of(group))
        losses.append(float(loss))
    params = {k: tensor_json(v) for k, v in m.state_dict().items()}
    return lrs, moms, params, losses


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="optim/testdata", help="output directory")
    args = ap.parse_args()
    torch.set_num_threads(1)
    runs = []
    # The rates (and momenta) depend only on the schedule and the base rate:
    # they are stored once per pair, and every run is checked against them.
    trajectories = {}
    for name, kind, kw in OPTIMIZERS:
        for sched_name, cfg, make in schedules(kw["lr"]):
            lrs, moms, params, losses = run(kind, kw, make)
            key = (sched_name, kw["lr"])
            traj = {"schedule": sched_name, "config": cfg, "base_lr": kw["lr"], "lrs": lrs}
            if sched_name == "onecycle":
                traj["momenta"] = moms
            if key in trajectories:
                assert trajectories[key] == traj, (name, sched_name)
            trajectories[key] = traj
            runs.append({"optimizer": name, "schedule": sched_name,
                         "losses": [losses[0], losses[-1]], "params": params})
    doc = {"generator": "tools/parity/gen_optim_fixtures.py", "torch": torch.__version__,
           "steps": STEPS, "batch": BATCH, "classes": CLASSES, "image": IMAGE,
           "init": [dict(key=k, **v) for k, v in INIT.items()],
           "input_seed": 100, "label_seed": 200,
           "optimizers": [{"name": n, "kind": k, "config": kw} for n, k, kw in OPTIMIZERS],
           "schedules": list(trajectories.values()),
           "runs": runs}
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "optim.json")
    with open(path, "w") as f:
        f.write(emit(doc) + "\n")
    print("wrote %s (%d bytes, %d runs)" % (path, os.path.getsize(path), len(runs)), file=sys.stderr)


if __name__ == "__main__":
    main()
