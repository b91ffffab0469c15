"""Rich displays: the ``_repr_html_`` of Tensor, Module, summary, BN folding and a lab result."""

import base64
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import hubel as hb
from hubel import nn
from hubel.analysis import fold_batchnorm


def _parsed(markup: str) -> ET.Element:
    """The display as XML: every tag closed, every label escaped, or this raises."""
    return ET.fromstring(markup)


def _text(markup: str) -> str:
    return "".join(_parsed(markup).itertext())


def test_tensor_html_gives_shape_dtype_device_grad_fn_and_values():
    x = hb.tensor([[1.0, 2.5], [3.0, -4.0]], requires_grad=True)
    text = _text((x * 2).sum(dim=0)._repr_html_())
    assert "Tensor · shape (2,) · float32 · cpu · grad_fn=<SumBackward>" in text
    assert repr((x * 2).sum(dim=0)) in text
    assert "requires_grad=True" in _text(x._repr_html_())


def test_tensor_html_truncates_large_tensors_like_torch():
    big = hb.arange(2000, dtype=hb.float64)
    text = _text(big._repr_html_())
    assert repr(big) in text and "..." in text  # the first and last three values
    assert "shape (2000,) · float64" in text and len(text) < 200


def test_parameter_html_is_titled_parameter():
    assert _text(nn.Linear(2, 3).weight._repr_html_()).startswith("Parameter · shape (3, 2)")


def _model():
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Sequential(nn.Linear(8, 2)))


def test_module_html_is_the_tree_with_parameter_counts():
    model = _model()
    model[2][0].weight.requires_grad_(False)
    markup = model._repr_html_()
    text = _text(markup)
    assert text.startswith("Sequential · 58 parameters (42 trainable) · training mode")
    assert "0 Linear(in_features=4, out_features=8, bias=True) · 40 params" in text
    assert "1 ReLU()" in text
    assert "2 Sequential() · 18 params" in text
    nested = [d for d in _parsed(markup).iter("details")]
    assert len(nested) == 1 and "0 Linear(in_features=8" in "".join(nested[0].itertext())
    assert nested[0].get("open") == ""  # a small model: the whole tree open


def test_module_html_of_a_large_model_starts_folded_at_its_top_level():
    model = hb.models.get_model("resnet18")
    root = _parsed(model._repr_html_())
    details = list(root.iter("details"))
    assert len(details) == 4 + 8 + 3  # layer1-4, their 8 blocks, 3 downsample Sequentials
    assert all(d.get("open") is None for d in details)
    assert "".join(details[0].find("summary").itertext()).startswith("layer1 Sequential()")
    assert "11,689,512 parameters" in "".join(root.itertext())


def test_module_html_of_a_single_layer_in_eval_mode():
    text = _text(nn.Linear(3, 1).eval()._repr_html_())
    assert "4 parameters (4 trainable) · eval mode" in text
    assert "Linear(in_features=3, out_features=1, bias=True) · 4 params" in text


def test_summary_html_is_the_table_with_totals():
    result = hb.summary(_model(), (4,))
    root = _parsed(result._repr_html_())
    rows = [["".join(cell.itertext()) for cell in row] for row in root.iter("tr")]
    assert rows[0][:5] == ["layer", "type", "input", "output", "params"]
    assert len(rows) == 1 + len(result.rows) + 1  # header, one per row, the total
    assert rows[-1][0] == "total" and rows[-1][4] == f"{result.trainable_params:,}"
    assert [cell.find("b").text for cell in list(root.iter("tr"))[-1] if len(cell)][:1] == ["total"]
    assert any(row[1] == "Linear" and row[4] == "40" for row in rows)
    assert "params: 58" in "".join(root.itertext())


def test_fold_html_lists_pairs_and_the_worked_report():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU()).eval()
    result = fold_batchnorm(model, input_size=(3,))
    text = _text(result._repr_html_())
    assert "BN folding · 1 absorbed · 0 left in place" in text
    pair = result.folded[0]
    assert f"{pair.layer}{pair.batchnorm}Linear4{pair.scale:.6g}" in text
    assert result.report() in text


class _Experiment:
    """A stand-in experiment whose figure is a known PNG, so the test sees it embedded."""

    name = "toy"
    lesson = "A toy lesson."

    @staticmethod
    def render(data, path):
        from hubel.lab.common import pyplot, save_figure

        fig = pyplot().figure(figsize=(1, 1))
        fig.gca().plot(data["ys"])
        return save_figure(fig, path)


def test_lab_html_shows_lesson_numbers_figure_and_settings():
    from hubel.lab import LabResult

    numbers = {"loss": 0.123456, "steps": 3}
    result = LabResult(_Experiment, {"ys": [0, 1, 4]}, numbers, True, 7, 1.25)
    root = _parsed(result._repr_html_())
    text = "".join(root.itertext())
    assert "lab: toy" in text and "A toy lesson." in text
    assert "loss0.1235" in text and "steps3" in text
    assert "quick form, seed 7, 1.2 s" in text
    (image,) = root.iter("img")
    png = base64.b64decode(image.get("src").removeprefix("data:image/png;base64,"))
    assert png.startswith(b"\x89PNG")


@pytest.mark.slow
def test_lab_html_of_a_real_experiment():
    result = hb.lab.run_experiment("activations")
    text = _text(result._repr_html_())
    assert result.experiment.lesson in text
    for label in result.numbers:
        assert label in text
    assert np.isfinite(result.seconds)
