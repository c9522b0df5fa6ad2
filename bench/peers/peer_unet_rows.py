"""PyTorch check of the U-Net options issue 17 adds to UNET.md's definition.

shared/bench/peer_unet.py (not ours to edit) knows the activations lrelu/relu/elu/gelu and the
up-samplings subpixel/transpose/nearest. This script builds its network with the extra options
  activation  = "sigmoid"           (torch.nn.Sigmoid in every ResBlock)
  up_sampling = "simple_subpixel"   (pixel shuffle alone: c -> c/s channels, s = 4, 8 with temporal scaling)
  up_sampling = "shuffle_conv"      (pixel shuffle, then conv1 c/s -> c: the original's subpixel, Conv1DLater = False)
  up_sampling = "conv_subpixel"     (the original's name for conv1 c -> s*c then shuffle: peer_unet's "subpixel")
by reusing peer_unet's blocks, and prints, per configuration, the trainable parameter count
torch counts, the output shape of one forward/backward pass, and a JSON line at the end.
tests/Unit/Engine/UNetRowsTests.cs holds the counts this printed (torch 1.13, /usr/bin/python3).

Run: /usr/bin/python3 bench/peers/peer_unet_rows.py
"""
import json
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "bench"))
import peer_unet as P  # noqa: E402

_make_activation = P.make_activation


def make_activation(m):
    return nn.Sigmoid() if m["activation"] == "sigmoid" else _make_activation(m)


P.make_activation = make_activation  # ResBlock looks it up at build time


class Up(nn.Module):
    def __init__(self, m, c):
        super().__init__()
        st = P.temporal_step(m)
        s = 4 * st
        self.kind = m["up_sampling"]
        self.shuffle = P.PixelShuffle(m["dims"], 2, st)
        if self.kind == "shuffle_conv":
            self.conv = P.conv_1(m, c // s, c)
        elif self.kind != "simple_subpixel":
            raise ValueError(self.kind)

    def forward(self, x):
        x = self.shuffle(x)
        return self.conv(x) if self.kind == "shuffle_conv" else x


class DecoderLevel(nn.Module):
    def __init__(self, m, cin, c, p):
        super().__init__()
        self.entry = P.conv_1(m, cin, c)
        self.block = P.ResBlock(m, c, c, p)
        self.up = Up(m, c) if m["up_sampling"] in ("simple_subpixel", "shuffle_conv") else P.Up(m, c)

    def forward(self, x):
        return self.up(self.block(self.entry(x)))


class UNet(P.UNet):
    """peer_unet.UNet with the decoder widths the shuffle-first up-samplings give."""

    def __init__(self, m):
        nn.Module.__init__(self)
        depth, f, r = m["depth"], m["filters"], m["size_ratio"]
        ch = P.channels(m)
        s = 4 * P.temporal_step(m)
        p_enc = m["dropout"]
        p_dec = 0.0 if m["dropout_encoder_only"] else m["dropout"]
        self.skip = m["skip"]

        def up_out(c):
            return c // s if m["up_sampling"] == "simple_subpixel" else c

        def merged(i):
            return up_out(ch[i]) + (ch[i] if self.skip == "concat" else 0)

        self.enc = nn.ModuleList(
            P.EncoderLevel(m, 1 if i == 0 else ch[i - 1], ch[i], p_enc) for i in range(depth))
        self.mid = P.ResBlock(m, ch[depth - 1], ch[depth], p_dec)
        self.dec = nn.ModuleList(
            DecoderLevel(m, ch[depth] if i == depth - 1 else merged(i + 1), ch[i], p_dec)
            for i in reversed(range(depth)))
        c = merged(0)
        if r > 1:
            self.head_up = P.conv_1(m, c, f * r * r)
            self.head_shuffle = P.PixelShuffle(m["dims"], r, 1)
            c = f
        else:
            self.head_up = None
            self.head_shuffle = None
        self.out = P.conv_1(m, c, 1)
        self.sigmoid = m["output_activation"] == "sigmoid"


CASES = [
    ("unet2d-small", {"activation": "sigmoid"}),
    ("unet2d-small", {"up_sampling": "shuffle_conv"}),
    ("unet2d-small", {"up_sampling": "conv_subpixel"}),
    ("unet2d-small", {"up_sampling": "simple_subpixel", "skip": "concat"}),
    ("unet2d-small", {"up_sampling": "simple_subpixel", "skip": "none"}),
    ("unet2d-small", {"up_sampling": "shuffle_conv", "skip": "concat", "size_ratio": 1}),
    ("unet2d-seed", {"up_sampling": "shuffle_conv", "activation": "sigmoid"}),
    ("unet3d-small", {"up_sampling": "shuffle_conv"}),
    ("unet3d-small", {"up_sampling": "simple_subpixel", "skip": "concat", "temporal_downscaling": True}),
    ("unet3d-small", {"up_sampling": "shuffle_conv", "temporal_downscaling": True, "activation": "sigmoid"}),
    ("unet3d-small", {"up_sampling": "conv_subpixel", "temporal_downscaling": True}),
]


def main():
    here = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "bench", "configs")
    results = []
    for name, overrides in CASES:
        cfg = P.load_config(os.path.join(here, name + ".toml"))
        m = dict(cfg["model"])
        m.update(overrides)
        if m["up_sampling"] == "conv_subpixel":
            m["up_sampling"] = "subpixel"  # the same network under the original's name
        torch.manual_seed(0)
        model = UNet(m)
        count = P.torch_param_count(model)
        dims, depth, r = m["dims"], m["depth"], m["size_ratio"]
        side = 2 ** (depth + 1)
        shape = (2, 1, side, side) if dims == 2 else (2, 1, side if m["temporal_downscaling"] else 3, side, side)
        y = model(torch.rand(shape))
        y.mean().backward()
        expect = list(shape[:-2]) + [r * side, r * side]
        assert list(y.shape) == expect, (name, overrides, y.shape, expect)
        label = ",".join(f"{k}={str(v).lower()}" for k, v in overrides.items())
        print(f"{name:14s} {label:70s} {count:>10,d}  output {list(y.shape)}")
        results.append({"config": name, "overrides": label, "parameters": count})
    print(json.dumps(results))


if __name__ == "__main__":
    main()
