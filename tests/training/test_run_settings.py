"""The Train tab's form: its defaults per recipe and training-set size (its checks: tests/training/test_retrain.py)."""

from digitpad.training.run_settings import defaults_for


def test_small_training_sets_get_settings_that_show_overfitting():
    assert defaults_for("quick", 500) == {**defaults_for("quick"), "epochs": 40, "batch_size": 25, "dropout": 0.0}
    assert defaults_for("quick", 5_000)["dropout"] == defaults_for("quick")["dropout"] == 0.25
    assert defaults_for("seed")["dropout"] == 0.0 and defaults_for("best")["weight_decay"] == 5e-4
