"""Model operations: retrain, store, promote and roll back versions; retrain jobs and tasks.

Imports `core`, `serving`, `drawings`, `recognizer.models`, `recognizer.tasks` and `ml`.
"""
