import pytest

from hubel.training.config import TrainConfig, from_toml, to_toml


def write(tmp_path, text):
    path = tmp_path / "run.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "text, error, message",
    [
        ('lr = "fast"\n', TypeError, "key lr: expected a positive number, got 'fast' (str)"),
        ("epochs = 2.5\n", TypeError, "key epochs: expected a positive int, got 2.5 (float)"),
        ("epochs = 0\n", ValueError, "key epochs: expected a positive int, got 0"),
        ("augment = 1\n", TypeError, "key augment: expected true or false, got 1 (int)"),
        ("hidden = 12\n", TypeError, "key hidden: expected a list of positive layer sizes"),
        ("hidden = [64, -1]\n", ValueError, "key hidden: expected a list of positive layer"),
        ('optimizer = "lion"\n', ValueError, "key optimizer: expected one of ('adam'"),
        ('activation = "swish"\n', ValueError, "key activation: expected one of ('relu'"),
        ('model = "resnet9000"\n', ValueError, "key model: expected a model name: mlp or one"),
        ("dropout = 1.5\n", ValueError, "key dropout: expected a drop probability in [0, 1)"),
        ("seed = -3\n", ValueError, "key seed: expected a non-negative int, got -3"),
        ("extra = 3\n", TypeError, "key extra: expected a table of model options, got 3"),
        ("epochz = 3\nlrr = 1\n", ValueError, "unknown keys ['epochz', 'lrr']; known keys"),
        ("epochs = [\n", ValueError, "not valid TOML"),
    ],
)
def test_a_bad_config_file_names_the_file_the_key_and_the_value(tmp_path, text, error, message):
    path = write(tmp_path, text)
    with pytest.raises(error) as caught:
        from_toml(path)
    assert str(caught.value).startswith(f"config {str(path)!r}: ")
    assert message in str(caught.value)


def test_overrides_apply_after_the_file_is_checked(tmp_path):
    path = write(tmp_path, 'hidden = [32]\nepochs = 2\noptimizer = "sgd"\n')
    config = from_toml(path, epochs=5, lr=None)
    assert (config.hidden, config.epochs, config.optimizer, config.lr) == ((32,), 5, "sgd", None)


def test_a_config_written_to_toml_reads_back_equal(tmp_path):
    config = TrainConfig(hidden=(16, 8), lr=0.01, scheduler="cosine", augment=True).resolved()
    assert from_toml(write(tmp_path, to_toml(config))).resolved() == config


def test_data_root_with_the_bundled_digits_is_refused():
    with pytest.raises(ValueError, match="data_root: the digits dataset is bundled.*cifar10 only"):
        TrainConfig(dataset="digits", data_root="/data").resolved()
    assert TrainConfig(dataset="cifar10", data_root="/data").resolved().data_root == "/data"


def test_a_wrong_type_from_python_is_a_type_error_naming_the_field():
    with pytest.raises(TypeError, match=r"batch_size: expected a positive int, got '64' \(str\)"):
        TrainConfig(batch_size="64").resolved()
