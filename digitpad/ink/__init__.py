"""Pictures and strokes in: a stroke pad's value or any picture of a digit, to MNIST's 28x28 format."""
