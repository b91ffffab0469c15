"""Seeing inside: the autograd graph drawn, and rich displays for notebooks.

    import hubel as hb
    x = hb.tensor([1.0, 2.0], requires_grad=True)
    y = (x.sigmoid() * x).sum()
    y.backward()
    hb.viz.draw_graph(y, show_grads=True, params={"x": x})   # inline SVG in Jupyter
    hb.viz.draw_model(hb.models.resnet18(), (3, 224, 224), depth=1).save("resnet18.svg")

Importing this package needs only NumPy; matplotlib is loaded when a PNG is asked for.
"""

from .draw import Graph, draw_graph, draw_model
from .graph import GraphNode
from .trace import GraphTrace, ModuleCall, trace
