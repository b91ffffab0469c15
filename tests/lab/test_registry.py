"""What run_experiment returns."""

from hubel.lab import run_experiment


def test_a_lab_result_prints_its_settings_and_numbers_not_its_data():
    result = run_experiment("activations")
    text = repr(result)
    assert text.startswith("LabResult('activations', quick=True, seed=0, seconds=")
    assert "'sigmoid: max derivative': 0.24" in text
    assert len(text) < 2000
