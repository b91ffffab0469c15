"""The interactive quiz driven through its streams: no terminal needed.

Decided behaviour: an answer that cannot be read (``abc``, ``1e999``) is explained and the
question asked again, without counting; an empty answer, the end of the input or Ctrl-C ends
the quiz with the score of the questions answered so far.
"""

import io

from hubel.quiz import CHOICE, INTEGER, NUMBER, SHAPE, Question, make_questions, run_quiz


def _questions() -> list[Question]:
    return [
        Question(
            "How many?",
            INTEGER,
            9472,
            "params = (7·7·3 + 1)·64",
            ("params = (7·7·3 + 1)·64 = 9,472",),
            topic="params",
        ),
        Question(
            "How much?",
            NUMBER,
            0.6682,
            "σ(x)",
            ("σ(0.7) = 0.6682",),
            tolerance=0.001,
            topic="activations",
        ),
        Question("What shape?", SHAPE, (28, 28, 6), "W_out", ("W_out = 28",), topic="output-size"),
        Question(
            "Which?",
            CHOICE,
            "b",
            "symmetry",
            ("Because.",),
            choices=("x", "y", "z", "w"),
            topic="concepts",
        ),
    ]


def _run(answers: str, questions=None):
    output = io.StringIO()
    score = run_quiz(questions or _questions(), io.StringIO(answers), output)
    return score, output.getvalue()


def test_all_right_answers_score_full_marks():
    score, text = _run("9,472\n0.668\n(28, 28, 6)\nB\n")
    assert (score.total_right, score.total_asked) == (4, 4)
    assert text.count("Right:") == 4
    assert "Score: 4/4 (100%)" in text
    assert "Nothing to review" in text


def test_wrong_answers_show_the_answer_and_the_worked_solution():
    score, text = _run("9471\n0.7\n28x28x16\na\n")
    assert (score.total_right, score.total_asked) == (0, 4)
    assert "Wrong: the answer is 9,472." in text
    assert "Formula: params = (7·7·3 + 1)·64" in text
    assert "params = (7·7·3 + 1)·64 = 9,472" in text
    assert "Wrong: the answer is b) y." in text
    assert "Key idea: symmetry" in text


def test_solution_is_shown_after_a_right_answer_too():
    _, text = _run("9472\n")
    assert "Right: 9,472." in text
    assert "params = (7·7·3 + 1)·64 = 9,472" in text


def test_malformed_answers_are_explained_and_asked_again_without_counting():
    score, text = _run("abc\n1e999\n9472\n")
    assert "could not read 'abc'" in text
    assert "'1e999' is larger than any answer" in text
    assert text.count("Try again") == 2
    assert text.count("answer (a whole number)>") == 3  # asked three times, counted once
    assert score.asked == {"params": 1}
    assert score.total_right == 1


def test_a_shape_with_too_few_dimensions_is_asked_again_not_marked_wrong():
    questions = [_questions()[2]]
    score, text = _run("6x6\n28x28x6\n", questions)
    assert "'6x6' has 2 dimensions, the answer has 3" in text and "Try again" in text
    assert text.count("answer (a shape, CxHxW)>") == 2
    assert score.asked == {"output-size": 1} and score.total_right == 1


def test_concept_review_points_to_what_hubel_ships():
    questions = [_questions()[3]]
    _, text = _run("a\n", questions)
    review = text.split("Topics to review:")[1]
    assert "hubel lab" in review and "README" in review and "study guide" not in review


def test_a_wrong_letter_is_asked_again():
    questions = [_questions()[3]]
    score, text = _run("e\nb\n", questions)
    assert "one letter, a to d" in text
    assert score.total_right == 1


def test_an_empty_answer_ends_the_quiz_with_the_score_so_far():
    score, text = _run("9472\n\n0.668\n")
    assert score.total_asked == 1
    assert "Quiz ended after 1 of 4 questions." in text
    assert "Score: 1/1 (100%)" in text
    assert "Question 3/4" not in text


def test_end_of_input_ends_the_quiz_gracefully():
    score, text = _run("9472\n0.1")  # the last line has no newline, then nothing more
    assert score.total_asked == 2
    assert "Quiz ended after 2 of 4 questions." in text
    assert "Score: 1/2 (50%)" in text


def test_no_answer_at_all_reports_no_score():
    score, text = _run("")
    assert score.total_asked == 0
    assert "No question answered." in text


class _InterruptedInput(io.StringIO):
    """Answers the first line, then raises KeyboardInterrupt as Ctrl-C does."""

    def __init__(self, first: str):
        super().__init__(first)
        self.calls = 0

    def readline(self, *args):
        self.calls += 1
        if self.calls > 1:
            raise KeyboardInterrupt
        return super().readline(*args)


def test_ctrl_c_ends_the_quiz_with_the_score_so_far():
    output = io.StringIO()
    score = run_quiz(_questions(), _InterruptedInput("9472\n"), output)
    assert score.total_asked == 1
    assert "Interrupted after 1 of 4 questions." in output.getvalue()
    assert "Score: 1/1 (100%)" in output.getvalue()


def test_score_per_topic_and_the_topics_to_review():
    score, text = _run("9472\n0.1\n28x28x6\na\n")
    assert score.asked == {"params": 1, "activations": 1, "output-size": 1, "concepts": 1}
    assert score.right == {"params": 1, "activations": 0, "output-size": 1, "concepts": 0}
    assert score.to_review() == ["activations", "concepts"]
    review = text.split("Topics to review:")[1]
    assert "activations: σ' = σ(1 - σ)" in review  # with what to review, from the topic
    assert "params" not in review


def test_piped_answers_are_echoed_so_the_output_reads_as_a_transcript():
    _, text = _run("9472\n")
    assert "answer (a whole number)> 9472\n" in text


def test_generated_questions_answered_with_their_own_answers_score_full_marks():
    questions = make_questions(28, seed=5, difficulty="hard")
    answers = "".join(f"{question.shown_answer.split(')')[0]}\n" for question in questions)
    score, _ = _run(answers, questions)
    assert (score.total_right, score.total_asked) == (28, 28)
