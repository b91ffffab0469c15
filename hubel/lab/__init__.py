"""The lab: the course's claims as seeded experiments that show them with numbers and a figure.

    import hubel as hb
    hb.lab.list_experiments()                      # ['activations', 'linear-collapse', ...]
    result = hb.lab.run_experiment("zero-init")    # the quick version, seed 0
    result.numbers                                 # the key numbers, as `hubel lab run` prints
    hb.lab.save_result(result, "runs/lab")         # zero-init.json and zero-init.png

Each experiment is a module with ``run(quick, seed) -> dict``, ``key_numbers(data)`` and
``render(data, path)``; ``hubel lab list`` and ``hubel lab run NAME`` call the same functions.
"""

from . import (
    activations,
    batchnorm,
    depthwise,
    exploding_gradients,
    filters,
    init_scale,
    linear_collapse,
    optimizers,
    overfitting,
    residual,
    vanishing_gradients,
    zero_init,
)
from .registry import (
    Experiment,
    LabResult,
    get_experiment,
    list_experiments,
    register_experiment,
    run_experiment,
    save_result,
)
