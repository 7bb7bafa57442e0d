"""What the tabs read from: the model choice (bundled or the visitor's own) and the photo input."""

from __future__ import annotations

from digitpad.classifier import Classifier


def chosen_model(choice: str, mine: Classifier | None, bundled: Classifier) -> Classifier:
    """The model the model choice names: the visitor's retrained one ("mine") once they have one."""
    return mine if choice == "mine" and mine is not None else bundled


def photo_given(photo) -> bool:
    """Whether the photo input holds a picture (it is None, or a dict of Nones, once removed)."""
    if not isinstance(photo, dict):
        return photo is not None
    return any(photo.get(key) is not None for key in ("background", "composite")) or bool(photo.get("layers"))
