"""``einsum``: sums of products named by index letters ("ij,jk->ik" is a matrix product).

The gradient with respect to one operand is again an einsum: the upstream gradient (with the
output's letters) times every other operand, summed onto that operand's letters.
"""

from __future__ import annotations

from ..autograd import Function
from ..backend import get_array_module, result_type
from ..errors import ShapeError
from ..tensor import Tensor
from .arithmetic import promote


class Einsum(Function):
    """y = einsum(inputs -> output, *operands);
    dL/d operand_k = einsum(output, other inputs -> letters of k) of the gradient and the others,
    broadcast over the letters of k that appear nowhere else (they were summed away)."""

    @staticmethod
    def cost(inputs, output, options) -> tuple[int, int]:
        """(MACs, other ops) for the analyzer: one multiply-add per combination of letters."""
        sizes = {}
        for letters, operand in zip(options["inputs"], inputs):
            sizes.update(zip(letters, operand.shape))
        macs = 1
        for n in sizes.values():
            macs *= n
        return macs, 0

    @staticmethod
    def forward(ctx, *operands, inputs, output):
        ctx.save_for_backward(*operands)
        ctx.inputs, ctx.output = inputs, output
        return get_array_module(*operands).einsum(f"{','.join(inputs)}->{output}", *operands)

    @staticmethod
    def backward(ctx, grad):
        operands = ctx.saved_tensors
        xp = get_array_module(grad)
        grads = []
        for k, (letters, operand) in enumerate(zip(ctx.inputs, operands)):
            if not ctx.needs_input_grad[k]:
                grads.append(None)
                continue
            others = [(s, o) for j, (s, o) in enumerate(zip(ctx.inputs, operands)) if j != k]
            seen = set(ctx.output).union(*(set(s) for s, _ in others))
            reachable = "".join(c for c in letters if c in seen)
            terms = [ctx.output, *(s for s, _ in others)]
            partial = xp.einsum(f"{','.join(terms)}->{reachable}", grad, *(o for _, o in others))
            # letters summed away in the forward get the same gradient at every position
            missing = tuple(i for i, c in enumerate(letters) if c not in seen)
            grads.append(xp.broadcast_to(xp.expand_dims(partial, missing), operand.shape))
        return tuple(grads)


def _parse(equation: str, operands) -> tuple[list[str], str]:
    equation = equation.replace(" ", "")
    if "." in equation:
        raise ValueError(f"einsum: '...' (ellipsis) is not supported, got {equation!r}")
    left, arrow, right = equation.partition("->")
    inputs = left.split(",")
    if len(inputs) != len(operands):
        raise ValueError(
            f"einsum: {equation!r} names {len(inputs)} operands, got {len(operands)} tensors"
        )
    letters = "".join(inputs)
    if not (letters + right).isalpha():
        raise ValueError(f"einsum: subscripts must be letters, got {equation!r}")
    if not arrow:  # implicit output: the letters used once, in alphabetical order
        right = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    sizes: dict[str, int] = {}
    for k, (subscripts, operand) in enumerate(zip(inputs, operands)):
        if len(set(subscripts)) != len(subscripts):
            raise ValueError(
                f"einsum: a letter repeated within one operand ({subscripts!r}: diagonals, "
                f"traces) is not supported; use hb.diag or a sum"
            )
        if len(subscripts) != operand.ndim:
            raise ShapeError(
                f"einsum: operand {k} has {operand.ndim} dimensions, but {subscripts!r} names "
                f"{len(subscripts)}"
            )
        for c, n in zip(subscripts, operand.shape):
            if sizes.setdefault(c, n) != n:
                raise ShapeError(
                    f"einsum: letter {c!r} is {sizes[c]} in one operand and {n} in operand {k}"
                )
    if set(right) - set(letters) or len(set(right)) != len(right):
        raise ValueError(f"einsum: output {right!r} must use input letters, each once")
    return inputs, right


def einsum(equation: str, *operands) -> Tensor:
    """Sum of products over the letters of ``equation``, as ``torch.einsum``: "ij,jk->ik"
    (matmul), "bij,bjk->bik" (batched), "i,i->" (dot), "ij->ji" (transpose), "ij->j" (column
    sums), "i,j->ij" (outer). Operands may also be given as one list."""
    if len(operands) == 1 and isinstance(operands[0], list | tuple):
        operands = tuple(operands[0])
    if not operands or not all(isinstance(t, Tensor) for t in operands):
        raise TypeError("einsum: expected one or more Tensors after the equation")
    inputs, output = _parse(equation, operands)
    dtype = result_type(*(t.data for t in operands))
    operands = [promote(t, dtype, t) for t in operands]
    return Einsum.apply(*operands, inputs=tuple(inputs), output=output)
