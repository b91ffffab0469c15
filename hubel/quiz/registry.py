"""All topics by name, and the one function that turns options into a list of questions."""

from hubel.quiz import (
    activations,
    batchnorm,
    concepts,
    counts,
    initialization,
    macs,
    network,
    optimizers,
    regularization,
    sizes,
)
from hubel.quiz.dice import Dice
from hubel.quiz.question import Question
from hubel.quiz.topic import DIFFICULTIES, Topic

# in the order of the course: sizes and counts of CNNs, then training, then the ideas
TOPICS: dict[str, Topic] = {
    topic.name: topic
    for topic in (
        sizes.TOPIC,
        counts.PARAMS,
        macs.MACS,
        macs.SEPARABLE,
        network.NETWORK,
        network.RECEPTIVE_FIELD,
        counts.MLP,
        batchnorm.TOPIC,
        activations.ACTIVATION,
        activations.SOFTMAX,
        optimizers.TOPIC,
        initialization.TOPIC,
        regularization.TOPIC,
        concepts.TOPIC,
    )
}
FRESH_ATTEMPTS = 20  # draws to find a question not yet asked in this session
# a session or a worksheet; more would take long to draw (a few ms each) and to answer
MAX_QUESTIONS = 500


def check_topics(names: list[str] | tuple[str, ...] | None) -> list[str]:
    """The topic names, all of them for None or ``["all"]``; unknown names raise ValueError."""
    if not names or list(names) == ["all"]:
        return list(TOPICS)
    unknown = [name for name in names if name not in TOPICS]
    if unknown:
        raise ValueError(
            f"topic: unknown {', '.join(repr(name) for name in unknown)}; "
            f"choose from {', '.join(TOPICS)} (or all)"
        )
    return list(dict.fromkeys(names))  # each once, in the order given


def make_questions(
    count: int,
    topics: list[str] | tuple[str, ...] | None = None,
    seed: int = 0,
    difficulty: str = "medium",
) -> list[Question]:
    """``count`` questions (1 to :data:`MAX_QUESTIONS`) drawn from ``topics`` (default: all),
    the same for the same arguments.

    The topics take turns in an order shuffled by the seed (a new order each round), so three
    questions from all topics are three different topics. A question already asked is drawn
    again (up to 20 times), so a session rarely repeats itself.

    >>> [q.topic for q in make_questions(3, ["params", "macs"], seed=1)]
    ['macs', 'params', 'params']
    """
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_QUESTIONS:
        raise ValueError(f"count: expected a whole number from 1 to {MAX_QUESTIONS}, got {count!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed: expected a whole number, got {seed!r}")
    if difficulty not in DIFFICULTIES:
        raise ValueError(
            f"difficulty: expected one of {', '.join(DIFFICULTIES)}, got {difficulty!r}"
        )
    names, level = check_topics(topics), DIFFICULTIES[difficulty]
    dice = Dice(seed)
    questions: list[Question] = []
    prompts: set[str] = set()
    order: list[str] = []
    while len(questions) < count:
        if not order:
            order = dice.shuffled(names)
        topic = TOPICS[order.pop(0)]
        for _ in range(FRESH_ATTEMPTS):
            question = topic.ask(dice, level)
            if question.prompt not in prompts:
                break
        prompts.add(question.prompt)
        questions.append(question)
    return questions
