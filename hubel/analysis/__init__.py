"""Analysis: the course's formulas with worked steps, and calculators for layers and stacks.

Pure Python (no NumPy): every function validates its arguments and answers with the value
and the steps a student would write, e.g. ``params = (7·7·3 + 1)·64 = 9,472``.
:func:`summary` (``hb.summary``) applies them to a whole model, layer by layer.
"""

from hubel.analysis.answer import Answer
from hubel.analysis.fold import FoldResult, fold_batchnorm
from hubel.analysis.formulas import (
    BatchNormCounts,
    ReceptiveField,
    batchnorm_params,
    check_groups,
    conv_macs,
    conv_params,
    linear_macs,
    linear_params,
    receptive_field,
)
from hubel.analysis.layers import (
    LayerCost,
    batchnorm_cost,
    conv2d_cost,
    flatten_cost,
    linear_cost,
    pool2d_cost,
)
from hubel.analysis.output_size import check_output_size, conv_output_size, pool_output_size
from hubel.analysis.separable import SeparableCost, depthwise_separable_cost
from hubel.analysis.shapes import format_shape, parse_shape, parse_size
from hubel.analysis.stack import LayerSpec, StackResult, calc_stack, parse_stack
from hubel.analysis.summary import MAC_CONVENTION, Summary, SummaryRow, summary
from hubel.analysis.summary_rules import Count, LayerCall, register_layer_rule

__all__ = [
    "MAC_CONVENTION",
    "Answer",
    "BatchNormCounts",
    "Count",
    "LayerCall",
    "LayerCost",
    "LayerSpec",
    "ReceptiveField",
    "SeparableCost",
    "StackResult",
    "Summary",
    "SummaryRow",
    "batchnorm_cost",
    "batchnorm_params",
    "calc_stack",
    "check_groups",
    "check_output_size",
    "conv2d_cost",
    "conv_macs",
    "conv_output_size",
    "conv_params",
    "depthwise_separable_cost",
    "flatten_cost",
    "format_shape",
    "linear_cost",
    "linear_macs",
    "linear_params",
    "parse_shape",
    "parse_size",
    "parse_stack",
    "pool2d_cost",
    "pool_output_size",
    "receptive_field",
    "register_layer_rule",
    "summary",
]
