"""Core: errors and their JSON envelope, permissions, owners and visitors, middleware, parsing.

Imports only `recognizer.models` and `ml`; every other area may import it.
"""
