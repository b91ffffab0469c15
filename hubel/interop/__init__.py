"""Bridges to other frameworks. Each module imports its framework lazily, inside its functions,
so ``import hubel`` never needs them: ``from hubel.interop.torch import load_torch_state_dict``.
"""
