#!/usr/bin/python3
"""Generate the PyTorch-written fixtures of package weights.

Regenerate (from the repository root) with

    /usr/bin/python3 tools/parity/gen_weight_fixtures.py --out weights/testdata

Every value is a simple formula of its index, so that weights/pytorch_test.go
checks each one without a second copy of the numbers:

torch_views.pth      torch.save of an OrderedDict (pickle protocol 2, the
                     default) with tensors that share one storage: a 3x4
                     base, its transpose (non-contiguous strides), a slice at
                     an offset, a row; float16, bfloat16 and float64
                     tensors; an nn.Parameter; a 0-dim scalar; an empty
                     tensor; an int64 num_batches_tracked.
torch_checkpoint.pth torch.save(..., pickle_protocol=4) of a training
                     checkpoint {"model": state_dict, "epoch", "optimizer",
                     ...}: the state dict of a small Sequential (Conv2d,
                     BatchNorm2d, ReLU, Flatten, Linear) sits under "model";
                     the optimizer state holds more tensors, int keys,
                     lists, floats and None.

The files are a few KB each.
"""

import argparse
import collections
import os

import torch


def views():
    base = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    sd = collections.OrderedDict()
    sd["base"] = base
    sd["t"] = base.t()  # shape (4, 3), strides (1, 4)
    sd["v"] = base[1:, 1:]  # offset 5, shape (2, 3), strides (4, 1)
    sd["row"] = base[2]  # offset 8, contiguous
    # float16: 1.5, -2, 65504 (max), 2^-24 (smallest subnormal), -0, inf
    sd["h"] = torch.tensor([1.5, -2.0, 65504.0, 2.0**-24, -0.0, float("inf")], dtype=torch.float16)
    sd["b"] = torch.tensor([1.5, -2.0, 3.0e38, 2.0**-130], dtype=torch.bfloat16)
    sd["d"] = torch.tensor([0.1, -1.0e300], dtype=torch.float64)
    sd["p"] = torch.nn.Parameter(torch.tensor([[1.0, 2.0]]))
    sd["scalar"] = torch.tensor(3.5)
    sd["empty"] = torch.zeros(0, 3)
    sd["bn.num_batches_tracked"] = torch.tensor(7)
    return sd


def fill(sd):
    """Sets every float tensor to i/8 - 1 over its elements, in order."""
    for k, v in sd.items():
        if v.dtype.is_floating_point:
            v.copy_((torch.arange(v.numel(), dtype=torch.float32) / 8 - 1).reshape(v.shape))
    return sd


def checkpoint():
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 2, 3),
        torch.nn.BatchNorm2d(2),
        torch.nn.ReLU(),
        torch.nn.Flatten(),
        torch.nn.Linear(8, 3),
    )
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(torch.randn(2, 1, 4, 4)).sum().backward()
    opt.step()
    with torch.no_grad():
        sd = fill(model.state_dict())
        sd["1.num_batches_tracked"].fill_(5)
    return {"model": sd, "epoch": 3, "optimizer": opt.state_dict(), "best_acc": 0.5, "arch": "tiny", "note": None}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="weights/testdata")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.save(views(), os.path.join(args.out, "torch_views.pth"))
    torch.save(checkpoint(), os.path.join(args.out, "torch_checkpoint.pth"), pickle_protocol=4)


if __name__ == "__main__":
    main()
