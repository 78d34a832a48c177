#!/usr/bin/python3
"""Write the state-dict keys and shapes of torchvision's models.

models/zoo_test.go checks that every model of package models that
torchvision also has yields the same state_dict as torchvision's builder:
the same keys, with the same shapes, one to one and in the same order (so
that a torchvision checkpoint loads by name, with no renaming). This script
records torchvision's side, so that the Go test needs no Python.

Regenerate (from the repository root) with

    /usr/bin/python3 tools/parity/gen_model_keys.py --out models/testdata/torchvision_keys.json

or, equivalently, `go test ./models/ -run ZooCoversRegistry -update`.

The output is {"torchvision": version, "models": {name: [[key, [shape...]],
...]}}, name being our registry name. Only names and shapes are written,
never values, so the file stays small and the models are built without
torchvision's weight initialisation where it can be skipped.
"""

import argparse
import json
import sys

import torchvision
from torchvision import models as tvm

# Our registry name -> torchvision builder and its arguments.
# googlenet: torchvision builds the auxiliary classifiers by default
# (aux_logits=True); ours does only when asked (Options.AuxLogits), so both
# layouts are recorded.
MODELS = [
    ("alexnet", tvm.alexnet, {}),
    ("vgg11", tvm.vgg11, {"init_weights": False}),
    ("vgg13", tvm.vgg13, {"init_weights": False}),
    ("vgg16", tvm.vgg16, {"init_weights": False}),
    ("vgg19", tvm.vgg19, {"init_weights": False}),
    ("vgg11_bn", tvm.vgg11_bn, {"init_weights": False}),
    ("vgg13_bn", tvm.vgg13_bn, {"init_weights": False}),
    ("vgg16_bn", tvm.vgg16_bn, {"init_weights": False}),
    ("vgg19_bn", tvm.vgg19_bn, {"init_weights": False}),
    ("googlenet", tvm.googlenet, {"aux_logits": False, "init_weights": False}),
    ("googlenet+aux", tvm.googlenet, {"aux_logits": True, "init_weights": False}),
    ("resnet18", tvm.resnet18, {}),
    ("resnet34", tvm.resnet34, {}),
    ("resnet50", tvm.resnet50, {}),
    ("resnet101", tvm.resnet101, {}),
    ("resnet152", tvm.resnet152, {}),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="JSON file to write")
    args = ap.parse_args()

    lines = []
    for name, builder, kwargs in MODELS:
        model = builder(weights=None, **kwargs)
        entries = [json.dumps([k, list(v.shape)], separators=(",", ":")) for k, v in model.state_dict().items()]
        lines.append(json.dumps(name) + ":[\n" + ",\n".join(entries) + "]")
        print(f"{name}: {len(entries)} keys", file=sys.stderr)
    with open(args.out, "w") as f:
        f.write("{\"torchvision\":" + json.dumps(torchvision.__version__) + ",\n\"models\":{\n" + ",\n".join(lines) + "}}\n")


if __name__ == "__main__":
    main()
