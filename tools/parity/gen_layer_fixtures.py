#!/usr/bin/python3
"""Generate the PyTorch parity fixtures of package nn (its layers).

Every layer of package nn is built here as the torch.nn module it copies,
its state_dict filled with reproducible values, and run forward and backward
in float32. nn/layer_parity_test.go builds the same layer with our nn
package, checks that its state-dict names and shapes equal torch's (in
order), loads the same values by name, and compares the outputs, the input
gradient, the parameter gradients and the buffers afterwards.

Regenerate (from the repository root) with

    /usr/bin/python3 tools/parity/gen_layer_fixtures.py --out nn/testdata

or, equivalently, `go test ./nn/ -run Parity -update`.

Inputs, parameters, buffers and upstream gradients are not stored: both
sides draw them from the same counter-based generator (splitmix64 with a
seed per tensor, see `draw`), whose values are exact in float32, so the
fixtures hold only torch's results. A case runs in one or more phases (for
BatchNorm2d: two training passes, then evaluation); each phase draws an
input x and an upstream gradient R, computes out = layer(x), backpropagates
sum(out * R), records the results and zeroes the gradients.

Large gradients (LeNet-5's weights) are stored as a sample: every stride-th
element, the maximum magnitude, and a projection sum_i w_i g_i (in float64)
on weights w drawn from the generator, which catches an error anywhere.

Numbers are written with the shortest decimal that reads back as the same
float32; the Go side parses them with strconv.ParseFloat(s, 32).
"""

import argparse
import math
import os
import struct
import sys

import torch
import torch.nn as nn

# ---------------------------------------------------------------- values

MASK = (1 << 64) - 1


def splitmix64(seed, n):
    """n outputs of splitmix64 started at seed (as the Go tests' copy)."""
    state = seed & MASK
    out = []
    for _ in range(n):
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        out.append(z ^ (z >> 31))
    return out


def draw_values(seed, n, scale=1.0, offset=0.0):
    """n float64 values offset + scale*(u - 2^23)/2^23, u the top 24 bits.

    scale must be a power of two, so that scale*(u-2^23)/2^23 is exact in
    float32; adding the offset rounds once, the same way in Go.
    """
    m, _ = math.frexp(scale)
    assert m == 0.5, "scale %r is not a power of two" % scale
    k = scale / (1 << 23)
    return [offset + ((z >> 40) - (1 << 23)) * k for z in splitmix64(seed, n)]


def draw(spec, shape=None):
    """The float32 tensor a spec {"seed", "scale", "offset"} describes."""
    shape = list(spec.get("shape", shape))
    n = 1
    for d in shape:
        n *= d
    v = draw_values(spec["seed"], n, spec.get("scale", 1.0), spec.get("offset", 0.0))
    return torch.tensor(v, dtype=torch.float64).to(torch.float32).reshape(shape)


def draw_labels(seed, n, classes):
    return [int(z % classes) for z in splitmix64(seed, n)]


def pow2_scale(fan_in):
    """The power of two nearest 1/sqrt(fan_in): a sensible weight range."""
    return 2.0 ** round(math.log2(1 / math.sqrt(fan_in)))


# ---------------------------------------------------------------- output


def f32str(v):
    """The shortest decimal string that parses back to the float32 v."""
    v = float(v)
    if v == 0:
        return "-0" if struct.pack(">f", v) != struct.pack(">f", 0.0) else "0"
    want = struct.pack(">f", v)
    for p in range(1, 10):
        s = "%.*g" % (p, v)
        if struct.pack(">f", float(s)) == want:
            break
    return s


class Raw(str):
    """A string emitted verbatim (a prepared number array)."""


def tensor_json(t):
    t = t.detach().to(torch.float32).contiguous()
    data = ",".join(f32str(v) for v in t.reshape(-1).tolist())
    return Raw('{"shape":[%s],"data":[%s]}' % (",".join(str(d) for d in t.shape), data))


SAMPLE_ABOVE = 512  # tensors with more elements are stored as a sample
SAMPLE_COUNT = 64


def sampled_json(t, proj_seed):
    """A large tensor as a strided sample, its max |.| and a projection."""
    if t.numel() <= SAMPLE_ABOVE:
        return tensor_json(t)
    t = t.detach().to(torch.float32).contiguous().reshape(-1)
    n = t.numel()
    stride = -(-n // SAMPLE_COUNT)
    sample = ",".join(f32str(v) for v in t[::stride].tolist())
    w = torch.tensor(draw_values(proj_seed, n), dtype=torch.float64)
    proj = float((t.to(torch.float64) * w).sum())
    return Raw('{"len":%d,"stride":%d,"sample":[%s],"max_abs":%s,"proj_seed":%d,"proj":%r}'
               % (n, stride, sample, f32str(t.abs().max()), proj_seed, proj))


def emit(o, indent=0):
    """A small JSON writer: tensors on one line."""
    pad = "  " * indent
    if isinstance(o, Raw):
        return str(o)
    if isinstance(o, torch.Tensor):
        return str(tensor_json(o))
    if isinstance(o, dict):
        if not o:
            return "{}"
        items = ['%s  "%s": %s' % (pad, k, emit(v, indent + 1)) for k, v in o.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(o, (list, tuple)):
        if all(isinstance(x, (int, float, str, bool)) and not isinstance(x, Raw) for x in o):
            return "[" + ",".join(emit(x) for x in o) + "]"
        items = ["%s  %s" % (pad, emit(x, indent + 1)) for x in o]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    if isinstance(o, bool):
        return "true" if o else "false"
    if isinstance(o, int):
        return str(o)
    if isinstance(o, float):
        return repr(o)
    if isinstance(o, str):
        return '"%s"' % o.replace("\\", "\\\\").replace('"', '\\"')
    if o is None:
        return "null"
    raise TypeError(type(o))


# ---------------------------------------------------------------- cases


class Seeds:
    def __init__(self, start):
        self.next = start

    def __call__(self):
        self.next += 1
        return self.next


def state_specs(module, seeds, specs):
    """Fill module's state_dict from the generator; return its description.

    specs maps a key suffix (the last dotted part) or a full key to
    {"scale", "offset"}; weights default to pow2_scale(fan_in).
    """
    out = []
    sd = module.state_dict()
    with torch.no_grad():
        for key, t in sd.items():
            entry = {"key": key, "shape": list(t.shape)}
            short = key.rsplit(".", 1)[-1]
            spec = specs.get(key, specs.get(short))
            if short == "num_batches_tracked":
                entry["value"] = spec["value"] if spec else 0
                t.fill_(entry["value"])
                out.append(entry)
                continue
            if spec is None:
                fan_in = t.shape[1] * math.prod(t.shape[2:]) if t.dim() > 1 else t.shape[0]
                spec = {"scale": pow2_scale(fan_in)}
            entry["seed"] = seeds()
            entry["scale"] = spec.get("scale", 1.0)
            if spec.get("offset", 0.0) != 0.0:
                entry["offset"] = spec["offset"]
            t.copy_(draw(entry))
            out.append(entry)
    return out


def run_case(name, layer, attrs, module, phases, seeds, state=None, in_scale=1.0):
    """Record one layer: its state_dict and each phase's results.

    phases: list of (mode, input shape).
    """
    case = {"name": name, "layer": layer, "attrs": attrs,
            "state": state_specs(module, seeds, state or {})}
    params = dict(module.named_parameters())
    recorded = []
    for mode, shape in phases:
        module.train(mode == "train")
        xs = {"shape": list(shape), "seed": seeds(), "scale": in_scale}
        x = draw(xs).requires_grad_(True)
        out = module(x)
        rs = {"seed": seeds(), "scale": 1.0}
        r = draw(rs, list(out.shape))
        (out * r).sum().backward()
        ph = {"mode": mode, "input": xs, "upstream": rs, "out": tensor_json(out),
              "input_grad": sampled_json(x.grad, seeds())}
        ph["grads"] = {k: sampled_json(p.grad, seeds()) for k, p in params.items()}
        bufs = dict(module.named_buffers())
        if bufs:
            ph["buffers"] = {k: tensor_json(b.to(torch.float32)) for k, b in bufs.items()}
        module.zero_grad(set_to_none=True)
        recorded.append(ph)
    case["phases"] = recorded
    return case


def conv_case(seeds, name, cin, cout, k, stride=1, padding=0, dilation=1, groups=1, bias=True,
              shape=(2, None, 7, 7)):
    m = nn.Conv2d(cin, cout, k, stride=stride, padding=padding, dilation=dilation, groups=groups, bias=bias)
    attrs = {"in": cin, "out": cout, "kernel": k, "stride": stride, "padding": padding,
             "dilation": dilation, "groups": groups, "bias": bias}
    shape = (shape[0], cin) + tuple(shape[2:])
    return run_case(name, "Conv2d", attrs, m, [("train", shape)], seeds)


def lenet5():
    """LeNet-5 as the nn tests build it (torch's usual MNIST variant)."""
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),   # 6×28×28 → 6×14×14
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),             # 16×10×10 → 16×5×5
        nn.Flatten(),                                                # 400
        nn.Linear(400, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10))


def cases():
    s = Seeds(1000)
    out = []
    out.append(conv_case(s, "conv2d_plain", 3, 4, 3))
    out.append(conv_case(s, "conv2d_stride2_pad1_groups2", 4, 6, 3, stride=2, padding=1, groups=2))
    out.append(conv_case(s, "conv2d_dilation2_nobias", 3, 4, 3, padding=2, dilation=2, bias=False))
    out.append(conv_case(s, "conv2d_depthwise_k5_pad2", 4, 4, 5, padding=2, groups=4, shape=(2, None, 6, 5)))
    out.append(conv_case(s, "conv2d_1x1", 5, 3, 1, bias=True, shape=(3, None, 4, 4)))

    out.append(run_case("linear", "Linear", {"in": 7, "out": 5, "bias": True}, nn.Linear(7, 5),
                        [("train", (3, 7))], s))
    out.append(run_case("linear_nobias", "Linear", {"in": 6, "out": 4, "bias": False},
                        nn.Linear(6, 4, bias=False), [("train", (2, 6))], s))

    def pool(name, layer, attrs, m, shape=(2, 3, 7, 7)):
        out.append(run_case(name, layer, attrs, m, [("train", shape)], s))

    pool("maxpool2d_k2", "MaxPool2d", {"kernel": 2, "stride": 0, "padding": 0, "dilation": 1, "ceil_mode": False},
         nn.MaxPool2d(2), shape=(2, 3, 8, 6))
    pool("maxpool2d_k3_s2_p1_ceil", "MaxPool2d", {"kernel": 3, "stride": 2, "padding": 1, "dilation": 1, "ceil_mode": True},
         nn.MaxPool2d(3, 2, 1, ceil_mode=True))
    pool("maxpool2d_k2_dilation2", "MaxPool2d", {"kernel": 2, "stride": 1, "padding": 0, "dilation": 2, "ceil_mode": False},
         nn.MaxPool2d(2, 1, 0, dilation=2))
    pool("avgpool2d_k2", "AvgPool2d", {"kernel": 2, "stride": 0, "padding": 0, "ceil_mode": False,
                                       "count_include_pad": True, "divisor_override": 0},
         nn.AvgPool2d(2), shape=(2, 3, 8, 6))
    pool("avgpool2d_k3_s2_p1", "AvgPool2d", {"kernel": 3, "stride": 2, "padding": 1, "ceil_mode": False,
                                             "count_include_pad": True, "divisor_override": 0},
         nn.AvgPool2d(3, 2, 1))
    pool("avgpool2d_k3_s2_p1_ceil_excludepad", "AvgPool2d", {"kernel": 3, "stride": 2, "padding": 1, "ceil_mode": True,
                                                             "count_include_pad": False, "divisor_override": 0},
         nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False))
    pool("avgpool2d_k2_divisor3", "AvgPool2d", {"kernel": 2, "stride": 0, "padding": 0, "ceil_mode": False,
                                                "count_include_pad": True, "divisor_override": 3},
         nn.AvgPool2d(2, divisor_override=3), shape=(1, 2, 6, 6))
    pool("adaptive_avgpool2d_3x2", "AdaptiveAvgPool2d", {"h": 3, "w": 2}, nn.AdaptiveAvgPool2d((3, 2)),
         shape=(2, 3, 7, 5))
    pool("adaptive_avgpool2d_1x1", "AdaptiveAvgPool2d", {"h": 1, "w": 1}, nn.AdaptiveAvgPool2d(1))
    pool("adaptive_avgpool2d_upsample", "AdaptiveAvgPool2d", {"h": 4, "w": 4}, nn.AdaptiveAvgPool2d(4),
         shape=(1, 2, 3, 3))
    pool("relu", "ReLU", {}, nn.ReLU(), shape=(2, 3, 4, 5))
    out.append(run_case("dropout_eval", "Dropout", {"p": 0.5}, nn.Dropout(0.5), [("eval", (2, 3, 4, 4))], s))
    pool("local_response_norm", "LocalResponseNorm", {"size": 5, "alpha": 0.01, "beta": 0.75, "k": 2.0},
         nn.LocalResponseNorm(5, alpha=0.01, beta=0.75, k=2.0), shape=(2, 7, 3, 3))
    pool("local_response_norm_size2", "LocalResponseNorm", {"size": 2, "alpha": 0.1, "beta": 0.5, "k": 1.0},
         nn.LocalResponseNorm(2, alpha=0.1, beta=0.5, k=1.0), shape=(1, 4, 3, 2))
    pool("flatten", "Flatten", {}, nn.Flatten(), shape=(2, 3, 2, 4))

    # BatchNorm2d: non-default affine parameters and running statistics
    # loaded by name; two training passes (the running statistics move
    # twice, num_batches_tracked 3 → 5), then evaluation with them.
    bn_state = {"weight": {"scale": 0.5, "offset": 1.0}, "bias": {"scale": 0.5},
                "running_mean": {"scale": 0.25}, "running_var": {"scale": 0.5, "offset": 1.0},
                "num_batches_tracked": {"value": 3}}
    out.append(run_case("batchnorm2d", "BatchNorm2d", {"channels": 3}, nn.BatchNorm2d(3),
                        [("train", (2, 3, 4, 4)), ("train", (4, 3, 3, 2)), ("eval", (2, 3, 4, 4))],
                        s, state=bn_state, in_scale=2.0))

    out.append(run_case("lenet5", "LeNet5", {}, lenet5(), [("train", (2, 1, 28, 28))], s))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="nn/testdata", help="output directory")
    args = ap.parse_args()
    torch.manual_seed(0)  # only module construction draws; every value is then overwritten
    torch.set_num_threads(1)
    doc = {"generator": "tools/parity/gen_layer_fixtures.py", "torch": torch.__version__, "cases": cases()}
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "layers.json")
    with open(path, "w") as f:
        f.write(emit(doc) + "\n")
    print("wrote %s (%d bytes)" % (path, os.path.getsize(path)), file=sys.stderr)


if __name__ == "__main__":
    main()
