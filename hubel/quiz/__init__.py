"""Practice quiz: fresh, well-posed problems on the course, checked answers, worked solutions.

In the terminal::

    hubel quiz                                  10 questions, all topics, medium difficulty
    hubel quiz --topic output-size params --count 5 --difficulty hard
    hubel quiz --seed 7                         the same questions as last time with seed 7
    hubel quiz --print 20 --seed 7 > sheet.md   a worksheet with the answer key at the end
    hubel quiz --list                           the topics

Each question is asked in turn; the answer is judged right or wrong and the worked solution
shown (the formula, the numbers put in, the result). An empty answer, Ctrl-D or Ctrl-C ends
the quiz with the score so far: right answers per topic, and the topics to review.

Topics (``--topic``): ``output-size`` (conv and pooling, stride, padding, dilation, flooring),
``params`` (conv and linear, with and without bias, batch norm's parameters and buffers),
``macs`` (conv, depthwise, pointwise, linear), ``separable`` (MobileNet's savings),
``network`` (a LeNet-like stack's shapes and parameters), ``receptive-field``, ``mlp`` (the
homework's MLP on 32x32x3 images), ``bn-folding`` (W' = W·s, b' = (b - μ)·s + β),
``activations`` (sigmoid, tanh, ReLU and their derivatives), ``softmax`` (probabilities and
cross-entropy), ``optimizers`` (SGD, momentum, Adam), ``init`` (Xavier and Kaiming),
``dropout`` (train vs test) and ``concepts`` (multiple choice, with explanations).

Writing answers:

- whole numbers are checked exactly, and may be written ``9472``, ``9,472``, ``9_472`` or
  ``9.472e3``; a decimal like ``110.5`` is wrong (the answer is a whole number);
- decimals are accepted within the tolerance shown with the question (``±0.001``, or a
  relative ``within 1%`` for initialisation scales); ``25%`` and ``1/4`` are read as 0.25;
- shapes channels first, as PyTorch (C x H x W): ``6x28x28``, ``6 28 28`` or ``(6, 28, 28)``;
- multiple choice by letter (``b``, ``B``, ``b)``).

An answer that cannot be read (``abc``, ``1e999``, ``e`` among choices a to d) costs nothing:
the quiz says why and asks again.

Where the answers come from: never typed in by hand. Sizes, counts and MACs are the
analyzer's (:mod:`hubel.analysis`, the same formulas as ``hubel calc``); activations, softmax,
cross-entropy, BN folding, dropout and optimizer steps are computed by running the engine
(autograd for derivatives, ``hubel.optim.Adam`` for an Adam step). The tests check every topic
over many seeds against real layers and optimizers (hubel's and PyTorch's).

From Python::

    from hubel.quiz import make_questions, run_quiz
    questions = make_questions(5, ["params", "macs"], seed=1, difficulty="easy")
    score = run_quiz(questions)           # or run_quiz(questions, input_stream, output_stream)
    print(questions[0].prompt, questions[0].answer, questions[0].steps)

The same seed gives the same questions, on any Python version (:mod:`hubel.quiz.dice`).
"""

from hubel.quiz.answers import UnreadableAnswer, read_letter, read_number, read_shape
from hubel.quiz.question import CHOICE, INTEGER, NUMBER, SHAPE, Question, Verdict
from hubel.quiz.registry import MAX_QUESTIONS, TOPICS, check_topics, make_questions
from hubel.quiz.session import Score, run_quiz
from hubel.quiz.topic import DIFFICULTIES, Topic
from hubel.quiz.worksheet import worksheet_markdown

__all__ = [
    "CHOICE",
    "DIFFICULTIES",
    "INTEGER",
    "MAX_QUESTIONS",
    "NUMBER",
    "SHAPE",
    "TOPICS",
    "Question",
    "Score",
    "Topic",
    "UnreadableAnswer",
    "Verdict",
    "check_topics",
    "make_questions",
    "read_letter",
    "read_number",
    "read_shape",
    "run_quiz",
    "worksheet_markdown",
]
