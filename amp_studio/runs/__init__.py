"""Runs: the training loop, run directories and checkpoints."""
