"""digitpad: draw a digit, a convolutional network reads it live."""

from digitpad.classifier import Classifier, load_classifier
from digitpad.generate import Generator, load_generator
from digitpad.number import DigitReading, NumberReading
from digitpad.preprocess import DrawingError, to_mnist
from digitpad.strokes import StrokeError, parse_strokes, strokes_to_mnist

__all__ = [
    "Classifier",
    "DigitReading",
    "DrawingError",
    "Generator",
    "NumberReading",
    "StrokeError",
    "load_classifier",
    "load_generator",
    "parse_strokes",
    "strokes_to_mnist",
    "to_mnist",
]
__version__ = "0.2.0"
