"""Synthetic handwriting for training, the tests and the benchmark (pen digits, a seven-segment writer,
composed numbers, MNIST digits re-drawn as strokes), and drawings that are not digits (Hershey letters and
signs, shapes, scribbles, doodles). Never served: the app and the read/ink code do not import it."""
