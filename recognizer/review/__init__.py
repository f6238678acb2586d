"""Review: the admin (queue, relabelling, retrain pages), the dashboard, exports, roles.

Imports every area before it: `core`, `serving`, `drawings`, `modelops`.
"""
