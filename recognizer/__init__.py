"""The digit recognizer app, by area; each imports only those before it.

core → serving → drawings → modelops → review, all over `recognizer.models`.
"""
