"""Teach it: the corrections store, fine-tuning on a visitor's corrections, the optional push to the Hub."""
