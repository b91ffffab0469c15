"""Every shape, count and MAC the quiz asks about, checked by building and running real layers.

Each topic's generator runs over 50 seeds at each difficulty; each distinct question is rebuilt
from its ``problem`` as PyTorch layers (on the "meta" device: shapes and PyTorch's own checks,
no data, so hundreds of layers take a second) and as hubel layers run on real zeros (with one
channel where only the spatial size matters, and only when the weights are small, to keep the
suite fast). torch is the oracle only.
"""

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

import hubel as hb
from hubel.analysis import parse_stack
from hubel.quiz import INTEGER, SHAPE, TOPICS
from hubel.quiz.dice import Dice

META = "meta"
SEEDS = range(50)
SMALL = 300_000  # build the hubel layer too when its weight has fewer elements than this


def distinct_questions(name: str) -> list:
    """The topic's questions for 50 seeds at each level, each distinct question once."""
    questions = {}
    for level in (1, 2, 3):
        for seed in SEEDS:
            question = TOPICS[name].ask(Dice(seed), level)
            questions.setdefault(question.prompt, question)
    return list(questions.values())


def torch_shape(module: torch.nn.Module, *shape: int) -> tuple[int, ...]:
    """Output shape (N, C, H, W) of a meta-device forward."""
    return tuple(module(torch.empty(*shape, device=META)).shape)


def torch_run(module: torch.nn.Module, *shape: int) -> tuple[tuple[int, ...], int]:
    """Output shape and MACs (FLOPs / 2) of a meta-device forward (the counter is slower)."""
    with FlopCounterMode(display=False) as counter:
        output = module(torch.empty(*shape, device=META))
    return tuple(output.shape), counter.get_total_flops() // 2


def count(module) -> int:
    return sum(parameter.numel() for parameter in module.parameters())


def hubel_spatial(layer, height: int, width: int) -> tuple[int, int]:
    """(H_out, W_out) of a hubel layer (built for one channel) run on a real zero image."""
    return layer(hb.zeros((1, 1, height, width))).shape[2:]


@pytest.mark.parametrize("name", list(TOPICS))
def test_every_topic_generates_at_every_level_for_many_seeds(name):
    for question in distinct_questions(name):
        assert question.topic == name
        assert question.prompt and question.formula and question.steps
        assert question.check(question.shown_answer.split(")")[0]).correct


def test_output_size_questions_match_torch_and_hubel_layers():
    for question in distinct_questions("output-size"):
        p = question.problem
        channels, height, width = p["input"]
        if p["layer"] == "Conv2d":
            numbers = (p["kernel_size"], p["stride"], p["padding"], p["dilation"])
            reference = torch.nn.Conv2d(channels, p["out_channels"], *numbers, device=META)
            ours = hb.nn.Conv2d(1, 1, *numbers)
        else:
            numbers = dict(
                kernel_size=p["kernel_size"],
                stride=p["stride"],
                padding=p["padding"],
                ceil_mode=p["ceil_mode"],
            )
            reference = getattr(torch.nn, p["layer"])(**numbers)
            ours = getattr(hb.nn, p["layer"])(**numbers)
        _, out_channels, out_height, out_width = torch_shape(reference, 1, channels, height, width)
        assert hubel_spatial(ours, height, width) == (out_height, out_width), question.prompt
        expected = (out_channels, out_height, out_width) if question.kind == SHAPE else out_width
        assert question.answer == expected, question.prompt


def test_params_questions_match_torch_and_hubel_layers():
    for question in distinct_questions("params"):
        p = question.problem
        if p["layer"] == "Linear":
            arguments = (p["in_features"], p["out_features"], p["bias"])
            reference = torch.nn.Linear(*arguments, device=META)
            build = lambda: hb.nn.Linear(*arguments)  # noqa: B023, E731
            size = p["in_features"] * p["out_features"]
        else:
            arguments = (p["in_channels"], p["out_channels"], p["kernel_size"])
            options = dict(groups=p["groups"], bias=p["bias"])
            reference = torch.nn.Conv2d(*arguments, **options, device=META)
            build = lambda: hb.nn.Conv2d(*arguments, **options)  # noqa: B023, E731
            size = p["in_channels"] * p["out_channels"] * p["kernel_size"] ** 2 // p["groups"]
        expected = count(reference)
        ours = build() if size < SMALL else None
        if ours is not None:
            assert count(ours) == expected
        if p["layer"] == "Conv2d+BatchNorm2d":
            norm, our_norm = (
                torch.nn.BatchNorm2d(p["out_channels"]),
                hb.nn.BatchNorm2d(p["out_channels"]),
            )
            if p["count"] == "trainable":
                expected += count(norm)
                assert count(our_norm) == count(norm)
            else:
                expected = sum(buffer.numel() for buffer in norm.buffers())
                assert sum(buffer.numel() for buffer in our_norm.buffers()) == expected
        assert question.answer == expected, question.prompt


def test_mlp_questions_match_torch_and_hubel_models():
    for question in distinct_questions("mlp"):
        p = question.problem
        widths = (3072, *p["hidden"], p["classes"])
        layers = list(zip(widths[:-1], widths[1:]))
        if p["count"] == "first":
            layers = layers[:1]
        reference = torch.nn.Sequential(
            torch.nn.Flatten(), *(torch.nn.Linear(*pair, device=META) for pair in layers)
        )
        assert question.answer == count(reference), question.prompt
        if p["count"] == "first" and widths[1] <= 512:
            assert question.answer == count(hb.nn.Linear(*layers[0]))


def test_macs_questions_match_torch_flop_counts_and_hubel_weights():
    for question in distinct_questions("macs"):
        p = question.problem
        if p["layer"] == "Linear":
            _, macs = torch_run(
                torch.nn.Linear(p["in_features"], p["out_features"], device=META),
                1,
                p["in_features"],
            )
            assert question.answer == macs, question.prompt
            continue
        channels, height, width = p["input"]
        numbers = (p["kernel_size"], p["stride"], p["padding"])
        reference = torch.nn.Conv2d(
            channels, p["out_channels"], *numbers, groups=p["groups"], bias=False, device=META
        )
        _, macs = torch_run(reference, 1, channels, height, width)
        assert question.answer == macs, question.prompt
        # every weight is used once per output position: MACs = weights·H_out·W_out
        ours = hb.nn.Conv2d(
            channels, p["out_channels"], p["kernel_size"], groups=p["groups"], bias=False
        )
        out_height, out_width = hubel_spatial(hb.nn.Conv2d(1, 1, *numbers), height, width)
        assert question.answer == ours.weight.numel() * out_height * out_width


def test_separable_questions_match_torch_layers():
    for question in distinct_questions("separable"):
        p = question.problem
        channels, height, width = p["input"]
        kernel, filters = p["kernel_size"], p["out_channels"]

        def conv(c_in, c_out, k, groups=1):
            return torch.nn.Conv2d(
                c_in, c_out, k, padding=k // 2, groups=groups, bias=False, device=META
            )

        standard = conv(channels, filters, kernel)
        separable = torch.nn.Sequential(
            conv(channels, channels, kernel, channels), conv(channels, filters, 1)
        )
        shape, standard_macs = torch_run(standard, 1, channels, height, width)
        separable_shape, separable_macs = torch_run(separable, 1, channels, height, width)
        assert shape == separable_shape
        expected = {
            "macs": separable_macs,
            "params": count(separable),
            "ratio": separable_macs / standard_macs,
        }[p["ask"]]
        if question.kind == INTEGER:
            assert question.answer == expected, question.prompt
        else:
            assert question.answer == pytest.approx(expected, rel=1e-12), question.prompt


def _hubel_network(spec: str, channels: int) -> tuple[hb.nn.Sequential, list[int]]:
    """The conv/pool part of a stack spec as hubel layers, and the widths of its Linear layers."""
    layers, widths = [], []
    for layer in parse_stack(spec):
        if layer.kind == "conv":
            kernel, filters = layer.numbers[0], layer.numbers[2]
            padding = layer.options.get("p", 0)
            layers.append(hb.nn.Conv2d(channels, filters, kernel, padding=padding))
            channels = filters
        elif layer.kind in ("pool", "avgpool"):
            layers.append((hb.nn.MaxPool2d if layer.kind == "pool" else hb.nn.AvgPool2d)(2))
        else:
            widths.append(layer.numbers[0])
    return hb.nn.Sequential(*layers), widths


def test_network_questions_match_hubel_networks_run_end_to_end():
    for question in distinct_questions("network"):
        p = question.problem
        channels, height, width = p["input"]
        features, widths = _hubel_network(p["spec"], channels)
        with hb.no_grad():
            feature_map = features(hb.zeros((1, channels, height, width)))
            _, c, h, w = feature_map.shape
            sizes = [c * h * w, *widths]
            head = hb.nn.Sequential(
                hb.nn.Flatten(),
                *(hb.nn.Linear(n_in, n_out) for n_in, n_out in zip(sizes[:-1], sizes[1:])),
            )
            assert head(feature_map).shape == (1, 10)
        expected = {
            "shape": (c, h, w),
            "features": c * h * w,
            "params": count(features) + count(head),
        }[p["ask"]]
        assert question.answer == expected, question.prompt


def _measured_receptive_field(layers: tuple) -> int:
    """Run the stack (as 1 x k windows of ones) and see which inputs reach the first output."""
    modules = []
    for kernel, stride, dilation in layers:
        conv = hb.nn.Conv2d(
            1,
            1,
            (1, kernel),
            stride=(1, stride),
            dilation=(1, dilation),
            bias=False,
            dtype=hb.float64,
        )
        hb.nn.init.ones_(conv.weight)  # positive weights: no gradient cancels out
        modules.append(conv)
    image = hb.tensor(
        hb.ones((1, 1, 1, 600), dtype=hb.float64).detach().numpy(), requires_grad=True
    )
    output = hb.nn.Sequential(*modules)(image)
    output[0, 0, 0, 0].backward()
    reached = (image.grad.numpy()[0, 0, 0] != 0).nonzero()[0]
    return int(reached[-1] - reached[0] + 1)


def test_receptive_field_questions_match_the_gradient_of_a_real_stack():
    for question in distinct_questions("receptive-field"):
        assert question.answer == _measured_receptive_field(question.problem["layers"])
