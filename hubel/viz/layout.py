"""A layered (Sugiyama-style) drawing of a DAG in pure Python: no ``dot`` binary needed.

The Python ``graphviz`` package only writes DOT text and calls graphviz's ``dot`` program to lay
it out, which a fresh machine does not have and pip cannot install. A computation graph is a
DAG whose edges all point one way, which the classic layered method draws well in four steps:

1. **layers**: each node sits one layer above the highest of the nodes that use it (the
   longest path to the root), so the root is at the bottom and a parameter sits just above
   the op that uses it;
2. **virtual nodes**: an edge that skips layers (a ResNet shortcut) gets one invisible point
   per layer it crosses, so it is routed around the boxes;
3. **order**: sweeps up and down the layers, each node moved to the mean position of its
   neighbours (the barycenter heuristic), keeping the order with the fewest edge crossings;
4. **coordinates**: each node pulled to the mean x of its neighbours, then the fewest moves
   that keep boxes apart (an isotonic regression, solved exactly by pool-adjacent-violators).
"""

from __future__ import annotations

from dataclasses import dataclass

H_GAP = 22.0  # between boxes side by side
V_GAP = 40.0  # between layers
DUMMY_WIDTH = 6.0  # a virtual node: room for one edge to pass
MARGIN = 12.0
SWEEPS = 12
PULLS = 24


@dataclass(frozen=True)
class Layout:
    """Where everything goes: each node's box ``(left, top, width, height)`` and, per edge (in
    the order given), the points its curve passes through, from the source's bottom edge to
    the target's top edge."""

    width: float
    height: float
    boxes: dict[str, tuple[float, float, float, float]]
    routes: list[list[tuple[float, float]]]


def _ranks(keys: list[str], successors: dict[str, list[str]]) -> dict[str, int]:
    """Longest path from each node to a sink (0 for the root), iteratively."""
    rank: dict[str, int] = {}
    for start in keys:
        stack = [(start, False)]
        while stack:
            node, expanded = stack.pop()
            if node in rank:
                continue
            pending = [s for s in successors[node] if s not in rank]
            if expanded or not pending:
                rank[node] = 1 + max((rank[s] for s in successors[node]), default=-1)
            else:
                stack.append((node, True))
                stack.extend((s, False) for s in pending)
    return rank


def _crossings(upper: list[str], lower: list[str], down: dict[str, list[str]]) -> int:
    where = {node: i for i, node in enumerate(lower)}
    ends = [(i, where[t]) for i, node in enumerate(upper) for t in down[node]]
    return sum(1 for a, b in ends for c, d in ends if a < c and b > d)


def _order(layers: list[list[str]], up: dict, down: dict) -> list[list[str]]:
    """Barycenter sweeps; the layering with the fewest crossings seen."""

    def total(layering):
        return sum(_crossings(layering[i], layering[i + 1], down) for i in range(len(layering) - 1))

    best, best_count = [list(layer) for layer in layers], total(layers)
    for sweep in range(SWEEPS):
        downward = sweep % 2 == 0
        indices = range(1, len(layers)) if downward else range(len(layers) - 2, -1, -1)
        for i in indices:
            neighbour_layer = layers[i - 1] if downward else layers[i + 1]
            position = {node: p for p, node in enumerate(neighbour_layer)}
            links = up if downward else down
            own = {node: p for p, node in enumerate(layers[i])}

            def barycenter(node, position=position, links=links, own=own):
                linked = [position[n] for n in links[node] if n in position]
                return sum(linked) / len(linked) if linked else own[node]

            layers[i] = sorted(layers[i], key=barycenter)
        count = total(layers)
        if count < best_count:
            best, best_count = [list(layer) for layer in layers], count
    return best


def _isotonic(targets: list[float]) -> list[float]:
    """The nondecreasing sequence closest to ``targets`` in squared distance (PAVA)."""
    blocks: list[list[float]] = []  # [sum, count]
    for target in targets:
        blocks.append([target, 1])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            total, count = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += count
    return [total / count for total, count in blocks for _ in range(int(count))]


def _place(layer: list[str], wanted: dict[str, float], widths: dict[str, float]) -> dict:
    """Centres as close to ``wanted`` as possible with every box at least H_GAP apart: with
    ``offset[i]`` the least distance from the first centre, ``x - offset`` must not decrease."""
    offsets = [0.0]
    for left, right in zip(layer, layer[1:]):
        offsets.append(offsets[-1] + (widths[left] + widths[right]) / 2 + H_GAP)
    fitted = _isotonic([wanted[node] - off for node, off in zip(layer, offsets)])
    return {node: value + off for node, value, off in zip(layer, fitted, offsets)}


def layered_layout(sizes: dict[str, tuple[float, float]], edges: list[tuple[str, str]]) -> Layout:
    """Lay out the DAG with node ``sizes`` (key -> (width, height)) and ``edges`` pointing down
    the page (from a node to the node that uses it)."""
    keys = list(sizes)
    successors: dict[str, list[str]] = {key: [] for key in keys}
    for source, target in edges:
        successors[source].append(target)
    rank = _ranks(keys, successors)
    top = max(rank.values(), default=0)
    level = {key: top - rank[key] for key in keys}

    widths = {key: size[0] for key, size in sizes.items()}
    up: dict[str, list[str]] = {key: [] for key in keys}
    down: dict[str, list[str]] = {key: [] for key in keys}
    chains = []  # per edge: its nodes, virtual ones included
    for index, (source, target) in enumerate(edges):
        chain = [source]
        for step in range(level[source] + 1, level[target]):
            dummy = f"~{index}.{step}"
            widths[dummy], level[dummy] = DUMMY_WIDTH, step
            up[dummy], down[dummy] = [], []
            chain.append(dummy)
        chain.append(target)
        for a, b in zip(chain, chain[1:]):
            down[a].append(b)
            up[b].append(a)
        chains.append(chain)

    layers: list[list[str]] = [[] for _ in range(top + 1)]
    for node in [*keys, *(n for chain in chains for n in chain[1:-1])]:
        layers[level[node]].append(node)
    layers = _order(layers, up, down)

    x: dict[str, float] = {}
    for layer in layers:
        x.update(_place(layer, {node: 0.0 for node in layer}, widths))
    for _ in range(PULLS):
        for layer in layers:
            wanted = {}
            for node in layer:
                linked = [x[n] for n in up[node] + down[node]]
                wanted[node] = sum(linked) / len(linked) if linked else x[node]
            x.update(_place(layer, wanted, widths))
    left = min(x[node] - widths[node] / 2 for node in x)

    heights = [max((sizes[n][1] for n in layer if n in sizes), default=0.0) for layer in layers]
    tops = [MARGIN]
    for height in heights:
        tops.append(tops[-1] + height + V_GAP)
    centre_y = {node: tops[level[node]] + heights[level[node]] / 2 for node in level}
    centre_x = {node: value - left + MARGIN for node, value in x.items()}

    boxes = {
        key: (centre_x[key] - w / 2, centre_y[key] - h / 2, w, h) for key, (w, h) in sizes.items()
    }
    routes = _routes(chains, boxes, centre_x, centre_y)
    width = max((b[0] + b[2] for b in boxes.values()), default=0.0) + MARGIN
    return Layout(width, tops[-1] - V_GAP + MARGIN, boxes, routes)


def _routes(chains, boxes, centre_x, centre_y) -> list[list[tuple[float, float]]]:
    """Each edge's points; the edges leaving (entering) a box are spread along its bottom (top),
    ordered by where they go (come from), so they do not all meet in one point."""
    leaving: dict[str, list[int]] = {}
    entering: dict[str, list[int]] = {}
    for index, chain in enumerate(chains):
        leaving.setdefault(chain[0], []).append(index)
        entering.setdefault(chain[-1], []).append(index)
    ports: dict[tuple[int, str], float] = {}
    for side, table, neighbour in (("out", leaving, 1), ("in", entering, -2)):
        for node, indices in table.items():
            indices.sort(key=lambda i: centre_x[chains[i][neighbour]])
            left, _, width, _ = boxes[node]
            for k, index in enumerate(indices):  # over the middle 60% of the side
                share = (k + 1) / (len(indices) + 1) - 0.5
                ports[(index, side)] = left + width * (0.5 + 0.6 * share)
    routes = []
    for index, chain in enumerate(chains):
        source, target = boxes[chain[0]], boxes[chain[-1]]
        points = [(ports[(index, "out")], source[1] + source[3])]
        points += [(centre_x[d], centre_y[d]) for d in chain[1:-1]]
        points.append((ports[(index, "in")], target[1]))
        routes.append(points)
    return routes
