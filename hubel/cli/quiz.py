"""``hubel quiz``: practice questions with checked answers and worked solutions.

    hubel quiz [--topic T [T ...]] [--count N] [--seed S] [--difficulty easy|medium|hard]
    hubel quiz --print N [--seed S] [--format md] [--output FILE]   a worksheet with answer key
    hubel quiz --list                                               the topics

An empty answer, Ctrl-D or Ctrl-C ends the quiz with the score so far. Everything here is a
call to :mod:`hubel.quiz`; this file parses, calls and prints.
"""

import argparse
import random
import sys
from pathlib import Path

from hubel.outputs import check_output_file, make_parent
from hubel.quiz import (
    DIFFICULTIES,
    MAX_QUESTIONS,
    TOPICS,
    check_topics,
    make_questions,
    run_quiz,
    worksheet_markdown,
)
from hubel.serialization import atomic_write_bytes

PDF_REFUSAL = (
    "PDF is not supported: the worksheet is written in Markdown only (md); convert it with "
    "any Markdown tool, e.g. `pandoc sheet.md -o sheet.pdf`"
)


def _question_count(text: str) -> int:
    """An argparse ``type``: a whole number of questions from 1 to ``MAX_QUESTIONS``."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_QUESTIONS:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of questions from 1 to {MAX_QUESTIONS}, got {text!r}"
        )
    return value


def _seed(text: str) -> int:
    """An argparse ``type``: a whole number >= 0."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return value


def _topics(text: str) -> list[str]:
    """An argparse ``type``: one topic, or several separated by commas."""
    names = [name for name in text.replace(",", " ").split() if name]
    try:
        return check_topics(names) if names != ["all"] else ["all"]
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error).removeprefix("topic: ")) from None


def _list_topics() -> str:
    width = max(len(name) for name in TOPICS)
    return "\n".join(f"{name:<{width}}  {topic.title}" for name, topic in TOPICS.items())


def run(args: argparse.Namespace) -> int:
    if args.list:
        print(_list_topics())
        return 0
    parser: argparse.ArgumentParser = args.quiz_parser
    if args.print is None and (args.format != "md" or args.output is not None):
        option = "--format" if args.format != "md" else "--output"
        parser.error(f"argument {option}: only with --print N (a worksheet)")
    if args.format == "pdf":
        parser.error(f"argument --format: {PDF_REFUSAL}")
    if args.output is not None:
        check_output_file(args.output, "--output")  # before drawing the questions
    seed = random.SystemRandom().randrange(100_000) if args.seed is None else args.seed
    topics = [name for names in args.topic or [] for name in names]
    topics = [] if "all" in topics else list(dict.fromkeys(topics))  # [] is every topic
    count = args.print if args.print is not None else args.count
    questions = make_questions(count, topics, seed, args.difficulty)
    chosen = ", ".join(topics) if topics else "all topics"
    # the command that asks the same questions again
    replay = f"hubel quiz --{'print' if args.print is not None else 'count'} {count} --seed {seed}"
    replay += f" --topic {' '.join(topics)}" if topics else ""
    replay += f" --difficulty {args.difficulty}" if args.difficulty != "medium" else ""
    if args.print is not None:
        subtitle = (
            f"{count} questions on {chosen}, difficulty {args.difficulty}, seed {seed}: "
            f"`{replay}` prints this sheet again."
        )
        text = worksheet_markdown(questions, "hubel practice worksheet", subtitle)
        if args.output is None:
            sys.stdout.write(text)
        else:
            atomic_write_bytes(make_parent(Path(args.output)), text.encode("utf-8"))
            print(f"wrote {args.output} ({count} questions and the answer key)")
        return 0
    header = (
        f"hubel quiz: {count} questions on {chosen}, difficulty {args.difficulty}, seed {seed}; "
        f"`{replay}` asks them again. An empty answer or Ctrl-C ends the quiz."
    )
    run_quiz(questions, sys.stdin, sys.stdout, header)
    return 0


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``quiz`` to the ``hubel`` command's subparsers."""
    quiz = subparsers.add_parser(
        "quiz",
        help="practice questions with checked answers and worked solutions",
        description="Practice questions on the course, with checked answers and worked "
        "solutions. An empty answer, Ctrl-D or Ctrl-C ends the quiz with the score so far.",
        epilog="examples:\n" + __doc__.split("\n\n")[1] + "\n\ntopics:\n" + _list_topics(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    quiz.add_argument(
        "--topic",
        action="extend",
        nargs="+",
        type=_topics,
        metavar="TOPIC",
        help="one or several topics, separated by spaces or commas; default: all",
    )
    how_many = quiz.add_mutually_exclusive_group()
    how_many.add_argument(
        "--count",
        type=_question_count,
        default=10,
        metavar="N",
        help=f"questions to ask, 1 to {MAX_QUESTIONS} (default 10)",
    )
    how_many.add_argument(
        "--print",
        type=_question_count,
        metavar="N",
        help=f"write a worksheet of N questions (1 to {MAX_QUESTIONS}) with the answer key "
        "instead of asking",
    )
    quiz.add_argument(
        "--seed", type=_seed, help="the same seed asks the same questions (default: random)"
    )
    quiz.add_argument(
        "--difficulty",
        choices=tuple(DIFFICULTIES),
        default="medium",
        help="easy, medium (default) or hard",
    )
    quiz.add_argument(
        "--format",
        choices=("md", "pdf"),
        default="md",
        help="worksheet format: md (Markdown); pdf is refused with an explanation",
    )
    quiz.add_argument(
        "--output",
        metavar="FILE",
        help="write the worksheet here, not to stdout; its folder must exist, or only the last "
        "folder is created",
    )
    quiz.add_argument("--list", action="store_true", help="list the topics and exit")
    quiz.set_defaults(func=run, quiz_parser=quiz)
    return quiz
