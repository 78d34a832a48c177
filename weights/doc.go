// Package weights reads and writes model weights in the formats PyTorch
// users have: safetensors, and the .pth/.pt checkpoints of torch.save. It
// loads them into an nn.Module by name, strictly, the way torch's
// load_state_dict does, and takes a module's state back out.
//
// # Formats
//
// Safetensors files are read with F32, F16, BF16 and F64 tensors
// (converted to float32 exactly, F64 rounded) and written with F32 ones
// and string metadata. The header is checked against the file: its length
// (at most the format's 100 MB), valid UTF-8 JSON with no key given twice,
// and tensor byte ranges that lie inside the data, end to end with no gap
// and no overlap, each the size its dtype and shape need.
//
// PyTorch files are the zip archives that torch.save writes since PyTorch
// 1.6 (the older format is refused with an error that says how to convert
// it). Float32, float16, bfloat16 and float64 storages are read; tensors
// that are views of a shared storage, at an offset and with any strides,
// come out contiguous. The state dict is the top-level dict when it holds
// only tensors, else the dict of tensors under "state_dict", "model" or
// "model_state_dict". Files are written as an OrderedDict of float32
// tensors that torch.load(path, weights_only=True) accepts.
//
// Integer tensors are refused, except BatchNorm's num_batches_tracked,
// which is int64 in PyTorch and a float32 scalar in package nn.
//
// # Safety
//
// A .pth file is a pickle, a program for Python's pickle machine that can
// call any Python function. This package reads it with its own small
// pickle machine that builds only dicts, lists, tuples, numbers, strings
// and tensor descriptions, and refuses every global outside a short
// allow-list (collections.OrderedDict, torch._utils._rebuild_tensor_v2 and
// _rebuild_parameter, torch's storage classes) with an error that names
// it. Nothing in a file is ever executed.
//
// No input, however hostile, makes a decoder allocate more than twice its
// size plus a few MiB: every length and count in a file is checked against
// the bytes actually present, and every allocation is charged to that
// budget before it is made. Out-of-memory cannot be recovered in Go, so a
// file that would need more is refused instead. The decoders are fuzzed.
//
// # Errors
//
// Reading returns a *FormatError naming the file, format, key and offset
// of what was wrong; LoadIntoModule returns a *LoadError listing every
// missing key, unexpected key and shape mismatch at once, and changes
// nothing in the module. No input makes this package panic. Writers return
// errors for tensors whose data does not match their shape.
package weights
