"""Digit recognition core: data, preprocessing, model, training and inference (no Django)."""
