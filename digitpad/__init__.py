"""digitpad: draw a digit, a convolutional network reads it live."""

from digitpad.classifier import Classifier, load_classifier
from digitpad.preprocess import DrawingError, to_mnist

__all__ = ["Classifier", "DrawingError", "load_classifier", "to_mnist"]
__version__ = "0.1.0"
