"""Backprop Explorer: step through a small network's forward pass, backward pass and update in matrix form."""

__version__ = "0.1.0"
