"""What a visitor may ask of a training run: the Train tab's form, checked, and its defaults per recipe."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from digitpad.model import MODELS
from digitpad.training.data import VALIDATION_SIZE
from digitpad.training.recipes import RECIPES

FIELD_RANGES = {
    "epochs": (0.05, 500.0),
    "batch_size": (8, 2048),
    "lr": (1e-6, 10.0),
    "dropout": (0.0, 0.9),
    "weight_decay": (0.0, 1.0),
}
TRAIN_IMAGES = (60_000 - VALIDATION_SIZE, 5_000, 500, 100)  # the Train tab's choices; smaller: fixed random subsets
MAX_IMAGES_SHOWN = 30 * TRAIN_IMAGES[0]  # epochs x training images per run: 30 epochs of the full set
# The recipes a visitor may run: all but `judge`, the generator benchmark's LeNet-5 (weights/lenet5-judge)
TAB_RECIPES = tuple(name for name in RECIPES if name != "judge")
# What a smaller training set gets by default: (epochs, batch size, dropout). Enough steps to
# fit the set completely, and no dropout, so that overfitting shows; the fields stay editable.
SMALL_SET_DEFAULTS = {5_000: (10, 128, None), 500: (40, 25, 0.0), 100: (100, 20, 0.0)}


@dataclass
class RunSettings:
    model: str
    recipe: str
    epochs: float
    batch_size: int
    lr: float
    augment: bool
    device: str = "auto"
    train_images: int = TRAIN_IMAGES[0]
    dropout: float | None = None  # None: the model's own default
    weight_decay: float | None = None  # None: the recipe's

    def check(self) -> None:
        """Raise ValueError with a message a visitor can act on."""
        if self.model not in MODELS:
            raise ValueError(f"Unknown model {self.model!r}; choose one of {', '.join(MODELS)}.")
        if self.recipe not in TAB_RECIPES:
            raise ValueError(f"Unknown recipe {self.recipe!r}; choose one of {', '.join(TAB_RECIPES)}.")
        for name, (low, high) in FIELD_RANGES.items():
            check_number(name, getattr(self, name), low, high)
        if float(self.batch_size) != int(self.batch_size):
            raise ValueError("Batch size must be a whole number.")
        if self.device not in ("auto", "cpu", "cuda"):
            raise ValueError("Device must be auto, cpu or cuda.")
        if self.train_images not in TRAIN_IMAGES:
            raise ValueError(f"Training images must be one of {', '.join(f'{n:,}' for n in TRAIN_IMAGES)}.")
        if self.epochs * self.train_images > MAX_IMAGES_SHOWN:
            raise ValueError(
                f"{self.epochs:g} epochs of {self.train_images:,} images is too long a run for this demo "
                f"(at most {MAX_IMAGES_SHOWN:,} images shown, e.g. {MAX_IMAGES_SHOWN // self.train_images:,} epochs)."
            )


def check_number(name: str, value: object, low: float, high: float) -> None:
    """ValueError unless `value` is a finite number in [low, high]; dropout and weight decay may be None."""
    label = name.replace("_", " ").capitalize()
    if value is None and name in ("dropout", "weight_decay"):
        return
    if value is None or isinstance(value, bool) or not (isinstance(value, (int, float)) and np.isfinite(value)):
        raise ValueError(f"{label} must be a number between {low:g} and {high:g}.")
    if not low <= value <= high:
        raise ValueError(f"{label} must be between {low:g} and {high:g}, got {value:g}.")


def defaults_for(recipe_name: str, train_images: int = TRAIN_IMAGES[0]) -> dict:
    """The Train tab's fields for a recipe and a training-set size."""
    recipe = RECIPES[recipe_name]
    model_defaults = MODELS[recipe.model][1]()
    defaults = {
        "model": recipe.model,
        "epochs": recipe.epochs,
        "batch_size": recipe.batch_size,
        "lr": recipe.lr,
        "augment": recipe.augment,
        "dropout": recipe.model_config.get("dropout", getattr(model_defaults, "dropout", 0.0)),
        "weight_decay": recipe.weight_decay,
    }
    if train_images in SMALL_SET_DEFAULTS:
        epochs, batch_size, dropout = SMALL_SET_DEFAULTS[train_images]
        defaults.update(epochs=epochs, batch_size=batch_size)
        if dropout is not None:
            defaults["dropout"] = dropout
    return defaults
