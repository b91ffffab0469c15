"""The interactive quiz: ask, read, judge, explain; at the end, the score per topic.

:func:`run_quiz` reads answers from any text stream and writes to any other, so a test drives
it with ``io.StringIO`` and no terminal. Its rules:

- One question at a time: the prompt, then ``answer (a whole number)>``; the hint says how
  to write the answer and, for decimals, the tolerance.
- An answer that cannot be read (``abc``, ``1e999``, a letter that is not a choice) is not
  counted: the reason is shown and the question asked again.
- A readable answer is right or wrong; either way the worked solution follows.
- An empty answer, the end of the input (Ctrl-D, or a pipe that runs dry) or Ctrl-C ends
  the quiz; the score covers the questions answered so far.
- When the input is not a terminal (piped answers), each answer is echoed after the prompt,
  so that the output reads as a transcript.
"""

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TextIO

from hubel.quiz.answers import UnreadableAnswer
from hubel.quiz.question import CHOICE, LETTERS, Question, Verdict
from hubel.quiz.registry import TOPICS


@dataclass
class Score:
    """Answers judged so far, per topic, in the order the topics first came up."""

    asked: dict[str, int] = field(default_factory=dict)
    right: dict[str, int] = field(default_factory=dict)

    def record(self, topic: str, correct: bool) -> None:
        self.asked[topic] = self.asked.get(topic, 0) + 1
        self.right[topic] = self.right.get(topic, 0) + int(correct)

    @property
    def total_asked(self) -> int:
        return sum(self.asked.values())

    @property
    def total_right(self) -> int:
        return sum(self.right.values())

    def to_review(self) -> list[str]:
        """Topics with a wrong answer, the lowest share right first."""
        missed = [topic for topic in self.asked if self.right[topic] < self.asked[topic]]
        return sorted(missed, key=lambda topic: self.right[topic] / self.asked[topic])

    def report(self) -> str:
        """``Score: 2/3 (67%)``, a line per topic, then the topics to review and what to read."""
        if not self.total_asked:
            return "No question answered."
        share = self.total_right / self.total_asked
        lines = [f"Score: {self.total_right}/{self.total_asked} ({share:.0%})"]
        width = max(len(topic) for topic in self.asked)
        for topic, asked in self.asked.items():
            lines.append(f"  {topic:<{width}}  {self.right[topic]}/{asked}")
        review = self.to_review()
        if review:
            lines.append("Topics to review:")
            for topic in review:
                advice = TOPICS[topic].review if topic in TOPICS else ""
                lines.append(f"  {topic}" + (f": {advice}" if advice else ""))
        else:
            lines.append("Nothing to review: all right.")
        return "\n".join(lines)


def solution_lines(question: Question) -> list[str]:
    """The worked solution: the formula (or key idea), then the steps."""
    label = "Key idea" if question.kind == CHOICE else "Formula"
    return [f"  {label}: {question.formula}", *(f"  {step}" for step in question.steps)]


def _verdict_line(question: Question, verdict: Verdict) -> str:
    if verdict.correct:
        return f"Right: {question.shown_answer}."
    note = f" ({verdict.note})" if verdict.note else ""
    return f"Wrong: the answer is {question.shown_answer}{note}."


def _ask(question: Question, number: int, total: int, read, write, echo: bool) -> Verdict | None:
    """Show the question and read answers until one can be judged; None ends the quiz."""
    write(f"\nQuestion {number}/{total} [{question.topic}]\n{question.prompt}\n")
    for letter, choice in zip(LETTERS, question.choices):
        write(f"  {letter}) {choice}\n")
    while True:
        write(f"answer ({question.hint})> ")
        line = read()
        if echo and line:
            write(line if line.endswith("\n") else line + "\n")
        if not line.strip():  # "" is the end of the input, "\n" an empty answer
            if not line:
                write("\n")
            return None
        try:
            return question.check(line.strip())
        except UnreadableAnswer as error:
            write(f"  {error}. Try again (an empty answer ends the quiz).\n")


def run_quiz(
    questions: Sequence[Question],
    input_stream: TextIO | None = None,
    output_stream: TextIO | None = None,
    header: str = "",
) -> Score:
    """Ask ``questions`` one by one on the streams (default: the terminal); return the score.

    Args:
        questions: from :func:`hubel.quiz.make_questions`.
        input_stream: where answers are read, one per line.
        output_stream: where questions, verdicts, solutions and the score are written.
        header: a first line, e.g. the options and the seed, for replaying the session.
    """
    input_stream = sys.stdin if input_stream is None else input_stream
    output_stream = sys.stdout if output_stream is None else output_stream
    echo = not (hasattr(input_stream, "isatty") and input_stream.isatty())

    def write(text: str) -> None:
        output_stream.write(text)
        output_stream.flush()

    score = Score()
    if header:
        write(header + "\n")
    try:
        for number, question in enumerate(questions, start=1):
            verdict = _ask(question, number, len(questions), input_stream.readline, write, echo)
            if verdict is None:
                write(f"Quiz ended after {score.total_asked} of {len(questions)} questions.\n")
                break
            score.record(question.topic, verdict.correct)
            write(_verdict_line(question, verdict) + "\n")
            write("\n".join(solution_lines(question)) + "\n")
    except KeyboardInterrupt:
        write(f"\nInterrupted after {score.total_asked} of {len(questions)} questions.\n")
    write("\n" + score.report() + "\n")
    return score
