"""What a run shows: the overfitting sentence (a whole run's report: tests/training/test_retrain.py)."""

from digitpad.training.run_report import overfitting_note


def test_overfitting_note():
    assert overfitting_note(100.0, 97.5) == ""
    note = overfitting_note(100.0, 93.4)
    assert "The model overfits: 100.0% on its training images but 93.4% on test, a 6.6-point gap." in note
    assert all(word in note for word in ("more training images", "augmentation", "dropout", "weight decay"))
