import pytest

from recognizer.core.params import parse_int, whole_number


@pytest.mark.parametrize(
    "value", ["²", "٣", "７", "0_7", " 7", "7 ", "+7", "-1", "7.0", "", None, True, 7.0]
)
def test_whole_number_refuses_all_but_ascii_digits(value):
    assert whole_number(value) is None


@pytest.mark.parametrize(("value", "expected"), [("0", 0), ("07", 7), (7, 7), ("123", 123)])
def test_whole_number_reads_ascii_digits_and_ints(value, expected):
    assert whole_number(value) == expected


def test_parse_int_keeps_to_its_range():
    assert parse_int("16", low=1, high=16) == 16
    assert parse_int("17", low=1, high=16) is None
    assert parse_int("0", low=1, high=16) is None
    assert parse_int("9" * 400, low=0, high=9) is None  # no int() of a 400-digit string
