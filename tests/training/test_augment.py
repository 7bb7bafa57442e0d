import torch

from digitpad.training.augment import AugmentConfig, augment, random_affine, random_thickness


def batch():
    x = torch.zeros(8, 1, 28, 28)
    x[:, :, 6:22, 12:16] = 1.0  # a "1"
    return x


def test_shape_and_range():
    out = augment(batch(), AugmentConfig(), torch.Generator().manual_seed(0))
    assert out.shape == (8, 1, 28, 28) and out.min() >= 0 and out.max() <= 1


def test_zero_strength_is_identity():
    cfg = AugmentConfig(rotate_deg=0, scale=0, shear=0, shift_px=0, thickness=0)
    assert torch.allclose(augment(batch(), cfg), batch(), atol=1e-5)


def test_each_image_gets_its_own_transform():
    out = random_affine(batch(), AugmentConfig(), torch.Generator().manual_seed(1))
    assert not torch.allclose(out[0], out[1])


def test_thickness_varies_ink_both_ways():
    x = batch()
    out = random_thickness(x, AugmentConfig(thickness=1.0), torch.Generator().manual_seed(0))
    mass = out.sum((1, 2, 3))
    assert (mass > x[0].sum() + 1).any() and (mass < x[0].sum() - 1).any()
