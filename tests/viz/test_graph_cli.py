"""``hubel graph MODEL --input-size C,H,W --depth D --out FILE``: a drawing saved, or one line."""

import pytest

from hubel.cli.main import main


def test_cli_graph_saves_a_collapsed_resnet(tmp_path, capsys):
    out = tmp_path / "g.svg"
    assert (
        main(["graph", "resnet18", "--input-size", "3,32,32", "--depth", "1", "--out", str(out)])
        == 0
    )
    assert out.read_text().count('<g class="node') == 12
    assert f"saved {out} (12 nodes, 11 edges)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nonesuch", "--out", "g.svg"], "model: unknown name 'nonesuch'"),
        (["lenet5", "--out", "g.pdf"], "--out: expected a file ending in .svg, .png, .dot, .gv"),
        (["lenet5", "--depth", "-1", "--out", "g.svg"], "draw_graph: expected depth to be an int"),
        (
            ["lenet5", "--input-size", "3,32,32", "--out", "g.svg"],
            "LeNet5(in_channels=1): expected input of shape (N, 1, 32, 32), got (1, 3, 32, 32)",
        ),
    ],
)
def test_cli_graph_bad_input_is_one_line(args, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["graph", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {message}") and "\n" not in err
    assert not list(tmp_path.iterdir())


def test_cli_graph_bad_input_size_is_an_argparse_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["graph", "lenet5", "--input-size", "3,a,32", "--out", "g.svg"])
    assert exit_info.value.code == 2
    assert "expected C,H,W like '3,224,224'" in capsys.readouterr().err


def test_cli_graph_svg_works_after_a_plain_install(tmp_path):
    from cli_process import PLAIN_INSTALL, run_hubel

    out = tmp_path / "g.svg"
    result = run_hubel("graph", "lenet5", "--depth", "1", "--out", out, blocked=PLAIN_INSTALL)
    assert result.returncode == 0, result.stderr
    assert out.read_text().startswith("<svg")


def test_cli_graph_png_without_matplotlib_says_what_to_install(tmp_path):
    from cli_process import PLAIN_INSTALL, assert_one_line_error, run_hubel

    out = tmp_path / "g.png"
    result = run_hubel("graph", "lenet5", "--out", out, blocked=PLAIN_INSTALL)
    assert_one_line_error(result, "--out", "matplotlib is not installed", "hubel[plot]")
    assert not out.exists()
