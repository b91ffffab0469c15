"""The quiz's engine-computed answers against PyTorch: BN folding, activations, softmax and
cross-entropy, optimizer steps, initialisation scales and dropout, over 50 seeds per level."""

import math

import numpy as np
import pytest
import torch

import hubel as hb
from hubel.quiz import CHOICE, TOPICS
from hubel.quiz.concepts import BANK
from hubel.quiz.dice import Dice

SEEDS = range(50)


def questions(name: str) -> list:
    """The topic's questions for 50 seeds at each level, each distinct question once."""
    drawn = (TOPICS[name].ask(Dice(seed), level) for level in (1, 2, 3) for seed in SEEDS)
    return list({question.prompt: question for question in drawn}.values())


def _within(question, value: float) -> bool:
    """The reference value is the answer up to float rounding, far inside the tolerance."""
    return abs(question.answer - value) <= 1e-9 * max(1.0, abs(value))


def _folded_by(nn, tensor, problem: dict) -> float:
    """W' or b' read off a real Linear(1, 1) → BatchNorm1d(1) in eval mode: y(1) - y(0), y(0)."""
    linear, norm = nn.Linear(1, 1), nn.BatchNorm1d(1, eps=problem["eps"])
    model = nn.Sequential(linear, norm).double()
    model.eval()
    linear.weight.data[...], linear.bias.data[...] = problem["weight"], problem["bias"]
    norm.weight.data[...], norm.bias.data[...] = problem["gamma"], problem["beta"]
    norm.running_mean.data[...], norm.running_var.data[...] = problem["mean"], problem["var"]
    at_zero, at_one = (model(tensor(np.array([[x]]))).data.item() for x in (0.0, 1.0))
    return at_one - at_zero if problem["ask"] == "weight" else at_zero


def test_bn_folding_matches_torch_and_hubel_batchnorm_in_eval_mode():
    for question in questions("bn-folding"):
        assert _within(question, _folded_by(torch.nn, torch.tensor, question.problem))
        assert _within(question, _folded_by(hb.nn, hb.tensor, question.problem))


def test_activation_values_and_derivatives_match_torch_autograd():
    functions = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "ReLU": torch.relu}
    for question in questions("activations"):
        p = question.problem
        x = torch.tensor(p["x"], dtype=torch.float64, requires_grad=True)
        y = functions[p["function"]](x)
        y.backward()
        assert p["function"] != "ReLU" or p["x"] != 0  # ReLU'(0) is a convention, not asked
        expected = y.item() if p["ask"] == "value" else x.grad.item()
        assert _within(question, expected), question.prompt


def test_softmax_probabilities_and_losses_match_torch():
    for question in questions("softmax"):
        p = question.problem
        scores = torch.tensor([p["scores"]], dtype=torch.float64)
        if p["ask"] == "probability":
            expected = torch.softmax(scores, dim=1)[0, p["target"]].item()
        else:
            expected = torch.nn.functional.cross_entropy(scores, torch.tensor([p["target"]])).item()
        assert _within(question, expected), question.prompt


def test_optimizer_steps_match_torch_optim():
    optimizers = {"SGD": torch.optim.SGD, "Adam": torch.optim.Adam}
    for question in questions("optimizers"):
        p = question.problem
        weight = torch.tensor([p["weight"]], dtype=torch.float64, requires_grad=True)
        optimizer = optimizers[p["optimizer"]]([weight], **p["options"])
        for gradient in p["gradients"]:
            weight.grad = torch.tensor([gradient], dtype=torch.float64)
            optimizer.step()
        assert _within(question, weight.item()), question.prompt


def _same_fans(shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """A small weight shape with the fans of ``shape``: (fan_out/r, fan_in/r, 1, r).

    Drawing a 3072 x 3072 weight four times would take seconds; the initialisers only look at
    the fans, and (1, 1, 1, 3072) has the same ones with 3,072 elements.
    """
    fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape, device="meta"))
    r = math.gcd(fan_in, fan_out)
    return fan_out // r, fan_in // r, 1, r


def _draw_torch(scheme: str, shape: tuple[int, ...], scale: float):
    """(torch.nn.init's weight, the same draw from a plain distribution of the quiz's scale)."""
    torch.manual_seed(0)
    weight = torch.empty(shape, dtype=torch.float64)
    {
        "xavier": torch.nn.init.xavier_uniform_,
        "kaiming_normal": lambda w: torch.nn.init.kaiming_normal_(w, nonlinearity="relu"),
        "kaiming_uniform": lambda w: torch.nn.init.kaiming_uniform_(w, nonlinearity="relu"),
    }[scheme](weight)
    torch.manual_seed(0)
    plain = torch.empty(shape, dtype=torch.float64)
    if scheme == "kaiming_normal":
        plain.normal_(0, scale)
    else:
        plain.uniform_(-scale, scale)
    return weight, plain


def _draw_hubel(scheme: str, shape: tuple[int, ...], scale: float):
    """The same with ``hubel.nn.init`` and NumPy's generator, which hubel draws from."""
    hb.manual_seed(0)
    weight = hb.zeros(shape, dtype=hb.float64)
    {
        "xavier": hb.nn.init.xavier_uniform_,
        "kaiming_normal": lambda w: hb.nn.init.kaiming_normal_(w, nonlinearity="relu"),
        "kaiming_uniform": lambda w: hb.nn.init.kaiming_uniform_(w, nonlinearity="relu"),
    }[scheme](weight)
    generator = np.random.default_rng(0)
    if scheme == "kaiming_normal":
        plain = generator.normal(0.0, scale, size=shape)
    else:
        plain = generator.uniform(-scale, scale, size=shape)
    return weight.detach().numpy(), plain


def test_init_scales_reproduce_torch_and_hubel_initialisers_draw_for_draw():
    cases = {(q.problem["scheme"], q.problem["shape"]): q for q in questions("init")}
    for (scheme, shape), question in cases.items():
        small = _same_fans(shape)
        # the same random draws scaled by the quiz's answer give the initialiser's weights
        weight, plain = _draw_torch(scheme, small, question.answer)
        np.testing.assert_allclose(
            weight.detach().numpy(), plain.detach().numpy(), rtol=1e-12, atol=0
        )
        weight, plain = _draw_hubel(scheme, small, question.answer)
        np.testing.assert_allclose(weight, plain, rtol=1e-12, atol=0)
        # and hubel computes the real layer's fans as PyTorch does (zeros cost no time)
        fans = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape, device="meta"))
        assert hb.nn.init._calculate_fan_in_and_fan_out(hb.zeros(shape)) == fans


def test_dropout_values_match_torch_dropout_in_train_and_eval_mode():
    for question in questions("dropout"):
        p = question.problem
        layer = torch.nn.Dropout(p["p"])
        inputs = torch.full((256,), p["activation"], dtype=torch.float64)
        if p["when"] == "test":
            expected = layer.eval()(inputs)[0].item()
        else:
            outputs = layer.train()(inputs)
            expected = outputs[outputs != 0][0].item()
        assert _within(question, expected), question.prompt


def test_dropout_questions_leave_the_global_random_state_alone():
    hb.manual_seed(3)
    expected = hb.randn(4).detach().numpy()
    hb.manual_seed(3)
    questions("dropout")
    np.testing.assert_array_equal(hb.randn(4).detach().numpy(), expected)


def test_concept_choices_are_shuffled_and_the_letter_points_at_the_right_answer():
    positions = set()
    for question in (TOPICS["concepts"].ask(Dice(seed), 2) for seed in range(150)):
        concept = BANK[question.problem["concept"]]
        assert question.kind == CHOICE and len(question.choices) == 4
        assert sorted(question.choices) == sorted((concept.right, *concept.wrong))
        assert question.choices["abcd".index(question.answer)] == concept.right
        assert question.steps == (concept.explanation,)
        positions.add(question.answer)
    assert positions == set("abcd")  # the right answer is not always in the same place


def test_every_concept_can_be_drawn():
    drawn = {TOPICS["concepts"].ask(Dice(seed), 2).problem["concept"] for seed in range(300)}
    assert drawn == set(range(len(BANK)))


@pytest.mark.parametrize("concept", BANK, ids=lambda concept: concept.idea)
def test_concepts_have_four_distinct_choices_and_an_explanation(concept):
    assert len({concept.right, *concept.wrong}) == 4
    assert concept.explanation and concept.question.endswith("?")
