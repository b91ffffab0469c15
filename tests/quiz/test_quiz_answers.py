"""Reading answers: the spellings people use are accepted, anything else is explained."""

from decimal import Decimal

import pytest

from hubel.quiz import UnreadableAnswer, read_letter, read_number, read_shape


@pytest.mark.parametrize(
    "text, value",
    [
        ("9472", 9472),
        ("9,472", 9472),
        ("9_472", 9472),
        ("9 472", 9472),
        ("9\u202f472", 9472),  # a narrow no-break space, as typeset
        ("1 / 4", Decimal("0.25")),
        ("25 %", Decimal("0.25")),
        ("1,234,567", 1234567),
        ("  9472 ", 9472),
        ("1.2e6", 1200000),
        ("1.2E6", 1200000),
        ("9.472e3", 9472),
        ("-0.25", Decimal("-0.25")),
        ("−0.25", Decimal("-0.25")),  # a typographic minus
        (".5", Decimal("0.5")),
        ("+3", 3),
        ("25%", Decimal("0.25")),
        ("1/4", Decimal("0.25")),
        ("3/0.75", 4),
        ("1,024.5", Decimal("1024.5")),
    ],
)
def test_read_number_accepts_separators_scientific_percent_fraction(text, value):
    assert read_number(text) == value


def test_read_number_is_exact_for_scientific_notation():
    assert read_number("1.2e6") == 1_200_000  # no float rounding: Decimal


@pytest.mark.parametrize(
    "text, reason",
    [
        ("abc", "could not read 'abc' as a number"),
        ("1e999", "larger than any answer"),
        ("-1e999", "larger than any answer"),
        ("inf", "could not read"),
        ("nan", "could not read"),
        ("9,47", "commas separate thousands"),
        ("9,4720", "commas separate thousands"),
        ("1/0", "divides by zero"),
        ("12 34", "could not read"),
        ("9,472_000", "could not read"),
        ("", "no answer"),
        ("0x10", "could not read"),
    ],
)
def test_read_number_refuses_malformed_text_with_a_reason(text, reason):
    with pytest.raises(UnreadableAnswer, match=reason):
        read_number(text)


@pytest.mark.parametrize(
    "text",
    [
        "28x28x6",
        "28X28X6",
        "28×28×6",
        "28*28*6",
        "28 28 6",
        "28, 28, 6",
        "28,28,6",
        "(28, 28, 6)",
        "[28, 28, 6]",
        " 28 x 28 x 6 ",
    ],
)
def test_read_shape_accepts_the_usual_spellings(text):
    assert read_shape(text) == (28, 28, 6)


def test_read_shape_reads_a_vector():
    assert read_shape("400") == (400,)


@pytest.mark.parametrize("text", ["abc", "28xx6", "28x28x", "28.5x28x6", "()", "-28x28x6"])
def test_read_shape_refuses_malformed_text(text):
    with pytest.raises(UnreadableAnswer, match="as a shape"):
        read_shape(text)


@pytest.mark.parametrize("text", ["b", "B", " b ", "b)", "(b)", "b.", "(B)"])
def test_read_letter_accepts_a_letter_in_any_dress(text):
    assert read_letter(text, 4) == "b"


@pytest.mark.parametrize("text", ["e", "bc", "1", "", "ab)"])
def test_read_letter_refuses_what_is_not_one_of_the_choices(text):
    with pytest.raises(UnreadableAnswer, match="a to d"):
        read_letter(text, 4)
