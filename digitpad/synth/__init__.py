"""Synthetic handwriting for the tests and the benchmark (pen digits, a seven-segment writer, composed
numbers). Never served: the app and the read/ink code do not import it."""
