#!/usr/bin/python3
"""Build torchvision's models with seeded random weights and record their logits.

models/torchvision_parity_test.go runs this script (Debian's python3-torch
1.13 and python3-torchvision 0.14) and checks that every zoo model that
torchvision also has gives the same logits here and in Go, with the weights
loaded from either file format. By hand, from the repository root:

    /usr/bin/python3 tools/parity/gen_torchvision_logits.py --out /tmp/tv \\
        --models alexnet,resnet18

For each model NAME it writes, in --out:

NAME.pth          torch.save(model.state_dict()), as torch writes it
NAME.safetensors  the same state dict as a safetensors file, written by the
                  format's definition (8-byte little-endian header length,
                  a JSON header {key: {dtype, shape, data_offsets}}, the raw
                  little-endian data), F32 tensors and I64 for
                  num_batches_tracked, in state-dict order; the safetensors
                  package is not needed
NAME.logits.safetensors  "logits": the model's output in eval mode on the
                  batch of input.safetensors, shape 2x1000

and input.safetensors ("input": a 2x3x224x224 batch of torch.randn under
seed 0) once. After NAME's files are complete it prints NAME on a line of
its own to stdout and flushes, so that a reader can check a model while the
next one is built, and remove the files it is done with.

Weights are torchvision's own initialisation under torch.manual_seed(crc32
of NAME), so each model's weights do not depend on which others are built.
Batch normalisation in eval mode is nearly the identity with torchvision's
initial buffers (mean 0, variance 1, weight 1, bias 0), which would leave
it untested, so every BatchNorm2d also gets random ones: weight and
running_var uniform in [0.5, 1.5), bias and running_mean normal with
standard deviation 0.1, num_batches_tracked 7.

googlenet is built as models.New("googlenet") is: without the auxiliary
classifiers (aux_logits=False) and without transform_input.

With --preprocess IMAGE... it also writes preprocess.safetensors: for each
IMAGE, under its file name without the extension, the 3x224x224 tensor that
torchvision's ImageNet evaluation transforms make of it (PIL:
Resize(256), bilinear with antialiasing, CenterCrop(224), ToTensor,
Normalize with ImageNet's mean and std, after convert("RGB")).
data/imagenet's test compares its own preprocessing with it.

With --classes FILE it writes torchvision's 1000 ImageNet class names, one
a line, in class order (data/imagenet/classes.txt is that file).
"""

import argparse
import collections
import json
import os
import struct
import sys
import zlib

import torch
import torchvision
from torchvision import models as tvm
from torchvision import transforms

# Our registry name -> torchvision builder and its arguments.
MODELS = collections.OrderedDict([
    ("alexnet", (tvm.alexnet, {})),
    ("vgg11", (tvm.vgg11, {})),
    ("vgg13", (tvm.vgg13, {})),
    ("vgg16", (tvm.vgg16, {})),
    ("vgg19", (tvm.vgg19, {})),
    ("vgg11_bn", (tvm.vgg11_bn, {})),
    ("vgg13_bn", (tvm.vgg13_bn, {})),
    ("vgg16_bn", (tvm.vgg16_bn, {})),
    ("vgg19_bn", (tvm.vgg19_bn, {})),
    ("googlenet", (tvm.googlenet, {"aux_logits": False, "transform_input": False, "init_weights": True})),
    ("resnet18", (tvm.resnet18, {})),
    ("resnet34", (tvm.resnet34, {})),
    ("resnet50", (tvm.resnet50, {})),
    ("resnet101", (tvm.resnet101, {})),
    ("resnet152", (tvm.resnet152, {})),
])

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

DTYPES = {torch.float32: "F32", torch.int64: "I64"}


def write_safetensors(path, tensors):
    """Writes an ordered dict of float32 (or int64) tensors as safetensors."""
    assert sys.byteorder == "little", "safetensors data is little-endian"
    header = collections.OrderedDict()
    off = 0
    for k, v in tensors.items():
        n = v.numel() * v.element_size()
        header[k] = {"dtype": DTYPES[v.dtype], "shape": list(v.shape), "data_offsets": [off, off + n]}
        off += n
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)  # data 8-byte aligned, as the reference writer does
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for v in tensors.values():
            f.write(v.detach().contiguous().numpy().tobytes())
    os.replace(tmp, path)


def randomise_batchnorm(model):
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.weight.uniform_(0.5, 1.5)
            m.bias.normal_(0, 0.1)
            m.running_mean.normal_(0, 0.1)
            m.running_var.uniform_(0.5, 1.5)
            m.num_batches_tracked.fill_(7)


def build(name):
    builder, kwargs = MODELS[name]
    torch.manual_seed(zlib.crc32(name.encode()))
    model = builder(weights=None, **kwargs)
    with torch.no_grad():
        randomise_batchnorm(model)
    return model.eval()


def preprocess(image_path):
    from PIL import Image

    tf = transforms.Compose([
        transforms.Resize(256),
        transforms.CenterCrop(224),
        transforms.ToTensor(),
        transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD),
    ])
    with Image.open(image_path) as img:
        return tf(img.convert("RGB"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="folder to write into (made if missing)")
    ap.add_argument("--models", default="", help="comma-separated names (default: all of " + ",".join(MODELS) + "); 'none' for none")
    ap.add_argument("--preprocess", metavar="IMAGE", nargs="+", help="also write preprocess.safetensors: each IMAGE through the ImageNet transforms")
    ap.add_argument("--classes", metavar="FILE", help="also write the ImageNet class names to FILE")
    args = ap.parse_args()

    names = list(MODELS) if args.models == "" else [] if args.models == "none" else args.models.split(",")
    for n in names:
        if n not in MODELS:
            sys.exit(f"unknown model {n!r}; torchvision has: {', '.join(MODELS)}")
    os.makedirs(args.out, exist_ok=True)
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}, {torch.get_num_threads()} threads", file=sys.stderr)

    if args.classes:
        from torchvision.models._meta import _IMAGENET_CATEGORIES

        assert len(_IMAGENET_CATEGORIES) == 1000
        with open(args.classes, "w") as f:
            f.write("".join(c + "\n" for c in _IMAGENET_CATEGORIES))
    if args.preprocess:
        out = collections.OrderedDict()
        for path in args.preprocess:
            out[os.path.splitext(os.path.basename(path))[0]] = preprocess(path)
        write_safetensors(os.path.join(args.out, "preprocess.safetensors"), out)
    if not names:
        return

    torch.manual_seed(0)
    x = torch.randn(2, 3, 224, 224)
    write_safetensors(os.path.join(args.out, "input.safetensors"), {"input": x})
    for name in names:
        model = build(name)
        sd = model.state_dict()
        torch.save(sd, os.path.join(args.out, name + ".pth"))
        write_safetensors(os.path.join(args.out, name + ".safetensors"), sd)
        with torch.no_grad():
            logits = model(x)
        write_safetensors(os.path.join(args.out, name + ".logits.safetensors"), {"logits": logits.contiguous()})
        del model, sd
        print(name, flush=True)


if __name__ == "__main__":
    main()
