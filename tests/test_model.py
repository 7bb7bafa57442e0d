import pytest
import torch

from digitpad.model import DEFAULT_MODEL, MODELS, DigitNetEnsemble, build_model, count_parameters


@pytest.mark.parametrize("name", list(MODELS))
def test_output_shape(name):
    model = build_model(name).eval()
    assert model(torch.zeros(5, 1, 28, 28)).shape == (5, 10)


def test_lenet5_is_the_seed_network():
    model = build_model("lenet5")
    shapes = [tuple(p.shape) for p in model.parameters()]
    assert shapes == [(6, 1, 5, 5), (6,), (16, 6, 5, 5), (16,), (120, 256), (120,), (84, 120), (84,), (10, 84), (10,)]
    assert count_parameters(model) == 44_426


def test_default_model_is_registered_and_configurable():
    assert DEFAULT_MODEL in MODELS
    small = build_model(DEFAULT_MODEL, {"widths": [8, 8, 8], "hidden": 16})
    assert count_parameters(small) < count_parameters(build_model(DEFAULT_MODEL))


def test_an_ensemble_reads_as_the_mean_of_its_members_probabilities():
    torch.manual_seed(0)
    members = [build_model("digitnet", {"widths": [8, 8, 8], "hidden": 16, "classes": 11}).eval() for _ in range(2)]
    ensemble = DigitNetEnsemble.of(members).eval()
    x = torch.randn(4, 1, 28, 28)
    mean = (torch.softmax(members[0](x), 1) + torch.softmax(members[1](x), 1)) / 2
    assert torch.allclose(torch.softmax(ensemble(x), 1), mean, atol=1e-6)
    rebuilt = build_model("digitnet-ensemble", {"members": 2, "widths": [8, 8, 8], "hidden": 16, "classes": 11})
    rebuilt.load_state_dict(ensemble.state_dict())  # what a weights file holds builds it again
    assert torch.equal(rebuilt.eval()(x), ensemble(x))
    assert "digitnet-ensemble" not in MODELS  # a weights file's network, not one the Train tab trains


def test_unknown_model_and_bad_config():
    with pytest.raises(ValueError, match="unknown model 'resnet'"):
        build_model("resnet")
    with pytest.raises(ValueError, match="bad config"):
        build_model(DEFAULT_MODEL, {"depth": 3})


def test_filter_images_are_greys_around_the_middle():
    from digitpad.model import filter_images, first_layer_filters

    filters = first_layer_filters(build_model("lenet5"))
    assert filters.shape == (6, 5, 5)
    images = filter_images(filters)
    assert images.min() >= 0 and images.max() <= 1
    assert torch.allclose(images.flatten(1).sub(0.5).abs().amax(1), torch.full((6,), 0.5))  # each kernel's extreme
    assert torch.equal(filter_images(torch.zeros(1, 3, 3)), torch.full((1, 3, 3), 0.5))
