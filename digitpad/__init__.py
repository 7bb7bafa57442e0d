"""digitpad: draw a digit, a convolutional network reads it live."""

from digitpad.gan.generator import Generator, load_generator
from digitpad.ink.preprocess import DrawingError, to_mnist
from digitpad.ink.strokes import StrokeError, parse_strokes, strokes_to_mnist
from digitpad.read.classifier import Classifier, load_classifier
from digitpad.read.number_reader import DigitReading, NumberReading

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
