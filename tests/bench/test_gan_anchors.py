"""The benchmark's anchors, rebuilt: shapes and the details that make them theirs."""

from __future__ import annotations

import torch

from digitpad.bench.gan_anchors import (
    DCGANDiscriminator,
    DCGANGenerator,
    KerasCGANDiscriminator,
    KerasCGANGenerator,
    keras_label_maps,
)
from digitpad.model import count_parameters


def test_dcgan_draws_64x64_and_scores_them():
    g, d = DCGANGenerator(), DCGANDiscriminator()
    x = g(torch.randn(3, 100))
    assert x.shape == (3, 1, 64, 64) and x.abs().max() <= 1
    score, digit_logits = d(x)
    assert score.shape == (3,) and digit_logits is None
    # the example's sizes: nz 100, ngf = ndf = 64 -> about 3.6M and 2.8M parameters
    assert 3_500_000 < count_parameters(g) < 3_700_000 and 2_700_000 < count_parameters(d) < 2_800_000
    conv = g.main[0].weight
    assert abs(conv.std().item() - 0.02) < 0.002  # weights_init: N(0, 0.02)


def test_keras_cgan_sizes_and_its_label_maps():
    g, d = KerasCGANGenerator(), KerasCGANDiscriminator()
    y = torch.tensor([0, 9])
    x = g(torch.randn(2, 128), y)
    assert x.shape == (2, 1, 28, 28) and 0 <= x.min() and x.max() <= 1  # a sigmoid: [0, 1] pixels
    assert g.dense.in_features == 138 and g.dense.out_features == 7 * 7 * 138
    assert d(x, y)[0].shape == (2,)
    maps = keras_label_maps(y, 10)
    assert maps.shape == (2, 10, 28, 28)
    # tf.repeat without an axis: digit d lights flat positions 784d..784(d+1) of the (28, 28, 10) block,
    # i.e. pixels 78.4d..78.4(d+1) in raster order, in all ten channels
    lit = maps[1].sum(0).flatten().nonzero().flatten()
    assert lit.min().item() == 705 and lit.max().item() == 783
    assert maps[1][:, 27, 27].all() and (maps[1][:, 0, 0] == 0).all() and maps[1][6:, 25, 5].all()
    assert maps[0].sum(0).flatten().nonzero().flatten().max().item() == 78
