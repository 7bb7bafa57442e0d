import pickle

import pytest
import torch
from safetensors.torch import save_file

from digitpad.checkpoint import WeightsError, load_checkpoint, save_checkpoint
from digitpad.model import build_model

META = {
    "architecture": "lenet5",
    "config": {},
    "normalization": {"mean": 0.5, "std": 0.5},
    "recipe": "seed",
    "test_acc": 98.5,
}


def test_round_trip_keeps_weights_and_metadata(tmp_path):
    model = build_model("lenet5")
    path = save_checkpoint(model, tmp_path / "w.safetensors", **META)
    loaded, meta = load_checkpoint(path)
    assert meta["architecture"] == "lenet5" and meta["test_acc"] == 98.5 and meta["normalization"]["std"] == 0.5
    for a, b in zip(model.state_dict().values(), loaded.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    assert not loaded.training
    assert [p.name for p in tmp_path.iterdir()] == ["w.safetensors"]  # no temp file left behind


def test_missing_file(tmp_path):
    with pytest.raises(WeightsError, match="no such weights file"):
        load_checkpoint(tmp_path / "nope.safetensors")


def test_truncated_file(tmp_path):
    path = save_checkpoint(build_model("lenet5"), tmp_path / "w.safetensors", **META)
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(WeightsError, match=r"w.safetensors: not a readable safetensors file"):
        load_checkpoint(path)


def test_pickle_is_never_loaded(tmp_path):
    path = tmp_path / "w.safetensors"
    path.write_bytes(pickle.dumps(build_model("lenet5").state_dict()))
    with pytest.raises(WeightsError, match="not a readable safetensors file"):
        load_checkpoint(path)


def test_missing_metadata(tmp_path):
    path = tmp_path / "w.safetensors"
    save_file(build_model("lenet5").state_dict(), path)
    with pytest.raises(WeightsError, match="metadata lacks format, architecture, config, normalization"):
        load_checkpoint(path)


def test_wrong_architecture_for_the_weights(tmp_path):
    path = save_checkpoint(build_model("lenet5"), tmp_path / "w.safetensors", **{**META, "architecture": "digitnet"})
    with pytest.raises(WeightsError, match="weights do not fit digitnet"):
        load_checkpoint(path)


def test_wrong_shapes(tmp_path):
    model = build_model("digitnet", {"widths": [8, 8, 8]})
    path = save_checkpoint(
        model, tmp_path / "w.safetensors", **{**META, "architecture": "digitnet"}
    )  # config says default widths
    with pytest.raises(WeightsError, match="weights do not fit digitnet"):
        load_checkpoint(path)


def test_nan_weights(tmp_path):
    model = build_model("lenet5")
    with torch.no_grad():
        model.fc3.weight[0, 0] = float("nan")
    path = save_checkpoint(model, tmp_path / "w.safetensors", **META)
    with pytest.raises(WeightsError, match="NaN"):
        load_checkpoint(path)
