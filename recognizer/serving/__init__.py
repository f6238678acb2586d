"""Serving: which model version serves (the one answer), this process's predictor, health.

Imports `core`, `recognizer.models` and `ml`'s serving side, never training code.
"""
