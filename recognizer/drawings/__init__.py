"""Drawings: storing and reading them, labels and feedback, the REST API, pages, throttles.

Imports `core`, `serving`, `recognizer.models` and `ml`.
"""
