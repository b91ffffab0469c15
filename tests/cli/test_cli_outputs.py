"""Outputs are checked before any work: a bad ending, an existing file where a folder is
expected, or a missing chain of folders fails at once; only the folder the user named is made."""

import pytest

from hubel.cli import lab as lab_cli
from hubel.cli import summary as summary_cli
from hubel.cli.main import main
from hubel.outputs import check_output_file, check_output_folder


def test_a_file_may_go_into_an_existing_folder_or_one_new_folder(tmp_path):
    assert check_output_file(tmp_path / "a.png", "--out", (".png",)) == tmp_path / "a.png"
    assert check_output_file(tmp_path / "new" / "a.png", "--out") == tmp_path / "new" / "a.png"
    with pytest.raises(FileNotFoundError, match=r"--out: the folder .*new does not exist"):
        check_output_file(tmp_path / "new" / "deeper" / "a.png", "--out")


def test_a_wrong_ending_a_folder_or_a_file_in_the_path_is_refused(tmp_path):
    (tmp_path / "taken").write_text("")
    with pytest.raises(ValueError, match=r"--out: expected a file name ending in \.png, got"):
        check_output_file(tmp_path / "a.jpg", "--out", (".png",))
    with pytest.raises(IsADirectoryError, match="is a folder; give a file name inside it"):
        check_output_file(tmp_path, "--out")
    with pytest.raises(NotADirectoryError, match="taken is a file, not a folder"):
        check_output_file(tmp_path / "taken" / "a.png", "--out")
    with pytest.raises(NotADirectoryError, match="taken is a file, not a folder"):
        check_output_folder(tmp_path / "taken", "--out")


def test_a_default_folder_may_be_created_with_its_parents(tmp_path):
    deep = tmp_path / "runs" / "lab"
    assert check_output_folder(deep, "--out", create_parents=True) == deep
    with pytest.raises(FileNotFoundError):
        check_output_folder(deep, "--out")


@pytest.fixture
def no_work(monkeypatch):
    """Make the expensive steps fail loudly, to show that a bad output stops the command first."""

    def refuse(*args, **kwargs):
        raise AssertionError("the work started before the output was checked")

    monkeypatch.setattr(summary_cli, "_summarize", refuse)
    monkeypatch.setattr("hubel.lab.run_experiment", refuse)
    monkeypatch.setattr("hubel.training.fold_io.fold_saved", refuse)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["compare", "lenet5", "--out", "chart.gif"], "--out: expected a file name ending in .png"),
        (["compare", "lenet5", "--out", "{tmp}/no/such/c.png"], "the folder {tmp}/no does not"),
        (["lab", "run", "activations", "--out", "{tmp}/file.txt"], "file.txt is a file, not a"),
        (["fold", "{tmp}", "-o", "{tmp}/folded.txt"], "--out: expected a file name ending in .npz"),
    ],
)
def test_bad_outputs_fail_before_the_work(no_work, tmp_path, capsys, argv, message):
    (tmp_path / "file.txt").write_text("keep me")
    code = main([part.format(tmp=tmp_path) for part in argv])
    err = capsys.readouterr().err
    assert code == 2 and message.format(tmp=tmp_path) in err
    assert (tmp_path / "file.txt").read_text() == "keep me"
    assert not (tmp_path / "no").exists()


def test_compare_creates_only_the_folder_named(tmp_path, capsys):
    assert main(["compare", "lenet5", "--out", str(tmp_path / "charts" / "c.png")]) == 0
    assert (tmp_path / "charts" / "c.png").stat().st_size > 0
    assert f"saved {tmp_path / 'charts' / 'c.png'}" in capsys.readouterr().out


def test_lab_default_folder_is_runs_lab(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["lab", "run", "activations"]) == 0
    assert (tmp_path / lab_cli.DEFAULT_OUT / "activations.json").is_file()
