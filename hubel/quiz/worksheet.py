"""A printable worksheet: the questions, then an answer key with the worked solutions.

For a teaching assistant: ``hubel quiz --print 10 --seed 7`` gives the same sheet every time,
so the seed is all that is needed to hand out, and later mark, the same questions.
"""

from collections.abc import Sequence

from hubel.quiz.question import LETTERS, Question
from hubel.quiz.session import solution_lines


def worksheet_markdown(questions: Sequence[Question], title: str, subtitle: str = "") -> str:
    """The worksheet in Markdown: numbered questions, a page break, the answer key."""
    lines = [f"# {title}", ""]
    if subtitle:
        lines += [subtitle, ""]
    lines += [
        "Whole numbers exactly (9472, 9,472 or 9.472e3); decimals within the tolerance given; "
        "shapes as C x H x W (6x28x28); multiple choice by letter.",
        "",
        "## Questions",
        "",
    ]
    for number, question in enumerate(questions, start=1):
        lines.append(f"**{number}.** *({question.topic})* {question.prompt}")
        lines.append("")
        for letter, choice in zip(LETTERS, question.choices):
            lines.append(f"- {letter}) {choice}")
        if question.choices:
            lines.append("")
        lines += [f"Answer ({question.hint}): ______________", ""]
    lines += ['<div style="page-break-before: always"></div>', "", "## Answer key", ""]
    for number, question in enumerate(questions, start=1):
        lines += [f"**{number}.** {question.shown_answer}", "", "```"]
        lines += [line.removeprefix("  ") for line in solution_lines(question)]
        lines += ["```", ""]
    return "\n".join(lines)
