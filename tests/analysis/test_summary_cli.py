"""`hubel summary` and `hubel compare`: they parse, call hb.summary and print."""

from __future__ import annotations

import csv
import io
import json

import pytest

from hubel.cli.main import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_summary_prints_the_table_with_worked_steps(capsys):
    code, out, _ = run(capsys, "summary", "lenet5", "--explain")
    assert code == 0
    assert "c1" in out and "Conv2d" in out and "[1, 6, 28, 28]" in out
    assert "params = (5·5·1 + 1)·6 = 156" in out
    assert "MACs = 5·5·1·6·28·28 = 117,600" in out
    assert "H_out = W_out = floor((28 - 2 + 2·0) / 2) + 1 = 14" in out  # the pooling row
    assert "params: 61,706" in out and "FLOPs = 2 x MACs" in out


@pytest.mark.parametrize("form", ["json", "csv", "md"])
def test_summary_formats(capsys, form):
    code, out, _ = run(capsys, "summary", "lenet5", "--depth", "1", "--format", form)
    assert code == 0
    if form == "json":
        data = json.loads(out)
        assert data["total_params"] == 61_706 and data["depth"] == 1
    elif form == "csv":
        lines = list(csv.reader(io.StringIO(out)))
        assert lines[0][:2] == ["name", "type"] and lines[1][:2] == ["c1", "Conv2d"]
    else:
        assert out.startswith("| layer | type | input | output | params | MACs | other ops |")


def test_summary_takes_an_input_size_in_pytorchs_order(capsys):
    code, out, _ = run(capsys, "summary", "resnet20", "--input", "3x16x16", "--format", "json")
    assert code == 0
    assert json.loads(out)["input_size"] == [3, 16, 16]


def test_summary_fold_bn(capsys):
    code, out, _ = run(capsys, "summary", "resnet20", "--fold-bn", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["fold_bn"] and data["total_buffers"] == 0
    assert data["folding"][0].startswith("BN folded: 19 BatchNorm layer(s)")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["summary", "resnet7"], "model: unknown name 'resnet7'; available: alexnet"),
        (["summary", "lenet5", "--depth", "-1"], "depth: expected a non-negative int, got -1"),
        (["summary", "lenet5", "--input", "32x32x1"], "input_size is one example"),
    ],
)
def test_summary_errors_name_the_problem(capsys, argv, message):
    code, _, err = run(capsys, *argv)
    assert code == 2 and message in err


def test_input_that_is_not_a_size_is_refused_by_the_parser(capsys):
    with pytest.raises(SystemExit):
        main(["summary", "lenet5", "--input", "3x0x32"])
    assert "expected C x H x W like '3x224x224'" in capsys.readouterr().err


def test_compare_prints_models_side_by_side_and_saves_a_chart(capsys, tmp_path):
    chart = tmp_path / "models.png"
    code, out, _ = run(capsys, "compare", "lenet5", "resnet20", "--out", str(chart))
    assert code == 0
    assert "lenet5" in out and "resnet20" in out and "61,706" in out
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
