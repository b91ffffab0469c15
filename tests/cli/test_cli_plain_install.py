"""After a plain ``pip install hubel`` (no rich, no matplotlib, no Pillow) every command works:
tables as plain text, and a figure that cannot be drawn is named with how to get it."""

import json

import pytest
from cli_process import PLAIN_INSTALL, run_hubel


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["--version"], "hubel "),
        (["lab", "list"], "vanishing-gradients"),
        (["models", "--family", "ResNet"], "11,689,512"),
        (["calc", "conv", "--input", "3x32x32", "--kernel", "5", "--filters", "6"], "6x28x28"),
        (["calc", "stack", "--input", "1x32x32", "conv5x5x6 relu pool2 fc10"], "total"),
        (["summary", "lenet5", "--explain"], "61,706"),
        (["compare", "lenet5", "resnet20"], "269,722"),
        (["quiz", "--print", "2", "--seed", "1"], "## Answer key"),
        (["quiz", "--count", "1", "--seed", "1"], "No question answered."),
    ],
)
def test_commands_print_plain_tables_without_rich(argv, expected):
    result = run_hubel(*argv, blocked=PLAIN_INSTALL)
    assert result.returncode == 0, result.stderr
    assert expected in result.stdout and "Traceback" not in result.stderr
    assert not set("┏┃━│") & set(result.stdout)  # rich's box drawing is not there


def test_plain_table_columns_line_up():
    result = run_hubel("models", "--family", "VGG", blocked=PLAIN_INSTALL)
    header, rule, *rows = result.stdout.splitlines()[1:]
    assert header.split() == ["name", "family", "input", "params", "year", "idea"]
    params_end = header.index("params") + len("params")
    for row in rows[:-1]:  # the last line is the caption
        assert row[params_end - 1].isdigit() and row[params_end] == " ", row


def test_compare_names_the_chart_it_could_not_draw(tmp_path):
    result = run_hubel("compare", "lenet5", "--out", tmp_path / "c.png", blocked=PLAIN_INSTALL)
    assert result.returncode == 1 and "61,706" in result.stdout
    assert result.stderr.strip() == (
        f"error: could not draw {tmp_path / 'c.png'}: matplotlib is not installed; "
        "pip install 'hubel[plot]'"
    )


def test_lab_run_writes_its_data_and_names_the_missing_figure(tmp_path):
    result = run_hubel("lab", "run", "activations", "--out", tmp_path, blocked=PLAIN_INSTALL)
    assert result.returncode == 0, result.stderr
    record = json.loads((tmp_path / "activations.json").read_text())
    assert record["experiment"] == "activations"
    assert f"warning: could not draw {tmp_path / 'activations.png'}" in result.stderr
    assert "pip install 'hubel[plot]'" in result.stderr and "Traceback" not in result.stderr


def test_train_evaluate_and_fold_without_rich_and_matplotlib(tmp_path):
    run = tmp_path / "run"
    train = run_hubel(
        "train", "--epochs", "1", "--hidden", "8", "--out", run, blocked=PLAIN_INSTALL
    )
    assert train.returncode == 0, train.stderr
    assert "test accuracy" in train.stdout and (run / "weights.npz").is_file()
    evaluate = run_hubel("evaluate", run, blocked=PLAIN_INSTALL)
    assert evaluate.returncode == 0 and "test accuracy" in evaluate.stdout, evaluate.stderr
    fold = run_hubel("fold", run, "-o", tmp_path / "folded.npz", blocked=PLAIN_INSTALL)
    assert fold.returncode == 0 and (tmp_path / "folded.npz").is_file(), fold.stderr
