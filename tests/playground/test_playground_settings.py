"""The page's settings are checked on the server: types, bounds, unknown names, cross-field
rules, each refusal naming the field, what it accepts and what came."""

import math

import pytest

from hubel.playground.cnn import parse_cnn_settings
from hubel.playground.config import Field, PlaygroundError, parse_settings
from hubel.playground.mlp import FIELDS, parse_mlp_settings


def test_defaults_fill_missing_settings():
    settings = parse_mlp_settings({})
    assert settings == {field.name: field.default for field in FIELDS}


def test_values_from_json_and_from_a_url_query_agree():
    from_json = parse_mlp_settings({"lr": 0.1, "layers": [8, 8, 2], "batchnorm": True, "seed": 7})
    from_url = parse_mlp_settings({"lr": "0.1", "layers": "8,8,2", "batchnorm": "1", "seed": "7"})
    assert from_json == from_url
    assert from_json["layers"] == (8, 8, 2) and from_json["batchnorm"] is True


@pytest.mark.parametrize(
    "raw, message",
    [
        ({"lr": 0}, "lr: expected a number in [1e-05, 10], got 0"),
        ({"lr": "fast"}, "lr: expected a number in [1e-05, 10], got 'fast'"),
        ({"lr": math.nan}, "lr: expected a number in [1e-05, 10], got nan"),
        ({"lr": "inf"}, "lr: expected a number in [1e-05, 10], got 'inf'"),
        ({"batch_size": 2.5}, "batch_size: expected an integer in [1, 1000], got 2.5"),
        ({"batch_size": True}, "batch_size: expected an integer in [1, 1000], got True"),
        ({"seed": -1}, "seed: expected an integer in [0, 2.14748e+09], got -1"),
        ({"activation": "softplus"}, "activation: expected one of tanh, sigmoid, relu, linear"),
        ({"batchnorm": "maybe"}, "batchnorm: expected true or false, got 'maybe'"),
        ({"layers": [4] * 7}, "layers: expected at most 6 integers, each in [1, 8]"),
        ({"layers": [4, 9]}, "layers: expected at most 6 integers, each in [1, 8]"),
        ({"layers": "4,x"}, "layers: expected at most 6 integers, each in [1, 8]"),
        ({"layers": {"a": 1}}, "layers: expected at most 6 integers, each in [1, 8]"),
        ({"learning_rate": 0.1}, "mlp: unknown setting 'learning_rate'; the settings are"),
        ({"points": 100, "batch_size": 60}, "batch_size: expected at most the training set's 50"),
        ({"batchnorm": True, "batch_size": 1}, "batch_size: batch norm needs at least 2"),
    ],
)
def test_bad_mlp_settings_are_refused_naming_the_field(raw, message):
    with pytest.raises(PlaygroundError) as error:
        parse_mlp_settings(raw)
    assert str(error.value).startswith(message)


def test_settings_must_be_an_object():
    with pytest.raises(PlaygroundError, match="mlp: expected an object of settings, got list"):
        parse_mlp_settings([1, 2])


def test_a_playground_error_is_a_value_error():
    assert issubclass(PlaygroundError, ValueError)


def test_an_empty_hidden_layer_list_is_a_linear_model():
    assert parse_mlp_settings({"layers": ""})["layers"] == ()
    assert parse_mlp_settings({"layers": []})["layers"] == ()


def test_int_field_accepts_integral_floats_and_strings():
    field = Field("units", "int", 1, 1, 8)
    assert field.parse(3.0) == 3 and field.parse(" 4 ") == 4
    with pytest.raises(PlaygroundError, match=r"units: expected an integer in \[1, 8\], got 9"):
        field.parse(9)


def test_parse_settings_names_the_group_in_its_errors():
    with pytest.raises(PlaygroundError, match="view: unknown setting 'zoom'"):
        parse_settings((Field("image", "int", 0, 0, 9),), {"zoom": 2}, "view")


def test_cnn_kernel_that_does_not_fit_is_refused_with_the_formula():
    with pytest.raises(PlaygroundError) as error:
        parse_cnn_settings({"conv1_kernel": 7, "conv1_stride": 4, "conv1_padding": 0})
    text = str(error.value)
    assert text.startswith("pool2(kernel_size=2, stride=2, padding=0): input width 1")
    assert "floor((1 - 2 + 0)/2) + 1 = 0 < 1" in text
    assert text.endswith("choose a smaller kernel or stride, or more padding")


@pytest.mark.parametrize(
    "raw, message",
    [
        ({"conv1_kernel": 8}, "conv1_kernel: expected an integer in [1, 7], got 8"),
        ({"conv2_filters": 0}, "conv2_filters: expected an integer in [1, 16], got 0"),
        ({"batch_size": 1}, "batch_size: expected an integer in [2, 256], got 1"),
        ({"dropout": 0.5}, "cnn: unknown setting 'dropout'"),
    ],
)
def test_bad_cnn_settings_are_refused_naming_the_field(raw, message):
    with pytest.raises(PlaygroundError) as error:
        parse_cnn_settings(raw)
    assert str(error.value).startswith(message)
