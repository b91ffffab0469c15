"""Choosing questions (same seed, same questions), the worksheet, and the ``hubel quiz`` command."""

import io

import pytest

from hubel.cli.main import main
from hubel.quiz import TOPICS, make_questions, worksheet_markdown


def test_the_same_seed_gives_the_same_questions():
    for difficulty in ("easy", "medium", "hard"):
        assert make_questions(20, seed=7, difficulty=difficulty) == make_questions(
            20, seed=7, difficulty=difficulty
        )


def test_another_seed_gives_other_questions():
    first, second = make_questions(10, seed=1), make_questions(10, seed=2)
    assert [q.prompt for q in first] != [q.prompt for q in second]


def test_the_seed_fixes_the_questions_across_python_versions():
    # Dice draws only from random.random(), which Python keeps stable across versions
    question = make_questions(1, ["params"], seed=1, difficulty="easy")[0]
    prompt = "How many trainable parameters does Conv2d(128, 256, kernel_size=3) have?"
    assert (question.prompt, question.answer) == (prompt, 295_168)


def test_topics_take_turns_and_all_topics_come_up():
    questions = make_questions(len(TOPICS), seed=3)
    assert sorted(q.topic for q in questions) == sorted(TOPICS)
    assert {q.topic for q in make_questions(6, ["params", "macs"], seed=3)} == {"params", "macs"}


def test_a_session_does_not_repeat_a_question():
    questions = make_questions(15, ["concepts"], seed=4)
    assert len({q.prompt for q in questions}) == 15


@pytest.mark.parametrize(
    "arguments, error, message",
    [
        (dict(count=0), ValueError, "count: expected a whole number from 1 to 500, got 0"),
        (
            dict(count=10**9),
            ValueError,
            "count: expected a whole number from 1 to 500, got 1000000000",
        ),
        (dict(count=2, topics=["nosuch"]), ValueError, "unknown 'nosuch'; choose from output-size"),
        (dict(count=2, difficulty="insane"), ValueError, "difficulty: expected one of easy"),
        (dict(count=2, seed="1"), TypeError, "seed: expected a whole number"),
    ],
)
def test_make_questions_names_the_bad_argument(arguments, error, message):
    with pytest.raises(error, match=message):
        make_questions(**arguments)


def test_worksheet_has_the_questions_then_the_answer_key():
    questions = make_questions(5, seed=1)
    sheet = worksheet_markdown(questions, "Worksheet", "seed 1")
    questions_part, key = sheet.split("## Answer key")
    assert questions_part.count("Answer (") == 5
    for number, question in enumerate(questions, start=1):
        assert f"**{number}.** *({question.topic})* {question.prompt}" in questions_part
        assert f"**{number}.** {question.shown_answer}" in key
        assert question.steps[-1] in key
        assert question.shown_answer not in questions_part or question.kind == "choice"


def _run_cli(capsys, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    import sys

    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        code = main(["quiz", *argv])
    except SystemExit as exit:
        code = exit.code
    finally:
        sys.stdin = old
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_quiz_asks_judges_and_scores(capsys):
    questions = make_questions(3, seed=1)
    answers = "".join(f"{q.shown_answer.split(')')[0]}\n" for q in questions)
    code, out, _ = _run_cli(capsys, "--seed", "1", "--count", "3", stdin=answers)
    assert code == 0
    assert "`hubel quiz --count 3 --seed 1` asks them again" in out
    assert out.count("Right:") == 3
    assert "Score: 3/3 (100%)" in out


def test_cli_quiz_ends_gracefully_at_the_end_of_the_input(capsys):
    code, out, _ = _run_cli(capsys, "--seed", "2", "--count", "5", stdin="abc\n")
    assert code == 0
    assert "Try again" in out
    assert "Quiz ended after 0 of 5 questions." in out
    assert "No question answered." in out


def test_cli_topics_may_be_listed_comma_separated_or_repeated(capsys):
    code, out, _ = _run_cli(
        capsys, "--topic", "params,macs", "init", "--topic", "mlp", "--count", "3", "--seed", "0"
    )
    assert code == 0
    assert "on params, macs, init, mlp" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["--topic", "nosuch"],
            "argument --topic: unknown 'nosuch'; choose from output-size, params",
        ),
        (["--count", "0"], "argument --count: expected a whole number of questions from 1 to 500"),
        (["--count", "many"], "argument --count: expected a whole number of questions from 1"),
        (["--count", "1000000000"], "questions from 1 to 500, got '1000000000'"),
        (["--print", "100000"], "argument --print: expected a whole number of questions from 1"),
        (["--seed", "-1"], "argument --seed: expected a whole number >= 0, got '-1'"),
        (["--difficulty", "insane"], "argument --difficulty: invalid choice: 'insane'"),
        (["--print", "0"], "argument --print: expected a whole number of questions from 1"),
        (["--print", "2", "--output", "/nonexistent/dir/s.md"], "folder /nonexistent does not"),
        (["--print", "2", "--format", "pdf"], "argument --format: PDF is not supported"),
        (["--format", "md", "--output", "x.md"], "argument --output: only with --print N"),
        (["--count", "2", "--print", "2"], "not allowed with argument"),
    ],
)
def test_cli_bad_options_name_the_option_and_the_valid_values(capsys, argv, message):
    code, _, err = _run_cli(capsys, *argv)
    assert code == 2
    assert message in err


def test_cli_topic_error_lists_every_topic(capsys):
    _, _, err = _run_cli(capsys, "--topic", "nosuch")
    for name in TOPICS:
        assert name in err


def test_cli_print_writes_the_same_worksheet_for_the_same_seed(capsys, tmp_path):
    code, first, _ = _run_cli(capsys, "--print", "4", "--seed", "9", "--difficulty", "hard")
    assert code == 0
    assert first.startswith("# hubel practice worksheet")
    replay = "`hubel quiz --print 4 --seed 9 --difficulty hard` prints this sheet again"
    assert replay in first
    assert "## Answer key" in first
    _, second, _ = _run_cli(capsys, "--print", "4", "--seed", "9", "--difficulty", "hard")
    assert first == second
    path = tmp_path / "sheet.md"
    code, out, _ = _run_cli(
        capsys, "--print", "4", "--seed", "9", "--difficulty", "hard", "--output", str(path)
    )
    assert code == 0 and "wrote" in out
    assert path.read_text(encoding="utf-8") == first


def test_cli_list_shows_every_topic_with_its_title(capsys):
    code, out, _ = _run_cli(capsys, "--list")
    assert code == 0
    for name, topic in TOPICS.items():
        assert name in out and topic.title in out


def test_cli_print_output_into_an_existing_folder_is_refused_before_any_work(capsys, tmp_path):
    code, _, err = _run_cli(capsys, "--print", "2", "--output", str(tmp_path))
    assert code == 2 and f"--output: {tmp_path} is a folder" in err


def test_cli_count_bound_is_stated_in_the_help(capsys):
    with pytest.raises(SystemExit):
        main(["quiz", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "questions to ask, 1 to 500" in help_text and "(1 to 500)" in help_text
