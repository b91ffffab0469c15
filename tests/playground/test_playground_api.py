"""The playground's HTTP API on a real server: valid and refused requests, step and reset,
seeds that reproduce, bounded sessions, and the page served with nothing from elsewhere."""

import re

import pytest
from conftest import LiveServer

from hubel.playground import Playground
from hubel.playground.app import STATIC

SESSION = "tab-0000aaaa"


def test_page_and_assets_are_served_with_a_strict_policy(live_server):
    status, headers, body = live_server.get("/")
    assert status == 200 and b"<title>hubel playground</title>" in body
    policy = headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    for asset in ("/static/playground.css", "/static/js/main.js", "/static/js/mlp.js"):
        status, headers, _ = live_server.get(asset)
        assert status == 200 and headers["x-content-type-options"] == "nosniff"
    assert live_server.get("/api/fields")[1]["content-security-policy"] == policy


def test_the_page_fetches_nothing_from_the_internet():
    """Every script, style sheet and the page itself name no other host."""
    for path in STATIC.rglob("*"):
        if path.suffix in (".html", ".css", ".js"):
            text = path.read_text()
            assert not re.search(
                r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}",
                text.replace("http://www.w3.org/2000/svg", ""),
            ), path


def test_fields_describe_every_setting(live_server):
    status, fields = live_server.call("/api/fields")
    assert status == 200
    names = [field["name"] for field in fields["mlp"]]
    assert names[:4] == ["dataset", "noise", "points", "train_ratio"]
    lr = next(field for field in fields["mlp"] if field["name"] == "lr")
    assert (lr["low"], lr["high"], lr["default"]) == (1e-5, 10.0, 0.03)
    assert [field["name"] for field in fields["cnn_view"]] == ["image", "fold"]
    assert fields["limits"]["max_steps_per_request"] == 100


@pytest.mark.parametrize("mode", ["mlp", "cnn"])
def test_reset_then_step_counts_steps_and_reset_starts_again(live_server, mode):
    status, state = live_server.call(f"/api/{mode}/reset", {"session": SESSION, "settings": {}})
    assert status == 200 and state["mode"] == mode and state["step"] == 0
    status, state = live_server.call(f"/api/{mode}/step", {"session": SESSION, "steps": 3})
    assert status == 200 and state["step"] == 3 and state["steps_done"] == 3
    status, state = live_server.call(f"/api/{mode}/step", {"session": SESSION})
    assert state["step"] == 4
    status, state = live_server.call(f"/api/{mode}/reset", {"session": SESSION, "settings": {}})
    assert state["step"] == 0 and state["curves"]["train"] == []


def test_same_settings_and_seed_reproduce_the_run_in_another_tab(live_server):
    settings = {"dataset": "spiral", "layers": [6, 6], "dropout": 0.2, "seed": 9}
    states = []
    for tab in ("tab-one-0001", "tab-two-0002"):
        live_server.call("/api/mlp/reset", {"session": tab, "settings": settings})
        states.append(live_server.call("/api/mlp/step", {"session": tab, "steps": 7})[1])
    assert states[0]["weights"] == states[1]["weights"]
    assert states[0]["curves"] == states[1]["curves"]
    assert states[0]["points"] == states[1]["points"]


@pytest.mark.parametrize(
    "path, body, status, message",
    [
        (
            "/api/mlp/reset",
            {"session": SESSION, "settings": {"lr": 50}},
            400,
            "lr: expected a number in [1e-05, 10], got 50",
        ),
        (
            "/api/mlp/reset",
            {"session": SESSION, "settings": {"layers": [9]}},
            400,
            "layers: expected at most 6 integers",
        ),
        (
            "/api/cnn/reset",
            {
                "session": SESSION,
                "settings": {"conv1_kernel": 7, "conv1_stride": 4, "conv1_padding": 0},
            },
            400,
            "pool2(kernel_size=2, stride=2, padding=0): input width 1",
        ),
        (
            "/api/mlp/reset",
            {"session": "x", "settings": {}},
            400,
            "session: expected an id of 8-64 letters",
        ),
        (
            "/api/mlp/reset",
            {"session": SESSION, "settings": {}, "extra": 1},
            400,
            "unknown field 'extra'",
        ),
        (
            "/api/mlp/reset",
            {"session": SESSION, "view": {"image": 1}},
            400,
            "view: only the cnn mode",
        ),
        (
            "/api/mlp/step",
            {"session": "never-reset-1", "steps": 1},
            404,
            "session: no mlp run 'never-reset-1'",
        ),
        (
            "/api/mlp/step",
            {"session": SESSION, "steps": 1000},
            400,
            "steps: expected an integer in [1, 100], got 1000",
        ),
        ("/api/rnn/reset", {"session": SESSION}, 404, "mode: expected mlp or cnn, got 'rnn'"),
        (
            "/api/cnn/inspect",
            {"session": SESSION, "layer": "conv1", "channel": 0, "row": 99, "col": 0},
            400,
            "row: expected an integer in [0, 15]",
        ),
    ],
)
def test_refused_requests_answer_one_clear_line(live_server, path, body, status, message):
    live_server.call("/api/mlp/reset", {"session": SESSION, "settings": {}})
    live_server.call("/api/cnn/reset", {"session": SESSION, "settings": {}})
    got_status, answer = live_server.call(path, body)
    assert got_status == status
    assert answer["error"].startswith(message)
    assert "Traceback" not in answer["error"] and "\n" not in answer["error"]


def test_bodies_that_are_not_json_objects_or_too_large_are_refused(live_server):
    assert live_server.call("/api/mlp/reset", raw=b"{not json")[1]["error"].startswith(
        "request: expected a JSON object, got text that is not JSON"
    )
    assert live_server.call("/api/mlp/reset", raw=b"[1, 2]")[1]["error"] == (
        "request: expected a JSON object, got list"
    )
    status, answer = live_server.call("/api/mlp/reset", raw=b" " * 70_000)
    assert status == 400 and answer["error"].startswith("request: expected at most 65536 bytes")


def test_other_host_names_are_refused(live_server):
    """DNS rebinding: a page served as evil.example that resolves to 127.0.0.1 gets nothing."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        live_server.url + "/api/fields", headers={"Host": "evil.example"}
    )
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=10)
    assert error.value.code == 400


def test_cnn_view_and_inspect(live_server):
    live_server.call("/api/cnn/reset", {"session": SESSION, "settings": {"batchnorm": True}})
    status, state = live_server.call(
        "/api/cnn/view", {"session": SESSION, "view": {"image": 12, "fold": True}}
    )
    assert status == 200 and state["view"] == {"image": 12, "fold": True}
    assert state["fold"]["layers_before"] == 10 and state["fold"]["layers_after"] == 8
    body = {"session": SESSION, "layer": "conv1", "channel": 1, "row": 4, "col": 5}
    status, worked = live_server.call("/api/cnn/inspect", body)
    assert status == 200 and worked["kind"] == "conv"
    assert worked["value"] == pytest.approx(worked["map_value"], rel=1e-4, abs=1e-5)


def test_least_recently_used_sessions_are_dropped_past_the_limit():
    server = LiveServer(max_sessions=2)
    try:
        for tab in ("tab-first-01", "tab-second-2", "tab-third-03"):
            assert server.call("/api/mlp/reset", {"session": tab, "settings": {}})[0] == 200
        assert server.call("/api/mlp/step", {"session": "tab-first-01"})[0] == 404
        assert server.call("/api/mlp/step", {"session": "tab-third-03"})[0] == 200
        assert len(server.app.state.playground.sessions) == 2
    finally:
        server.stop()


def test_an_unexpected_failure_is_one_line_not_a_traceback(monkeypatch, caplog):
    def broken(self, mode, body):
        raise RuntimeError("a bug")

    monkeypatch.setattr(Playground, "reset", broken)
    server = LiveServer()
    try:
        status, answer = server.call("/api/mlp/reset", {"session": SESSION, "settings": {}})
        assert status == 500
        assert answer == {"error": "internal error (RuntimeError); see the server's log"}
        assert "a bug" in caplog.text  # the details go to the server's log
    finally:
        server.stop()


def test_the_budget_bounds_a_step_request():
    playground = Playground(budget_s=0.0)
    playground.reset("mlp", {"session": SESSION, "settings": {}})
    assert playground.step("mlp", {"session": SESSION, "steps": 100})["steps_done"] == 1


def test_max_sessions_must_be_positive():
    with pytest.raises(ValueError, match="max_sessions: expected at least 1, got 0"):
        Playground(max_sessions=0)
