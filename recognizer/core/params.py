"""Whole numbers from query strings and form values: ASCII digits only, within a range.

`str.isdigit()` is true for "²" and "٣", which `int()` then refuses or reads; `int()` also
reads "0_7" and " 7 ". Every number a client sends goes through `parse_int`.
"""

MAX_DIGITS = 9


def whole_number(value: object) -> int | None:
    """Return `value` as a non-negative int if it is one or is written in ASCII digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if value >= 0 else None
    if isinstance(value, str) and value.isascii() and value.isdecimal():
        return int(value) if len(value) <= MAX_DIGITS else None
    return None


def parse_int(value: object, *, low: int, high: int) -> int | None:
    """Return `value` as an int in [low, high], or None when it is anything else."""
    number = whole_number(value)
    return number if number is not None and low <= number <= high else None
