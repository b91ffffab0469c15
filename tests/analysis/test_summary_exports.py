"""A summary read back: the terminal table, to_dict/JSON, CSV and Markdown."""

from __future__ import annotations

import csv
import io
import json

from summary_models import ResidualNet

from hubel.analysis import MAC_CONVENTION, Summary, summary
from hubel.analysis.summary import CSV_HEADER
from hubel.analysis.summary_format import human_bytes, human_count, shapes_text


def residual_summary(**options) -> Summary:
    return summary(ResidualNet(), (3, 32, 32), **options)


def test_json_round_trip_gives_the_same_summary():
    result = residual_summary(explain=True)
    data = json.loads(result.to_json())
    assert data == result.to_dict()
    assert Summary.from_dict(data) == result
    assert data["totals"]["total_flops"] == 2 * result.total_macs
    assert data["convention"] == MAC_CONVENTION
    assert data["rows"][0]["output_shapes"] == [[1, 8, 16, 16]]


def test_csv_has_a_header_and_one_line_per_row():
    result = residual_summary()
    lines = list(csv.reader(io.StringIO(result.to_csv())))
    assert tuple(lines[0]) == CSV_HEADER
    assert lines[0][:5] == ["name", "type", "depth", "input_shape", "output_shape"]
    assert len(lines) == 1 + len(result.rows)
    add = next(line for line in lines if line[0] == "block (add)")
    assert add[3:5] == ["1x8x8x8;1x8x8x8", "1x8x8x8"]
    assert sum(int(line[CSV_HEADER.index("macs")]) for line in lines[1:]) == result.total_macs


def test_markdown_is_a_table_with_totals_and_the_convention():
    text = residual_summary().to_markdown()
    lines = text.splitlines()
    assert lines[0] == "| layer | type | input | output | params | buffers | MACs | other ops |"
    assert lines[1] == "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    assert (
        "| stem | Conv2d | [1, 3, 32, 32] | [1, 8, 16, 16] | 1,184 | 0 | 301,056 | 2,048 |" in lines
    )
    assert "| **total** |  |  |  | **1,946** | **17** | **342,608** | **9,738** |" in lines
    assert f"- convention: {MAC_CONVENTION}" in lines


def test_markdown_with_explain_adds_the_worked_steps():
    text = residual_summary(explain=True).to_markdown()
    assert (
        "**stem** (Conv2d)\n\n```text\nH_out = W_out = floor((32 - 7 + 2·3) / 2) + 1 = 16" in text
    )


def test_the_table_states_totals_memory_and_the_convention():
    text = str(residual_summary())
    assert "block (add)" in text and "block.relu (called again)" in text
    assert "MACs: 342,608 (342.61 k); FLOPs = 2 x MACs = 685,216 (685.22 k)" in text
    assert "params: 1,946 (1.95 k): trainable 1,946, non-trainable 0" in text
    assert "network depth: 4 conv/linear layers on the longest path" in text
    assert "memory: parameters 7.60 KiB" in text and "training ≈" in text
    assert MAC_CONVENTION in text


def test_the_explained_table_puts_the_steps_under_their_row():
    lines = str(residual_summary(explain=True)).splitlines()
    stem = next(i for i, line in enumerate(lines) if line.lstrip().startswith("stem "))
    assert lines[stem + 1].strip().startswith("H_out = W_out = floor((32 - 7 + 2·3) / 2) + 1 = 16")
    assert lines[stem + 2].strip() == "params = (7·7·3 + 1)·8 = 1,184"
    assert lines[stem + 4].strip() == "other ops = 8·16·16 = 2,048 bias adds"
    assert lines[stem + 5].lstrip().startswith("pool ")


def test_human_units():
    assert human_count(1_814_073_344) == "1.81 G"
    assert human_count(9_472) == "9.47 k"
    assert human_count(512) == "512"
    assert human_bytes(46_758_048) == "44.59 MiB"
    assert human_bytes(640) == "640 B"
    assert shapes_text([(1, 64, 56, 56)] * 2) == "2 x [1, 64, 56, 56]"
    assert shapes_text([(1, 4, 5, 5), (1, 6, 5, 5), (1, 2, 5, 5)]) == "[1, 4, 5, 5] +2 more"
