"""The layout and the three outputs (SVG, PNG, DOT) of a drawn graph, and ``hubel graph``."""

import subprocess
import sys

import pytest

import hubel as hb
from hubel.viz import draw_graph, draw_model
from hubel.viz.layout import _isotonic, _place, layered_layout


def _graph():
    x = hb.tensor([1.0, 2.0], requires_grad=True)
    return draw_graph((x.sigmoid() * x).sum(), params={"x": x})


def test_isotonic_regression_pools_adjacent_violators():
    assert _isotonic([1.0, 3.0, 2.0, 4.0]) == [1.0, 2.5, 2.5, 4.0]
    assert _isotonic([3.0, 1.0, 2.0]) == [2.0, 2.0, 2.0]


def test_place_keeps_boxes_apart_and_as_close_to_wanted_as_possible():
    x = _place(["a", "b"], {"a": 0.0, "b": 0.0}, {"a": 40.0, "b": 60.0})
    assert x["b"] - x["a"] == pytest.approx(50.0 + 22.0)  # half widths + the gap
    assert x["a"] + x["b"] == pytest.approx(0.0)  # split evenly around the wanted point


def _overlap(a, b) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def test_layout_puts_every_edge_downward_and_no_boxes_overlap():
    graph = draw_model(hb.models.get_model("resnet18"), (3, 32, 32), depth=3)
    layout = graph.layout
    boxes = list(layout.boxes.values())
    assert not any(_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    for (source, target), route in zip(graph.edges, layout.routes):
        s, t = layout.boxes[source], layout.boxes[target]
        assert s[1] + s[3] < t[1]  # data flows down the page
        assert route[0][1] == s[1] + s[3] and route[-1][1] == t[1]
        assert s[0] <= route[0][0] <= s[0] + s[2] and t[0] <= route[-1][0] <= t[0] + t[2]
    assert all(0 <= b[0] and b[0] + b[2] <= layout.width for b in boxes)


def test_a_long_edge_is_routed_through_one_point_per_layer_it_crosses():
    layout = layered_layout(
        {"a": (10, 10), "b": (10, 10), "c": (10, 10)}, [("a", "b"), ("b", "c"), ("a", "c")]
    )
    assert [len(route) for route in layout.routes] == [2, 2, 3]


def test_save_writes_svg_png_and_dot(tmp_path):
    graph = _graph()
    assert graph.save(tmp_path / "g.svg").read_text() == graph.svg
    assert graph.save(tmp_path / "g.dot").read_text() == graph.source
    png = graph.save(tmp_path / "g.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width = int.from_bytes(png[16:20], "big")
    assert width == pytest.approx(2 * graph.layout.width, abs=2)  # scale 2 by default
    assert graph._repr_svg_() == graph.svg
    assert repr(graph) == "Graph(4 nodes, 4 edges)"


def test_save_refuses_an_unknown_format(tmp_path):
    with pytest.raises(ValueError, match=r"\.svg, \.png, \.dot or \.gv, got '.*g\.pdf'"):
        _graph().save(tmp_path / "g.pdf")
    assert not (tmp_path / "g.pdf").exists()


def test_labels_are_escaped_in_svg_and_dot():
    x = hb.tensor([1.0], requires_grad=True)
    graph = draw_graph((x * x).sum(), params={'a<b>"c': x})
    assert "a&lt;b&gt;&quot;c" in graph.svg
    assert 'a<b>\\"c' in graph.source


def test_import_hubel_gives_hb_viz_and_loads_no_matplotlib():
    code = "import sys, hubel; print(hasattr(hubel, 'viz'), 'matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False"]


def test_png_without_matplotlib_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # as if never installed
    with pytest.raises(ImportError, match=r"pip install 'hubel\[plot\]' \(SVG and DOT need"):
        _graph().save(tmp_path / "g.png")
    assert not (tmp_path / "g.png").exists()
    assert _graph().save(tmp_path / "g.svg").exists()
