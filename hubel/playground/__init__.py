"""The playground: the course's phenomena live in a browser, trained by hubel on the server.

``hubel playground`` serves a local web page with two modes. MLP mode is TensorFlow
Playground's small network on 2-D points with the course's choices (initialisation, optimizer,
L1/L2, dropout, batch norm) and per-layer gradient norms as they train; CNN mode is CNN
Explainer's feature maps and worked arithmetic for a small CNN on the bundled digits, with the
course's formulas, training, and batch-norm folding. The page's JavaScript and CSS ship in
``static/``; nothing is fetched from the internet.

Starlette and uvicorn (the ``playground`` extra) are imported only when the app is made.
"""

from .app import Playground, create_app
from .config import PlaygroundError
from .server import serve

__all__ = ["Playground", "PlaygroundError", "create_app", "serve"]
