"""Judging answers: integers exactly, decimals within the stated tolerance, shapes, letters."""

import pytest

from hubel.quiz import CHOICE, INTEGER, NUMBER, SHAPE, Question, UnreadableAnswer


def _question(kind, answer, **options):
    return Question("?", kind, answer, "formula", ("step",), **options)


def test_integer_answers_are_exact_whatever_the_spelling():
    question = _question(INTEGER, 9472)
    for text in ("9472", "9,472", "9.472e3", "9472.0"):
        assert question.check(text).correct
    assert not question.check("9471").correct
    assert not question.check("9.47e3").correct


def test_a_decimal_for_a_whole_number_is_wrong_with_a_note():
    verdict = _question(INTEGER, 110).check("110.5")
    assert not verdict.correct
    assert "whole number" in verdict.note


def test_number_answers_are_accepted_within_the_absolute_tolerance():
    question = _question(NUMBER, 0.66818, tolerance=0.001)
    assert question.hint == "a number, within ±0.001"
    assert question.check("0.668").correct
    assert question.check("0.6672").correct
    assert question.check("66.8%").correct
    assert not question.check("0.6670").correct
    assert not question.check("0.67").correct


def test_number_answers_with_a_relative_tolerance():
    question = _question(NUMBER, 0.0505, tolerance=0.01, relative=True)
    assert question.hint == "a number, within 1%"
    assert question.check("0.0501").correct
    assert not question.check("0.0499").correct


def test_the_shown_answer_has_one_decimal_more_than_the_tolerance_needs():
    assert _question(NUMBER, 0.66818, tolerance=0.001).shown_answer == "0.6682"
    assert _question(NUMBER, 0.085, tolerance=0.0001).shown_answer == "0.085"
    assert _question(INTEGER, 9472).shown_answer == "9,472"
    assert _question(SHAPE, (28, 28, 6)).shown_answer == "28x28x6"


def test_shape_answers_are_exact_and_a_wrong_rank_is_asked_again():
    question = _question(SHAPE, (28, 28, 6))
    assert question.check("(28, 28, 6)").correct
    assert not question.check("28x28x16").correct
    with pytest.raises(UnreadableAnswer, match="'28x28' has 2 dimensions, the answer has 3"):
        question.check("28x28")


def test_choice_answers_by_letter():
    question = _question(CHOICE, "c", choices=("w", "x", "y", "z"))
    assert question.check("C").correct
    assert not question.check("a").correct
    assert question.shown_answer == "c) y"
    with pytest.raises(UnreadableAnswer):
        question.check("e")


def test_unreadable_answers_raise_instead_of_counting_as_wrong():
    with pytest.raises(UnreadableAnswer):
        _question(INTEGER, 5).check("abc")
    with pytest.raises(UnreadableAnswer):
        _question(NUMBER, 0.5, tolerance=0.01).check("1e999")


def test_a_question_refuses_inconsistent_definitions():
    with pytest.raises(ValueError, match="tolerance"):
        _question(NUMBER, 0.5)
    with pytest.raises(ValueError, match="kind"):
        _question("essay", 1)
    with pytest.raises(ValueError, match="letter"):
        _question(CHOICE, "e", choices=("a", "b"))
