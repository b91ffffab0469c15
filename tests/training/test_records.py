import json
import math

import pytest

from hubel.training.records import read_history, strict_json, write_history, write_json


def strict_loads(text):
    def refuse(constant):
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def test_metrics_jsonl_is_strict_json_and_reads_back_nan(tmp_path):
    rows = [
        {"epoch": 1, "train_loss": 0.5, "val_loss": math.nan},
        {"epoch": 2, "train_loss": math.inf, "val_loss": -math.inf},
    ]
    path = tmp_path / "metrics.jsonl"
    write_history(path, rows)
    lines = path.read_text().splitlines()
    assert [strict_loads(line) for line in lines] == [
        {"epoch": 1, "train_loss": 0.5, "val_loss": None},
        {"epoch": 2, "train_loss": None, "val_loss": None},
    ]
    back = read_history(path)
    assert back[0]["train_loss"] == 0.5 and math.isnan(back[0]["val_loss"])
    assert math.isnan(back[1]["train_loss"]) and back[1]["epoch"] == 2


def test_summary_json_writes_nested_nan_as_null(tmp_path):
    path = tmp_path / "summary.json"
    write_json(path, {"per_class_accuracy": {"cat": math.nan, "dog": 0.75}, "counts": [1, 2]})
    assert strict_loads(path.read_text()) == {
        "per_class_accuracy": {"cat": None, "dog": 0.75},
        "counts": [1, 2],
    }


def test_strict_json_keeps_finite_values_exact():
    value = {"a": [0.1, 1e-300, -2.5], "b": "nan", "c": None, "d": True}
    assert json.loads(strict_json(value)) == value


def test_a_corrupt_metrics_line_is_named(tmp_path):
    path = tmp_path / "metrics.jsonl"
    path.write_text('{"epoch": 1}\n{"epoch": \n')
    with pytest.raises(ValueError, match="metrics.jsonl' line 2: not valid JSON"):
        read_history(path)
