"""The homework command end to end on a small archive in the official CIFAR-10 format."""

import json

from cifar_archive import make_fake_cifar

from hubel.cli.main import main


def test_hubel_train_cifar10_runs_the_homework_mlp_on_an_extracted_folder(tmp_path, capsys):
    fake = make_fake_cifar(per_batch=20, test_size=30)
    fake.write_folder(tmp_path / "data")
    code = main(
        [
            "train",
            "--dataset",
            "cifar10",
            "--data-root",
            str(tmp_path / "data"),
            "--epochs",
            "2",
            "--hidden",
            "32",
            "--out",
            str(tmp_path / "run"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["dataset"] == "cifar10" and summary["parameters"] == 3072 * 32 + 32 + 330
    assert set(summary["per_class_accuracy"]) == {
        "airplane",
        "automobile",
        "bird",
        "cat",
        "deer",
        "dog",
        "frog",
        "horse",
        "ship",
        "truck",
    }
    assert sum(map(sum, summary["confusion_matrix"])) == 30
    assert "test accuracy" in out


def test_hubel_train_cifar10_without_network_says_how_to_place_the_files(
    tmp_path, capsys, monkeypatch
):
    import urllib.error
    import urllib.request

    def no_network(request, timeout=None):  # never reach the internet from a test
        raise urllib.error.URLError("network is unreachable")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    code = main(["train", "--dataset", "cifar10", "--data-root", str(tmp_path), "--epochs", "1"])
    err = capsys.readouterr().err
    assert code == 2
    assert "cifar-10-python.tar.gz" in err and str(tmp_path) in err
