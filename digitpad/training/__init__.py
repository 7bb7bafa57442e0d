"""Training: MNIST, the engine and its recipes, the shared loop, Retrain's logic, and their reports."""
