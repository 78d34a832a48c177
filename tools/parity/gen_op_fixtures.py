#!/usr/bin/python3
"""Generate the PyTorch parity fixtures of package tensor.

Every op of package tensor is run here by PyTorch, in float32, on small
deterministic inputs: several configurations per op (odd spatial sizes,
stride, padding, groups, dilation, ceil_mode, ...). For each case the fixture
holds the inputs and op attributes, the forward output (and any state the op
updates, such as batch norm's running statistics), a fixed random upstream
gradient R, and the gradients of the inputs after out.backward(R).
tensor/parity_test.go replays every case through our ops and compares.

Regenerate (from the repository root) with

    /usr/bin/python3 tools/parity/gen_op_fixtures.py --out tensor/testdata/parity

or, equivalently, `go test ./tensor/ -run Parity -update`. The output is
deterministic for a given PyTorch version: each file has its own seed, so
adding cases to one op leaves the other files unchanged.

Values are drawn in float64, rounded to float32, and torch then computes in
float32, so that its results are float32 results like ours. Numbers are
written with the shortest decimal that reads back as the same float32 (at
most 9 significant digits); the Go side parses them with
strconv.ParseFloat(s, 32).

Dropout is not here: torch's random stream cannot be matched, so the Go test
checks it statistically instead.
"""

import argparse
import math
import os
import struct
import sys
import zlib

import torch
import torch.nn.functional as F

# ---------------------------------------------------------------- output


def f32str(v):
    """The shortest decimal string that parses back to the float32 v."""
    v = float(v)
    assert math.isfinite(v), "JSON has no NaN or infinity: %r" % v
    if v == 0:
        return "-0" if struct.pack(">f", v) != struct.pack(">f", 0.0) else "0"
    want = struct.pack(">f", v)
    for p in range(1, 10):
        s = "%.*g" % (p, v)
        if struct.pack(">f", float(s)) == want:
            break
    # "%g" may write 1e-05; JSON accepts that as it is.
    return s


def emit(o, indent=0):
    """A small JSON writer: tensors on one line with float32-exact numbers."""
    pad = "  " * indent
    if isinstance(o, torch.Tensor):
        t = o.detach().to(torch.float32).contiguous()
        data = ",".join(f32str(v) for v in t.reshape(-1).tolist())
        return '{"shape":[%s],"data":[%s]}' % (",".join(str(d) for d in t.shape), data)
    if isinstance(o, dict):
        if not o:
            return "{}"
        items = []
        for k, v in o.items():
            items.append('%s  "%s": %s' % (pad, k, emit(v, indent + 1)))
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(o, (list, tuple)):
        if all(isinstance(x, (int, float, str, bool)) for x in o):
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


class Family:
    """The cases of one fixture file, drawn from one seeded generator."""

    def __init__(self, name, seed):
        self.name = name
        self.seed = seed
        self.gen = torch.Generator().manual_seed(seed)
        self.cases = []

    def randn(self, *shape, scale=1.0, shift=0.0):
        """N(shift, scale²) drawn in float64, rounded to float32."""
        t = torch.randn(tuple(shape), dtype=torch.float64, generator=self.gen)
        return (t * scale + shift).to(torch.float32)

    def randu(self, *shape, lo=0.0, hi=1.0):
        t = torch.rand(tuple(shape), dtype=torch.float64, generator=self.gen)
        return (lo + (hi - lo) * t).to(torch.float32)

    def randint(self, hi, n):
        return torch.randint(0, hi, (n,), generator=self.gen).tolist()

    def add(self, name, op, attrs, inputs, fn, state=()):
        """Run fn on the inputs and record a case.

        inputs: list of (name, float32 tensor, requires_grad); None tensors
        are absent (e.g. a conv without bias). state: names of inputs the op
        updates in place; their values after the forward are outputs too.
        """
        leaves = {}
        rec_inputs = []
        for n, t, rg in inputs:
            if t is None:
                leaves[n] = None
                continue
            rec_inputs.append({"name": n, "requires_grad": rg, "tensor": t.clone()})
            leaves[n] = t.clone().requires_grad_(rg)
        out = fn(leaves)
        assert out.dtype == torch.float32, (name, out.dtype)
        upstream = self.randn(*out.shape)
        outputs = [{"name": "out", "tensor": out.detach().clone()}]
        for n in state:
            outputs.append({"name": n, "tensor": leaves[n].detach().clone()})
        out.backward(upstream)
        grads = []
        for n, t, rg in inputs:
            if t is not None and rg:
                g = leaves[n].grad
                assert g is not None and g.dtype == torch.float32, (name, n)
                grads.append({"name": n, "tensor": g})
        self.cases.append({
            "name": name,
            "op": op,
            "attrs": attrs,
            "inputs": rec_inputs,
            "outputs": outputs,
            "upstream": upstream,
            "grads": grads,
        })

    def write(self, out_dir):
        doc = {
            "family": self.name,
            "generator": "tools/parity/gen_op_fixtures.py",
            "torch": torch.__version__,
            "seed": self.seed,
            "cases": self.cases,
        }
        path = os.path.join(out_dir, self.name + ".json")
        with open(path, "w") as f:
            f.write(emit(doc) + "\n")
        return path


def pair(v):
    return list(v) if isinstance(v, (list, tuple)) else [v, v]


# ---------------------------------------------------------------- families


def gen_conv2d(f):
    configs = [
        # name, x shape, w shape, bias, stride, padding, dilation, groups
        ("3x3_7x9", (2, 2, 7, 9), (3, 2, 3, 3), True, 1, 0, 1, 1),
        ("3x3_stride2_pad1_11x13", (2, 1, 11, 13), (3, 1, 3, 3), True, 2, 1, 1, 1),
        ("3x5_stride2x1_pad1x2_nobias", (2, 2, 7, 9), (3, 2, 3, 5), False, (2, 1), (1, 2), 1, 1),
        ("dilation2_pad2_7x7", (2, 2, 7, 7), (2, 2, 3, 3), True, 1, 2, 2, 1),
        ("dilation2x1_stride2_11x13", (2, 1, 11, 13), (2, 1, 3, 3), True, 2, 1, (2, 1), 1),
        ("groups2_pad1_5x5", (2, 4, 5, 5), (4, 2, 3, 3), True, 1, 1, 1, 2),
        ("groups2_stride2_5x5_nobias", (2, 4, 5, 5), (4, 2, 3, 3), False, 2, 1, 1, 2),
        ("depthwise_pad1_5x5", (2, 4, 5, 5), (4, 1, 3, 3), True, 1, 1, 1, 4),
        ("depthwise_x2_stride2_5x7", (2, 3, 5, 7), (6, 1, 3, 3), True, 2, 1, 1, 3),
        ("pointwise_1x1_5x5", (2, 4, 5, 5), (6, 4, 1, 1), True, 1, 0, 1, 1),
        ("pointwise_groups2_3x5", (2, 4, 3, 5), (6, 2, 1, 1), False, 1, 0, 1, 2),
        ("1x1_stride2_7x9", (2, 3, 7, 9), (3, 3, 1, 1), True, 2, 0, 1, 1),
        ("5x5_stride3_pad2_13x13", (2, 1, 13, 13), (2, 1, 5, 5), True, 3, 2, 1, 1),
        ("kernel7_larger_than_input_5x5", (2, 2, 5, 5), (3, 2, 7, 7), True, 1, 3, 1, 1),
        ("batch1_3x3_pad1_7x9", (1, 2, 7, 9), (3, 2, 3, 3), True, 1, 1, 1, 1),
        ("2x2_stride3_gaps_11x13", (2, 1, 11, 13), (2, 1, 2, 2), True, 3, 0, 1, 1),
        ("padding_exceeds_kernel_2x2_pad3_3x3", (2, 1, 3, 3), (2, 1, 2, 2), True, 1, 3, 1, 1),
        ("stride_exceeds_input_one_output_5x5", (2, 2, 5, 5), (2, 2, 3, 3), True, 7, 0, 1, 1),
        ("dilation3_kernel_spans_input_7x7", (2, 2, 7, 7), (2, 2, 3, 3), True, 1, 0, 3, 1),
    ]
    for name, xs, ws, has_bias, s, p, d, g in configs:
        x = f.randn(*xs)
        w = f.randn(*ws, scale=0.3)
        b = f.randn(ws[0]) if has_bias else None
        attrs = {"stride": pair(s), "padding": pair(p), "dilation": pair(d), "groups": g}
        f.add(name, "conv2d", attrs, [("x", x, True), ("w", w, True), ("b", b, True)],
              lambda t, s=s, p=p, d=d, g=g: F.conv2d(t["x"], t["w"], t["b"], stride=s, padding=p, dilation=d, groups=g))
    # A network's first layer: the image needs no gradient, the weights do.
    x, w, b = f.randn(2, 2, 5, 7), f.randn(3, 2, 3, 3, scale=0.3), f.randn(3)
    f.add("input_without_grad_pad1_5x7", "conv2d", {"stride": [1, 1], "padding": [1, 1], "dilation": [1, 1], "groups": 1},
          [("x", x, False), ("w", w, True), ("b", b, True)],
          lambda t: F.conv2d(t["x"], t["w"], t["b"], padding=1))
    # Frozen weights: only the input needs a gradient.
    x, w, b = f.randn(2, 2, 5, 7), f.randn(3, 2, 3, 3, scale=0.3), f.randn(3)
    f.add("frozen_weights_stride2_5x7", "conv2d", {"stride": [2, 2], "padding": [0, 0], "dilation": [1, 1], "groups": 1},
          [("x", x, True), ("w", w, False), ("b", b, False)],
          lambda t: F.conv2d(t["x"], t["w"], t["b"], stride=2))


def pool_attrs(k, s, p, d=1, ceil=False, cip=True, div=None):
    a = {"kernel": pair(k), "stride": pair(s), "padding": pair(p), "dilation": pair(d), "ceil_mode": ceil}
    a["count_include_pad"] = cip
    a["divisor_override"] = div or 0
    return a


def gen_max_pool2d(f):
    configs = [
        # name, x shape, kernel, stride, padding, dilation, ceil_mode
        ("alexnet_k3_s2_13x13", (2, 2, 13, 13), 3, 2, 0, 1, False),
        ("k3_s2_ceil_7x9", (2, 2, 7, 9), 3, 2, 0, 1, True),
        ("k3_s2_floor_7x9", (2, 2, 7, 9), 3, 2, 0, 1, False),
        ("k2_s2_ceil_7x9", (2, 2, 7, 9), 2, 2, 0, 1, True),
        ("k2_s2_floor_7x9", (2, 2, 7, 9), 2, 2, 0, 1, False),
        ("k3_s1_pad1_5x5", (2, 3, 5, 5), 3, 1, 1, 1, False),
        ("k2_s2_pad1_ceil_last_window_dropped_5x5", (2, 2, 5, 5), 2, 2, 1, 1, True),
        ("k3_s2_pad1_ceil_11x13", (2, 1, 11, 13), 3, 2, 1, 1, True),
        ("dilation2_k3_s1_pad1_9x9", (2, 2, 9, 9), 3, 1, 1, 2, False),
        ("dilation2x3_k3_s2_pad1_ceil_11x13", (2, 1, 11, 13), 3, 2, 1, (2, 3), True),
        ("rect_k2x3_s1x2_pad1_7x9", (2, 2, 7, 9), (2, 3), (1, 2), 1, 1, False),
        ("k2_s3_gaps_ceil_11x13", (2, 1, 11, 13), 2, 3, 0, 1, True),
    ]
    for name, xs, k, s, p, d, ceil in configs:
        x = f.randn(*xs)
        attrs = pool_attrs(k, s, p, d, ceil)
        f.add(name, "max_pool2d", attrs, [("x", x, True)],
              lambda t, k=k, s=s, p=p, d=d, ceil=ceil: F.max_pool2d(t["x"], k, s, p, d, ceil_mode=ceil))
    # Ties: values from {-1, 0, 1} in overlapping windows. torch's CPU kernel
    # keeps the first maximum in row-major order; the gradient goes there.
    x = torch.randint(-1, 2, (2, 2, 7, 7), generator=f.gen).to(torch.float32)
    f.add("ties_k3_s1_pad1_7x7", "max_pool2d", pool_attrs(3, 1, 1), [("x", x, True)],
          lambda t: F.max_pool2d(t["x"], 3, 1, 1))


def gen_avg_pool2d(f):
    configs = [
        # name, x shape, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override
        ("k3_s2_7x9", (2, 2, 7, 9), 3, 2, 0, False, True, None),
        ("k3_s2_ceil_7x9", (2, 2, 7, 9), 3, 2, 0, True, True, None),
        ("k2_s2_ceil_7x9_exclude_pad", (2, 2, 7, 9), 2, 2, 0, True, False, None),
        ("k3_s1_pad1_include_pad_5x5", (2, 2, 5, 5), 3, 1, 1, False, True, None),
        ("k3_s1_pad1_exclude_pad_5x5", (2, 2, 5, 5), 3, 1, 1, False, False, None),
        ("k2_s2_pad1_ceil_include_pad_5x5", (2, 2, 5, 5), 2, 2, 1, True, True, None),
        ("k2_s2_pad1_ceil_exclude_pad_5x5", (2, 2, 5, 5), 2, 2, 1, True, False, None),
        ("k3_s2_pad1_ceil_include_pad_11x13", (2, 1, 11, 13), 3, 2, 1, True, True, None),
        ("divisor_override3_k3_s2_pad1_7x9", (2, 2, 7, 9), 3, 2, 1, False, True, 3),
        ("divisor_override5_ceil_exclude_pad_7x9", (2, 2, 7, 9), 3, 2, 1, True, False, 5),
        ("rect_k2x3_s1x2_pad1x1_7x9", (2, 2, 7, 9), (2, 3), (1, 2), 1, False, True, None),
        ("rect_k3x2_s2x1_pad1x0_exclude_11x13", (2, 1, 11, 13), (3, 2), (2, 1), (1, 0), True, False, None),
    ]
    for name, xs, k, s, p, ceil, cip, div in configs:
        x = f.randn(*xs)
        attrs = pool_attrs(k, s, p, 1, ceil, cip, div)
        f.add(name, "avg_pool2d", attrs, [("x", x, True)],
              lambda t, k=k, s=s, p=p, ceil=ceil, cip=cip, div=div:
              F.avg_pool2d(t["x"], k, s, p, ceil_mode=ceil, count_include_pad=cip, divisor_override=div))


def gen_adaptive_avg_pool2d(f):
    configs = [
        ("7x7_to_3x3", (2, 2, 7, 7), (3, 3)),
        ("5x9_to_2x4", (2, 2, 5, 9), (2, 4)),
        ("6x6_to_1x1", (2, 3, 6, 6), (1, 1)),
        ("7x9_to_1x1", (2, 2, 7, 9), (1, 1)),
        ("13x11_to_5x7", (2, 1, 13, 11), (5, 7)),
        ("6x6_to_6x6_identity", (2, 2, 6, 6), (6, 6)),
        ("3x5_to_4x7_upsampling", (2, 2, 3, 5), (4, 7)),
        ("5x3_to_2x5_mixed", (2, 2, 5, 3), (2, 5)),
    ]
    for name, xs, o in configs:
        x = f.randn(*xs)
        f.add(name, "adaptive_avg_pool2d", {"output_size": list(o)}, [("x", x, True)],
              lambda t, o=o: F.adaptive_avg_pool2d(t["x"], o))


def gen_lrn(f):
    configs = [
        # name, x shape, input scale, size, alpha, beta, k
        ("alexnet_size5_a1e-4_b0.75_k2", (2, 6, 5, 5), 1.0, 5, 1e-4, 0.75, 2.0),
        ("alexnet_size5_a5e-4_b0.75_k2", (2, 6, 3, 3), 1.0, 5, 5e-4, 0.75, 2.0),
        ("size5_a1e-4_b0.75_k1", (2, 6, 3, 5), 1.0, 5, 1e-4, 0.75, 1.0),
        ("size5_a5e-4_b0.75_k2_large_inputs", (2, 6, 3, 3), 30.0, 5, 5e-4, 0.75, 2.0),
        # Strong normalisation so the second backward term is not negligible.
        ("size3_a1_b0.75_k1_strong", (2, 5, 3, 3), 2.0, 3, 1.0, 0.75, 1.0),
        ("size4_even_window_a0.5_b0.6_k1", (2, 6, 3, 5), 2.0, 4, 0.5, 0.6, 1.0),
        ("size5_3d_input_a1_b0.75_k2", (2, 6, 7), 2.0, 5, 1.0, 0.75, 2.0),
        ("size5_window_wider_than_3_channels", (2, 3, 3, 3), 2.0, 5, 1.0, 0.75, 1.0),
        ("size1_a1_b0.5_k1", (2, 3, 3, 3), 2.0, 1, 1.0, 0.5, 1.0),
    ]
    for name, xs, scale, size, alpha, beta, k in configs:
        x = f.randn(*xs, scale=scale)
        attrs = {"size": size, "alpha": alpha, "beta": beta, "k": k}
        f.add(name, "local_response_norm", attrs, [("x", x, True)],
              lambda t, size=size, alpha=alpha, beta=beta, k=k: F.local_response_norm(t["x"], size, alpha, beta, k))


def gen_batch_norm(f):
    configs = [
        # name, x shape, training, affine, momentum, eps, input shift
        ("train_affine_2x3x5x5", (2, 3, 5, 5), True, True, 0.1, 1e-5, 0.0),
        ("train_no_affine_2x3x5x7", (2, 3, 5, 7), True, False, 0.1, 1e-5, 0.0),
        ("train_affine_shifted_mean_momentum0.3", (2, 4, 5, 5), True, True, 0.3, 1e-5, 5.0),
        ("train_affine_2d_6x4", (6, 4), True, True, 0.1, 1e-5, 0.0),
        ("train_affine_three_values_per_channel_3x3", (3, 3), True, True, 0.1, 1e-5, 0.0),
        ("train_affine_3d_eps1e-3", (3, 4, 5), True, True, 0.1, 1e-3, 0.0),
        ("eval_affine_2x3x5x5", (2, 3, 5, 5), False, True, 0.1, 1e-5, 0.0),
        ("eval_no_affine_2x3x5x7", (2, 3, 5, 7), False, False, 0.1, 1e-5, 0.0),
        ("eval_affine_2d_6x4", (6, 4), False, True, 0.1, 1e-5, 0.0),
        ("eval_affine_input_without_grad", (2, 3, 3, 3), False, True, 0.1, 1e-5, 0.0),
        ("train_affine_input_without_grad", (2, 3, 3, 3), True, True, 0.1, 1e-5, 0.0),
    ]
    for name, xs, training, affine, mom, eps, shift in configs:
        c = xs[1]
        x = f.randn(*xs, scale=2.0, shift=shift)
        w = f.randn(c, scale=0.5, shift=1.0) if affine else None
        b = f.randn(c, scale=0.5) if affine else None
        rm = f.randn(c, scale=0.5)
        rv = f.randu(c, lo=0.5, hi=2.0)
        attrs = {"training": training, "momentum": mom, "eps": eps}
        f.add(name, "batch_norm", attrs,
              [("x", x, "without_grad" not in name), ("weight", w, True), ("bias", b, True),
               ("running_mean", rm, False), ("running_var", rv, False)],
              lambda t, training=training, mom=mom, eps=eps:
              F.batch_norm(t["x"], t["running_mean"], t["running_var"], t["weight"], t["bias"],
                           training=training, momentum=mom, eps=eps),
              state=("running_mean", "running_var"))
    # Batch statistics only, no running ones (track_running_stats=False).
    x, w, b = f.randn(2, 3, 3, 5, scale=2.0), f.randn(3, scale=0.5, shift=1.0), f.randn(3, scale=0.5)
    f.add("train_affine_no_running_stats", "batch_norm", {"training": True, "momentum": 0.1, "eps": 1e-5},
          [("x", x, True), ("weight", w, True), ("bias", b, True)],
          lambda t: F.batch_norm(t["x"], None, None, t["weight"], t["bias"], training=True, momentum=0.1, eps=1e-5))
    # Batch norm and the ReLU after it, fused in package tensor (BatchNormReLU);
    # planes of 37 values leave a tail past the 16-float vectors.
    for name, xs, training in [("train_affine_3x4x5x7", (3, 4, 5, 7), True), ("eval_affine_2x3x5x7", (2, 3, 5, 7), False),
                               ("train_affine_2x3x6x6", (2, 3, 6, 6), True)]:
        c = xs[1]
        x = f.randn(*xs, scale=2.0)
        w, b = f.randn(c, scale=0.5, shift=1.0), f.randn(c, scale=0.5)
        rm, rv = f.randn(c, scale=0.5), f.randu(c, lo=0.5, hi=2.0)
        f.add("relu_" + name, "batch_norm_relu", {"training": training, "momentum": 0.1, "eps": 1e-5},
              [("x", x, True), ("weight", w, True), ("bias", b, True), ("running_mean", rm, False), ("running_var", rv, False)],
              lambda t, training=training: F.relu(F.batch_norm(t["x"], t["running_mean"], t["running_var"], t["weight"],
                                                               t["bias"], training=training, momentum=0.1, eps=1e-5)),
              state=("running_mean", "running_var"))


def gen_softmax(f):
    configs = [
        ("2d_axis-1", (4, 7), -1, 1.0),
        ("2d_axis0", (4, 7), 0, 1.0),
        ("4d_axis1_channels", (2, 3, 4, 5), 1, 1.0),
        ("4d_axis3", (2, 3, 4, 5), 3, 1.0),
        ("4d_axis2", (2, 3, 4, 5), 2, 1.0),
        ("2d_large_logits", (3, 10), 1, 30.0),
        ("axis_of_size1", (3, 1, 4), 1, 1.0),
    ]
    for op, fn in (("softmax", F.softmax), ("log_softmax", F.log_softmax)):
        for name, xs, axis, scale in configs:
            x = f.randn(*xs, scale=scale)
            f.add(op + "_" + name, op, {"axis": axis}, [("x", x, True)],
                  lambda t, fn=fn, axis=axis: fn(t["x"], dim=axis))


def gen_cross_entropy(f):
    configs = [
        ("mean", (6, 5), "mean", 0.0, 1.0),
        ("sum", (6, 5), "sum", 0.0, 1.0),
        ("mean_smoothing0.1", (6, 5), "mean", 0.1, 1.0),
        ("sum_smoothing0.1", (6, 5), "sum", 0.1, 1.0),
        ("mean_smoothing0.1_large_logits_3x10", (3, 10), "mean", 0.1, 20.0),
        ("sum_1x10", (1, 10), "sum", 0.0, 3.0),
    ]
    for name, xs, red, eps, scale in configs:
        x = f.randn(*xs, scale=scale)
        targets = f.randint(xs[1], xs[0])
        attrs = {"reduction": red, "label_smoothing": eps, "targets": targets}
        f.add(name, "cross_entropy", attrs, [("logits", x, True)],
              lambda t, red=red, eps=eps, targets=targets:
              F.cross_entropy(t["logits"], torch.tensor(targets), reduction=red, label_smoothing=eps))


def gen_linear(f):
    for name, n, i, o, bias in [("bias_5x7_to_4", 5, 7, 4, True), ("nobias_5x7_to_4", 5, 7, 4, False),
                                ("bias_1x13_to_6", 1, 13, 6, True), ("bias_6x1_to_3", 6, 1, 3, True)]:
        x = f.randn(n, i)
        w = f.randn(o, i, scale=0.4)
        b = f.randn(o) if bias else None
        f.add(name, "linear", {}, [("x", x, True), ("w", w, True), ("b", b, True)],
              lambda t: F.linear(t["x"], t["w"], t["b"]))
    # The classifier's input from frozen features: only the weights learn.
    x, w, b = f.randn(3, 6), f.randn(4, 6, scale=0.4), f.randn(4)
    f.add("input_without_grad_3x6_to_4", "linear", {}, [("x", x, False), ("w", w, True), ("b", b, True)],
          lambda t: F.linear(t["x"], t["w"], t["b"]))


def gen_matmul(f):
    for name, m, k, n in [("5x7_7x4", 5, 7, 4), ("1x6_6x3", 1, 6, 3), ("6x1_1x5", 6, 1, 5), ("13x11_11x9", 13, 11, 9)]:
        a = f.randn(m, k)
        b = f.randn(k, n)
        f.add(name, "matmul", {}, [("a", a, True), ("b", b, True)], lambda t: torch.matmul(t["a"], t["b"]))
    a, b = f.randn(4, 5), f.randn(5, 3)
    f.add("constant_lhs_4x5_5x3", "matmul", {}, [("a", a, False), ("b", b, True)], lambda t: torch.matmul(t["a"], t["b"]))
    a, b = f.randn(4, 5), f.randn(5, 3)
    f.add("constant_rhs_4x5_5x3", "matmul", {}, [("a", a, True), ("b", b, False)], lambda t: torch.matmul(t["a"], t["b"]))


def gen_binary(f):
    shapes = [
        ("same_2x3x2x3", (2, 3, 2, 3), (2, 3, 2, 3)),
        ("channel_bias_2x3x2x3_3x1x1", (2, 3, 2, 3), (3, 1, 1)),
        ("both_broadcast_2x1x5_4x1", (2, 1, 5), (4, 1)),
        ("row_1x5_col_4x1", (1, 5), (4, 1)),
        ("scalar_rhs_3x4_0d", (3, 4), ()),
        ("lhs_broadcast_5_2x3x5", (5,), (2, 3, 5)),
    ]
    ops = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div}
    for op, fn in ops.items():
        for name, sa, sb in shapes:
            a = f.randn(*sa)
            if op == "div":  # keep the divisor away from zero
                mag = f.randu(*sb, lo=0.5, hi=2.0)
                sign = torch.where(f.randu(*sb) < 0.5, -1.0, 1.0).to(torch.float32)
                b = mag * sign
            else:
                b = f.randn(*sb)
            f.add(op + "_" + name, op, {}, [("a", a, True), ("b", b, True)],
                  lambda t, fn=fn: fn(t["a"], t["b"]))
        # One operand needs no gradient (a constant).
        a, b = f.randn(2, 3, 4), f.randu(3, 1, lo=0.5, hi=2.0)
        f.add(op + "_constant_rhs_2x3x4_3x1", op, {}, [("a", a, True), ("b", b, False)],
              lambda t, fn=fn: fn(t["a"], t["b"]))
        # The same tensor on both sides: both gradients land on one leaf.
        # (Not for div: the gradient of a/a is 0 plus rounding noise, which
        # no two implementations share.)
        a = f.randu(3, 4, lo=0.5, hi=2.0)
        if op != "div":
            f.add(op + "_same_tensor_both_sides_3x4", op, {}, [("a", a, True)],
                  lambda t, fn=fn: fn(t["a"], t["a"]))


def gen_scalar(f):
    for name, op, s in [("add_scalar_0.5", "add_scalar", 0.5), ("add_scalar_-3.25", "add_scalar", -3.25),
                        ("mul_scalar_-1.5", "mul_scalar", -1.5), ("mul_scalar_0.1", "mul_scalar", 0.1),
                        ("neg", "neg", -1.0)]:
        x = f.randn(2, 3, 5)
        sv = torch.tensor(s, dtype=torch.float32).item()
        attrs = {} if op == "neg" else {"scalar": s}
        if op == "add_scalar":
            fn = lambda t, sv=sv: t["x"] + sv
        elif op == "mul_scalar":
            fn = lambda t, sv=sv: t["x"] * sv
        else:
            fn = lambda t: -t["x"]
        f.add(name, op, attrs, [("x", x, True)], fn)


def gen_relu(f):
    x = f.randn(2, 3, 5, 7)
    x.view(-1)[::7] = 0.0  # exact zeros: torch passes no gradient at 0
    f.add("relu_2x3x5x7_with_zeros", "relu", {}, [("x", x, True)], lambda t: F.relu(t["x"]))
    x = f.randn(4, 9)
    f.add("relu_4x9", "relu", {}, [("x", x, True)], lambda t: F.relu(t["x"]))
    # The sum and ReLU at the end of a residual block, one op in package tensor (AddReLU).
    a, b = f.randn(2, 3, 5, 7), f.randn(2, 3, 5, 7)
    b.view(-1)[::5] = -a.view(-1)[::5]  # sums of exactly zero
    f.add("add_relu_2x3x5x7", "add_relu", {}, [("a", a, True), ("b", b, True)], lambda t: F.relu(t["a"] + t["b"]))


def gen_reduce(f):
    x = f.randn(2, 3, 4, 5)
    f.add("sum_all_2x3x4x5", "sum", {}, [("x", x, True)], lambda t: t["x"].sum())
    x = f.randn(2, 3, 4, 5)
    f.add("mean_all_2x3x4x5", "mean", {}, [("x", x, True)], lambda t: t["x"].mean())
    x = f.randn(7, 9, scale=3.0, shift=2.0)
    f.add("sum_all_7x9_shifted", "sum", {}, [("x", x, True)], lambda t: t["x"].sum())
    for op in ("sum_axis", "mean_axis"):
        for shape, axis in [((2, 3, 2, 5), 1), ((2, 3, 2, 5), -1), ((2, 3, 2, 5), 0), ((6, 7), 0)]:
            for keep in (False, True):
                x = f.randn(*shape)
                name = "%s_%s_axis%d_keepdim_%s" % (op, "x".join(map(str, shape)), axis, str(keep).lower())
                if op == "sum_axis":
                    fn = lambda t, axis=axis, keep=keep: t["x"].sum(dim=axis, keepdim=keep)
                else:
                    fn = lambda t, axis=axis, keep=keep: t["x"].mean(dim=axis, keepdim=keep)
                f.add(name, op, {"axis": axis, "keepdim": keep}, [("x", x, True)], fn)


def gen_concat(f):
    configs = [
        ("channels_2x2+1+3x3x3", [(2, 2, 3, 3), (2, 1, 3, 3), (2, 3, 3, 3)], 1),
        ("channels_two_inputs_3x5", [(2, 3, 3, 5), (2, 2, 3, 5)], 1),
        ("batch_axis0", [(1, 2, 3, 3), (2, 2, 3, 3)], 0),
        ("last_axis-1", [(2, 3, 2), (2, 3, 4)], -1),
    ]
    for name, shapes, axis in configs:
        xs = [("x%d" % i, f.randn(*s), True) for i, s in enumerate(shapes)]
        k = len(xs)
        f.add(name, "concat", {"axis": axis}, xs,
              lambda t, axis=axis, k=k: torch.cat([t["x%d" % i] for i in range(k)], dim=axis))
    # One branch needs no gradient.
    xs = [("x0", f.randn(2, 2, 3, 3), True), ("x1", f.randn(2, 1, 3, 3), False), ("x2", f.randn(2, 2, 3, 3), True)]
    f.add("channels_middle_without_grad", "concat", {"axis": 1}, xs,
          lambda t: torch.cat([t["x0"], t["x1"], t["x2"]], dim=1))
    # The same tensor twice: both slices of the gradient add up on it.
    x = f.randn(2, 2, 3)
    f.add("same_tensor_twice_axis1", "concat", {"axis": 1, "repeat": [0, 0]}, [("x0", x, True)],
          lambda t: torch.cat([t["x0"], t["x0"]], dim=1))


def gen_shape(f):
    x = f.randn(2, 3, 4)
    f.add("reshape_2x3x4_to_6x-1", "reshape", {"shape": [6, -1]}, [("x", x, True)],
          lambda t: t["x"].reshape(6, -1))
    x = f.randn(2, 3, 4)
    f.add("reshape_2x3x4_to_4x3x2", "reshape", {"shape": [4, 3, 2]}, [("x", x, True)],
          lambda t: t["x"].reshape(4, 3, 2))
    x = f.randn(2, 3, 2, 5)
    f.add("flatten_2x3x2x5", "flatten", {}, [("x", x, True)], lambda t: torch.flatten(t["x"], 1))
    x = f.randn(5, 7)
    f.add("transpose_5x7", "transpose", {}, [("x", x, True)], lambda t: t["x"].t())
    x = f.randn(6, 3, 2)
    f.add("narrow_6x3x2_start1_len3", "narrow", {"start": 1, "length": 3}, [("x", x, True)],
          lambda t: t["x"].narrow(0, 1, 3))
    x = f.randn(4, 5)
    f.add("narrow_4x5_start0_len4", "narrow", {"start": 0, "length": 4}, [("x", x, True)],
          lambda t: t["x"].narrow(0, 0, 4))


FAMILIES = [
    ("conv2d", gen_conv2d),
    ("max_pool2d", gen_max_pool2d),
    ("avg_pool2d", gen_avg_pool2d),
    ("adaptive_avg_pool2d", gen_adaptive_avg_pool2d),
    ("local_response_norm", gen_lrn),
    ("batch_norm", gen_batch_norm),
    ("softmax", gen_softmax),
    ("cross_entropy", gen_cross_entropy),
    ("linear", gen_linear),
    ("matmul", gen_matmul),
    ("binary", gen_binary),
    ("scalar", gen_scalar),
    ("relu", gen_relu),
    ("reduce", gen_reduce),
    ("concat", gen_concat),
    ("shape", gen_shape),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="directory for the JSON fixtures (tensor/testdata/parity)")
    ap.add_argument("--only", default="", help="comma-separated families to regenerate (default: all)")
    args = ap.parse_args()
    only = set(filter(None, args.only.split(",")))
    unknown = only - {n for n, _ in FAMILIES}
    if unknown:
        sys.exit("unknown families: %s" % ", ".join(sorted(unknown)))
    torch.set_num_threads(1)  # deterministic reductions
    os.makedirs(args.out, exist_ok=True)
    total = 0
    for name, gen in FAMILIES:
        if only and name not in only:
            continue
        fam = Family(name, seed=zlib.crc32(name.encode()) % 100000)
        gen(fam)
        path = fam.write(args.out)
        size = os.path.getsize(path)
        total += size
        print("%-24s %3d cases %8d bytes" % (name, len(fam.cases), size))
    print("total %d bytes" % total)


if __name__ == "__main__":
    main()
