"""The playground's web app (Starlette): the page, its static files, and a JSON API.

    GET  /                     the page (hubel/playground/static/index.html)
    GET  /api/fields           every setting's kind, default and bounds, for the page's controls
    POST /api/{mode}/reset     {session, settings[, view]} → a new run for that tab; its state
    POST /api/{mode}/step      {session, steps} → up to ``steps`` more steps; the state
    POST /api/cnn/view         {session, view} → the shown image or the folding changed
    POST /api/cnn/inspect      {session, layer, channel, row, col} → that unit worked out

``mode`` is ``mlp`` or ``cnn``; ``session`` is an id the page makes once per tab. A refused
request answers ``{"error": message}`` with status 400 (404 for a session the server no longer
holds), an unexpected failure status 500 with one line; never a traceback. Training runs one
request at a time (the engine's random generator is global, and two cores are shared), each
within a wall-time budget; at most ``max_sessions`` runs are kept, the least recently used
dropped first.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections import OrderedDict
from pathlib import Path

from .arithmetic import explain_unit
from .cnn import FIELDS as CNN_FIELDS
from .cnn import CNNSession, parse_cnn_settings, view_fields
from .config import PlaygroundError
from .mlp import FIELDS as MLP_FIELDS
from .mlp import MLPSession, parse_mlp_settings
from .session import MAX_STEPS, MAX_STEPS_PER_REQUEST, REQUEST_BUDGET_S

STATIC = Path(__file__).parent / "static"
MAX_BODY_BYTES = 64 * 1024
SESSION_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
MODES = {"mlp": (parse_mlp_settings, MLPSession), "cnn": (parse_cnn_settings, CNNSession)}
# The page loads nothing from elsewhere, and nothing else may frame it or feed it scripts.
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}
log = logging.getLogger("hubel.playground")


class UnknownSession(PlaygroundError):
    """A step for a run the server does not hold (never reset, or dropped as least recently
    used): the page resets it from its URL."""


class SessionStore:
    """At most ``max_sessions`` runs, keyed by (mode, tab id), least recently used dropped."""

    def __init__(self, max_sessions: int = 16) -> None:
        if max_sessions < 1:
            raise ValueError(f"max_sessions: expected at least 1, got {max_sessions}")
        self.max_sessions = max_sessions
        self._runs: OrderedDict[tuple[str, str], object] = OrderedDict()

    def put(self, mode: str, session_id: str, run) -> None:
        """Keep ``run`` as the tab's run of ``mode`` (replacing its old one), dropping the least
        recently used runs past ``max_sessions``."""
        self._runs[mode, session_id] = run
        self._runs.move_to_end((mode, session_id))
        while len(self._runs) > self.max_sessions:
            self._runs.popitem(last=False)

    def get(self, mode: str, session_id: str):
        """The tab's run of ``mode``, now the most recently used; :class:`UnknownSession` if
        there is none."""
        key = (mode, session_id)
        if key not in self._runs:
            raise UnknownSession(
                f"session: no {mode} run {session_id!r} on the server (it was never reset, or "
                "it was dropped for newer tabs); reset to start it"
            )
        self._runs.move_to_end(key)
        return self._runs[key]

    def __len__(self) -> int:
        return len(self._runs)


class SecurityHeaders:
    """ASGI middleware: every response (page, scripts, JSON) carries ``SECURITY_HEADERS``."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        from starlette.datastructures import MutableHeaders

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers if scope["type"] == "http" else send)


def _session_id(body: dict) -> str:
    value = body.get("session")
    if not isinstance(value, str) or not SESSION_ID.fullmatch(value):
        raise PlaygroundError(
            f"session: expected an id of 8-64 letters, digits, '-' or '_', got {value!r}"
        )
    return value


def _only(body: dict, allowed: set[str]) -> None:
    extra = sorted(set(body) - allowed)
    if extra:
        raise PlaygroundError(f"unknown field {extra[0]!r}; expected {', '.join(sorted(allowed))}")


class Playground:
    """The API's logic without the web framework: each method takes the request's JSON body
    and returns the JSON answer or raises :class:`PlaygroundError`. Calls are serialised."""

    def __init__(self, max_sessions: int = 16, budget_s: float = REQUEST_BUDGET_S) -> None:
        self.sessions = SessionStore(max_sessions)
        self.budget_s = budget_s
        self.lock = threading.Lock()

    def fields(self) -> dict:
        """Every setting of both modes and the CNN's view, with bounds; the step limits."""
        return {
            "mlp": [field.describe() for field in MLP_FIELDS],
            "cnn": [field.describe() for field in CNN_FIELDS],
            "cnn_view": [field.describe() for field in view_fields()],
            "limits": {"max_steps": MAX_STEPS, "max_steps_per_request": MAX_STEPS_PER_REQUEST},
        }

    def reset(self, mode: str, body: dict) -> dict:
        """``{session, settings[, view]}``: a new run of ``mode`` for the tab; its state."""
        _only(body, {"session", "settings", "view"})
        session_id = _session_id(body)
        if "view" in body and mode != "cnn":
            raise PlaygroundError("view: only the cnn mode has view settings")
        parse, session_class = MODES[mode]
        settings = parse(body.get("settings", {}))
        with self.lock:
            run = session_class(settings)
            if "view" in body:
                run.set_view(body["view"])
            self.sessions.put(mode, session_id, run)
            return run.state()

    def step(self, mode: str, body: dict) -> dict:
        """``{session, steps}``: train the tab's run on; its state and ``steps_done``."""
        _only(body, {"session", "steps"})
        session_id = _session_id(body)
        with self.lock:
            run = self.sessions.get(mode, session_id)
            done = run.advance(body.get("steps", 1), self.budget_s)
            return {**run.state(), "steps_done": done}

    def view(self, body: dict) -> dict:
        """``{session, view}``: show another test image, or the folded network; the state."""
        _only(body, {"session", "view"})
        session_id = _session_id(body)
        with self.lock:
            run = self.sessions.get("cnn", session_id)
            run.set_view(body.get("view", {}))
            return run.state()

    def inspect(self, body: dict) -> dict:
        """``{session, layer, channel, row, col}``: that unit of the shown network worked out
        (:func:`~hubel.playground.arithmetic.explain_unit`)."""
        _only(body, {"session", "layer", "channel", "row", "col"})
        session_id = _session_id(body)
        with self.lock:
            run = self.sessions.get("cnn", session_id)
            model, _ = run.shown_model()
            outputs = run.activations(model)
            return explain_unit(
                outputs, body.get("layer"), body.get("channel"), body.get("row"), body.get("col")
            )


def create_app(max_sessions: int = 16, budget_s: float = REQUEST_BUDGET_S, allowed_hosts=None):
    """The Starlette application. ``allowed_hosts`` (default: the loopback names) guards
    against DNS rebinding: a page elsewhere cannot reach this server under another name."""
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware
    from starlette.responses import FileResponse, JSONResponse
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    playground = Playground(max_sessions, budget_s)

    def answer(payload: dict, status: int = 200) -> JSONResponse:
        return JSONResponse(payload, status_code=status)

    async def body_of(request) -> dict:
        if int(request.headers.get("content-length") or 0) > MAX_BODY_BYTES:
            raise PlaygroundError(f"request: expected at most {MAX_BODY_BYTES} bytes of JSON")
        raw = await request.body()
        if len(raw) > MAX_BODY_BYTES:
            raise PlaygroundError(f"request: expected at most {MAX_BODY_BYTES} bytes of JSON")
        try:
            body = json.loads(raw or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise PlaygroundError(
                "request: expected a JSON object, got text that is not JSON"
            ) from None
        if not isinstance(body, dict):
            raise PlaygroundError(f"request: expected a JSON object, got {type(body).__name__}")
        return body

    def endpoint(call):
        """A route calling ``call(mode, body)`` in a worker thread; errors become JSON."""

        async def handle(request):
            try:
                body = await body_of(request) if request.method == "POST" else {}
                mode = request.path_params.get("mode")
                if mode is not None and mode not in MODES:
                    return answer({"error": f"mode: expected mlp or cnn, got {mode!r}"}, 404)
                return answer(await run_in_threadpool(call, mode, body))
            except UnknownSession as error:
                return answer({"error": str(error)}, 404)
            except PlaygroundError as error:
                return answer({"error": str(error)}, 400)
            except Exception as error:  # a bug: one line for the page, the details in the log
                log.exception("playground request %s failed", request.url.path)
                return answer(
                    {"error": f"internal error ({type(error).__name__}); see the server's log"}, 500
                )

        return handle

    async def index(request):
        return FileResponse(STATIC / "index.html")

    routes = [
        Route("/", index),
        Route("/api/fields", endpoint(lambda mode, body: playground.fields())),
        Route(
            "/api/cnn/view", endpoint(lambda mode, body: playground.view(body)), methods=["POST"]
        ),
        Route(
            "/api/cnn/inspect",
            endpoint(lambda mode, body: playground.inspect(body)),
            methods=["POST"],
        ),
        Route("/api/{mode}/reset", endpoint(playground.reset), methods=["POST"]),
        Route("/api/{mode}/step", endpoint(playground.step), methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    hosts = allowed_hosts or ["127.0.0.1", "localhost", "[::1]", "::1"]
    middleware = [
        Middleware(TrustedHostMiddleware, allowed_hosts=hosts),
        Middleware(SecurityHeaders),
    ]
    app = Starlette(routes=routes, middleware=middleware)
    app.state.playground = playground
    return app
