"""CNN mode: layer sizes by the course's formula, feature maps, a unit's arithmetic equal to
the forward pass, training that changes the first layer's filters, and BN folding."""

import numpy as np
import pytest

from hubel.playground.arithmetic import explain_unit
from hubel.playground.cnn import (
    IMAGE_SIZE,
    CNNSession,
    build_cnn,
    feature_map_sizes,
    parse_cnn_settings,
)
from hubel.playground.config import PlaygroundError


def session(**raw) -> CNNSession:
    return CNNSession(parse_cnn_settings(raw))


def formula(size, kernel, stride, padding):
    return (size - kernel + 2 * padding) // stride + 1


@pytest.mark.parametrize(
    "kernel, stride, padding", [(3, 1, 1), (3, 2, 1), (5, 1, 0), (7, 3, 3), (1, 4, 0)]
)
def test_layer_sizes_follow_the_output_size_formula(kernel, stride, padding):
    raw = {"conv1_kernel": kernel, "conv1_stride": stride, "conv1_padding": padding}
    conv1 = formula(IMAGE_SIZE, kernel, stride, padding)
    sizes = feature_map_sizes(parse_cnn_settings(raw))
    assert sizes[0] == (conv1, conv1)
    assert sizes[1] == (conv1 // 2, conv1 // 2)
    state = session(**raw).state()
    shapes = {layer["name"]: layer["shape"] for layer in state["layers"]}
    assert shapes["conv1"] == [8, conv1, conv1] and shapes["pool1"] == [8, conv1 // 2, conv1 // 2]
    row = next(r for r in state["summary"]["rows"] if r["name"] == "conv1")
    assert f") + 1 = {conv1}" in row["steps"][0]
    assert row["steps"][0].startswith(
        f"H_out = W_out = floor(({IMAGE_SIZE} - {kernel} + 2·{padding}) / {stride}) + 1"
    )


def test_summary_counts_the_models_parameters():
    run = session(batchnorm=True)
    total = sum(p.detach().numpy().size for p in run.model.parameters())
    state = run.state()
    assert state["summary"]["total_params"] == total
    assert sum(r["params"] for r in state["summary"]["rows"]) == total
    conv1 = next(r for r in state["summary"]["rows"] if r["name"] == "conv1")
    assert conv1["params"] == (3 * 3 * 1 + 1) * 8 and conv1["macs"] == 3 * 3 * 1 * 8 * 16 * 16


def test_network_follows_the_settings():
    model = build_cnn(parse_cnn_settings({"batchnorm": False, "conv2_filters": 4}))
    assert [name for name, _ in model.named_children()] == [
        "conv1",
        "relu1",
        "pool1",
        "conv2",
        "relu2",
        "pool2",
        "flatten",
        "fc",
    ]
    assert model.fc.in_features == 4 * 4 * 4


def test_feature_maps_are_the_layers_outputs_for_the_chosen_image():
    run = session()
    run.set_view({"image": 5})
    outputs = run.activations(run.shown_model()[0])
    from hubel.playground.cnn import dataset

    images, labels = dataset(False)
    assert np.array_equal(outputs[0][2], images[5])
    state = run.state()
    assert state["image"]["index"] == 5 and state["image"]["label"] == labels[5]
    conv1 = next(layer for layer in state["layers"] if layer["name"] == "conv1")
    assert len(conv1["maps"]) == 8 and conv1["maps"][0]["rows"] == 16
    assert abs(sum(state["image"]["probabilities"]) - 1) < 1e-5


def test_view_settings_are_checked():
    run = session()
    with pytest.raises(PlaygroundError, match=r"image: expected an integer in \[0, 359\], got 360"):
        run.set_view({"image": 360})
    with pytest.raises(PlaygroundError, match="view: unknown setting 'zoom'"):
        run.set_view({"zoom": 1})


@pytest.mark.parametrize("layer", ["conv1", "bn1", "relu1", "pool1", "conv2", "relu2", "pool2"])
def test_worked_arithmetic_equals_the_feature_map(layer):
    run = session(conv1_stride=2, conv2_padding=0)
    run.advance(3, budget_s=60)  # batch norm's running statistics are no longer 0 and 1
    outputs = run.activations(run.shown_model()[0])
    shape = next(output.shape for name, _, output in outputs if name == layer)
    last = (shape[0] - 1, shape[1] - 1, shape[2] - 1)
    for channel, row, col in [(0, 0, 0), last, (1, shape[1] // 2, shape[2] // 2)]:
        worked = explain_unit(outputs, layer, channel, row, col)
        assert worked["value"] == pytest.approx(worked["map_value"], rel=1e-4, abs=1e-5)


def test_conv_arithmetic_shows_the_window_the_kernel_and_the_padding():
    run = session(conv1_kernel=3, conv1_stride=2, conv1_padding=1)
    outputs = run.activations(run.shown_model()[0])
    worked = explain_unit(outputs, "conv1", 2, 0, 3)
    assert worked["kind"] == "conv" and worked["input_layer"] == "input"
    assert (worked["window_top"], worked["window_left"]) == (-1, 5)  # r·S − P, c·S − P
    assert np.all(np.array(worked["window"])[0, 0] == 0)  # the padding row
    image = outputs[0][2][0]
    np.testing.assert_allclose(np.array(worked["window"])[0, 1:], image[0:2, 5:8], atol=1e-4)
    weight = run.model.conv1.weight.detach().numpy()[2]
    np.testing.assert_allclose(worked["kernel"], weight, atol=1e-4)
    assert worked["macs"] == 9
    assert worked["steps"][0].startswith(
        "window: input rows -1…1, columns 5…7 (stride 2, padding 1"
    )


def test_inspect_refuses_units_outside_the_map():
    run = session()
    outputs = run.activations(run.shown_model()[0])
    with pytest.raises(PlaygroundError, match=r"row: expected an integer in \[0, 15\] for conv1's"):
        explain_unit(outputs, "conv1", 0, 16, 0)
    with pytest.raises(PlaygroundError, match="layer: expected one of conv1, bn1, relu1"):
        explain_unit(outputs, "fc", 0, 0, 0)
    with pytest.raises(PlaygroundError, match="channel: expected an integer"):
        explain_unit(outputs, "conv1", True, 0, 0)


def test_training_changes_the_first_layer_filters_and_lowers_the_loss():
    run = session(lr=0.01, seed=1)
    before = run.model.conv1.weight.detach().numpy().copy()
    first_loss = run.state()["metrics"]["test_loss"]
    run.advance(15, budget_s=60)
    assert not np.allclose(run.model.conv1.weight.detach().numpy(), before)
    state = run.state()
    assert state["metrics"]["test_loss"] < first_loss
    assert len(state["curves"]["train"]) == 15


def test_folding_keeps_the_outputs_and_drops_the_batch_norms():
    run = session(batchnorm=True)
    run.advance(5, budget_s=60)
    plain = run.state()
    run.set_view({"fold": True})
    folded = run.state()
    assert folded["fold"]["layers_before"] == 10 and folded["fold"]["layers_after"] == 8
    assert folded["fold"]["folded"] == 2 and folded["fold"]["max_abs_difference"] < 1e-4
    assert folded["image"]["probabilities"] == pytest.approx(
        plain["image"]["probabilities"], abs=1e-5
    )
    kinds = {layer["name"]: layer["type"] for layer in folded["layers"]}
    assert kinds["bn1"] == "Identity" and kinds["bn2"] == "Identity"
    notes = {row["name"]: row["note"] for row in folded["summary"]["rows"]}
    assert notes["bn1"] == "folded into conv1"
    assert plain["fold"] is None


def test_same_seed_same_cnn_run():
    a, b = session(seed=4), session(seed=4)
    a.advance(4, budget_s=60)
    b.advance(2, budget_s=60)
    b.advance(2, budget_s=60)
    assert a.state()["curves"] == b.state()["curves"]
    np.testing.assert_array_equal(
        a.model.conv1.weight.detach().numpy(), b.model.conv1.weight.detach().numpy()
    )


def test_the_fold_is_redone_after_a_training_step():
    run = session(batchnorm=True)
    run.set_view({"fold": True})
    folded, _ = run.shown_model()
    assert run.shown_model()[0] is folded  # same weights: the same fold
    run.advance(1, budget_s=60)
    refolded, report = run.shown_model()
    assert not np.allclose(
        refolded.conv1.weight.detach().numpy(), folded.conv1.weight.detach().numpy()
    )
    assert report["max_abs_difference"] < 1e-4
