"""End to end in headless Chromium (Debian's package, driven by Playwright; no browser is
downloaded): the page trains, its charts move, the vanishing gradient and the output-size
formula show, bad input is explained, a link reproduces a run. Screenshots go to
out/playground/.

Skipped, with the reason in the summary, where Chromium or Playwright is missing
(``.ci/install-browser`` installs Chromium); the API tests run everywhere.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("HUBEL_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
if not os.path.exists(CHROMIUM):
    pytest.skip(
        f"BROWSER TESTS SKIPPED: no Chromium at {CHROMIUM} (apt-get install chromium, which "
        ".ci/install-browser does; or set HUBEL_CHROMIUM)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="BROWSER TESTS SKIPPED: Playwright for Python is not installed"
)

from conftest import LiveServer  # noqa: E402

from hubel.playground import Playground  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parents[2] / "out" / "playground"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser, live_server):
    """``open_page(query, width, height)``: a fresh tab on the playground, loaded and reset;
    fails the test on any script error in the page."""
    pages, errors = [], []

    def console(message) -> None:
        # a refused request logs its status (the page shows the message); anything else is a bug,
        # a blocked script or style (the content security policy) included
        if (
            message.type == "error"
            and "the server responded with a status of 4" not in message.text
        ):
            errors.append(message.text)

    def open_(query: str = "", width: int = 1280, height: int = 720):
        page = browser.new_page(viewport={"width": width, "height": height})
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", console)
        page.goto(f"{live_server.url}/{query}")
        page.wait_for_function("() => document.body.dataset.step !== undefined")
        pages.append(page)
        return page

    yield open_
    for page in pages:
        page.close()
    assert errors == []


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


def wait_for_step(page, at_least: int) -> None:
    page.wait_for_function(
        f"() => Number(document.body.dataset.step) >= {at_least}", timeout=60_000
    )


def pause_and_settle(page) -> None:
    """Pause, then wait until the last request in flight has been drawn."""
    page.click("#play")
    page.wait_for_function(
        "() => document.querySelector('#play').getAttribute('aria-pressed') === 'false'"
    )
    page.evaluate("() => window.playground.queue")


def test_deep_sigmoid_net_trains_and_its_first_layer_gradient_vanishes(open_page):
    page = open_page()
    page.select_option("#speed", "20")
    page.select_option("#mlp-activation", "sigmoid")
    for _ in range(4):
        page.click("#mlp-add-layer")
    page.wait_for_function("() => location.search.includes('layers=4%2C4%2C4%2C4%2C4%2C4')")
    page.wait_for_function("() => document.querySelectorAll('[data-grad-layer]').length === 7")
    page.click("#play")
    wait_for_step(page, 20)
    early = page.get_attribute("#mlp-loss-chart path[data-name=train]", "d")
    wait_for_step(page, 60)
    pause_and_settle(page)

    loss_points = page.eval_on_selector_all(
        "#mlp-loss-chart path.series", "paths => paths.map(p => Number(p.dataset.points))"
    )
    assert len(loss_points) == 2 and min(loss_points) >= 60  # train and test, every step
    assert page.get_attribute("#mlp-loss-chart path[data-name=train]", "d") != early
    grad_points = page.eval_on_selector_all(
        "#mlp-grad-chart path.series", "paths => paths.map(p => Number(p.dataset.points))"
    )
    assert len(grad_points) == 7 and min(grad_points) >= 60  # one line per layer
    norms = page.eval_on_selector_all(
        "[data-grad-layer]", "badges => badges.map(b => Number(b.dataset.value))"
    )
    assert norms[0] < norms[-1] / 100  # orders of magnitude: the vanishing gradient
    assert "activation=sigmoid" in page.url and re.search(r"step=\d{2,}", page.url)
    screenshot(page, "mlp-sigmoid-depth6.png")


def test_cnn_stride_sets_the_output_size_by_the_formula(open_page):
    page = open_page("?mode=cnn")
    page.wait_for_selector("#cnn-size-conv1")
    page.fill("#cnn-conv1-stride", "2")
    page.press("#cnn-conv1-stride", "Tab")
    page.wait_for_function(
        "() => document.querySelector('#cnn-size-conv1').textContent.includes('/ 2)')"
    )
    text = page.text_content("#cnn-size-conv1")
    numbers = re.match(
        r"H_out = W_out = floor\(\((\d+) - (\d+) \+ 2·(\d+)\) / (\d+)\) \+ 1 = (\d+)", text
    )
    assert numbers, text
    size, kernel, padding, stride, shown = map(int, numbers.groups())
    assert (size, kernel, padding, stride) == (16, 3, 1, 2)
    assert shown == (size - kernel + 2 * padding) // stride + 1 == 8
    label = page.text_content("#cnn-maps [data-layer=conv1] .label")
    assert "8×8×8" in label

    page.click("#play")
    wait_for_step(page, 4)
    pause_and_settle(page)
    page.click("#cnn-maps [data-layer=conv1] canvas[data-channel='2']", position={"x": 22, "y": 12})
    page.wait_for_selector("#cnn-unit-check")
    value = float(page.get_attribute("#cnn-unit-check", "data-value"))
    map_value = float(page.get_attribute("#cnn-unit-check", "data-map-value"))
    assert value == pytest.approx(map_value, rel=1e-4, abs=1e-5)
    assert "the value in the feature map ✓" in page.text_content("#cnn-unit-check")
    screenshot(page, "cnn-stride2-unit.png")

    page.check("#cnn-fold")
    page.wait_for_selector("#cnn-fold-report:not([hidden])")
    report = page.locator("#cnn-fold-report")
    assert report.get_attribute("data-layers-before") == "10"
    assert report.get_attribute("data-layers-after") == "8"
    assert float(report.get_attribute("data-max-difference")) < 1e-4
    page.wait_for_function("() => location.search.includes('fold=true')")


def test_bad_input_shows_the_servers_message_not_a_traceback(open_page):
    page = open_page()
    page.fill("#mlp-controls input[name=batch_size]", "5000")
    page.press("#mlp-controls input[name=batch_size]", "Tab")
    page.wait_for_selector("#message:not([hidden])")
    message = page.text_content("#message")
    assert message == "batch_size: expected an integer in [1, 1000], got 5000"


def test_a_shared_link_reproduces_the_run(open_page):
    query = "?mode=mlp&dataset=xor&layers=5,3&activation=relu&optimizer=adam&lr=0.01&seed=4&step=25"
    page = open_page(query + "&test=1&speed=20")
    wait_for_step(page, 25)
    assert (
        page.input_value("#mlp-dataset") == "xor" and page.input_value("#mlp-optimizer") == "adam"
    )
    assert page.is_checked("#mlp-show-test") and page.input_value("#speed") == "20"
    assert "test=1" in page.url and "speed=20" in page.url
    shown = page.text_content("#mlp-train-loss")
    settings = {
        "dataset": "xor",
        "layers": "5,3",
        "activation": "relu",
        "optimizer": "adam",
        "lr": "0.01",
        "seed": "4",
    }
    playground = Playground()
    playground.reset("mlp", {"session": "reference-run", "settings": settings})
    state = playground.step("mlp", {"session": "reference-run", "steps": 25})
    assert shown == f"{state['metrics']['train_loss']:.3f}"
    again = open_page(query)
    wait_for_step(again, 25)
    assert again.text_content("#mlp-train-loss") == shown


def test_keyboard_steps_plays_and_pauses(open_page):
    page = open_page()
    page.locator("body").press("n")
    wait_for_step(page, 1)
    page.locator("body").press(" ")
    assert page.get_attribute("#play", "aria-pressed") == "true"
    wait_for_step(page, 6)
    page.locator("body").press(" ")
    assert page.get_attribute("#play", "aria-pressed") == "false"
    page.focus("#tab-mlp")
    page.keyboard.press("ArrowRight")
    page.wait_for_selector("#mode-cnn:not([hidden])")
    assert page.get_attribute("#tab-cnn", "aria-selected") == "true"


@pytest.mark.parametrize("mode", ["mlp", "cnn"])
def test_phone_width_needs_no_sideways_scrolling(open_page, mode):
    page = open_page(f"?mode={mode}", width=390, height=844)
    page.wait_for_function("() => Number(document.body.dataset.step) >= 0")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390
    screenshot(page, f"{mode}-phone.png")


def test_a_cnn_link_restores_the_image_the_folding_and_the_unit(open_page):
    page = open_page("?mode=cnn&conv1_stride=2&image=7&fold=true&step=3&unit=conv1,1,2,3")
    wait_for_step(page, 3)
    page.wait_for_selector("#cnn-unit-check")
    assert page.text_content("#cnn-unit-title") == "Unit conv1[1, 2, 3]"
    assert page.input_value("#cnn-image") == "7" and page.is_checked("#cnn-fold")
    assert page.locator("#cnn-fold-report").get_attribute("data-layers-after") == "8"
    page.click("#cnn-maps [data-layer=relu1] canvas[data-channel='0']", position={"x": 2, "y": 2})
    page.wait_for_function("() => location.search.includes('unit=relu1%2C0%2C0%2C0')")


def test_a_run_the_server_dropped_is_rebuilt_from_the_page(browser):
    """Past the session limit the server forgets the least recently used run; the tab rebuilds
    it (same settings, seed and step count) and goes on as if nothing happened."""
    server = LiveServer(max_sessions=1)
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    try:
        page.goto(f"{server.url}/?mode=mlp&dropout=0.2&seed=3&step=4")
        wait_for_step(page, 4)
        other_tab = {"session": "another-tab-01", "settings": {}}
        assert server.call("/api/mlp/reset", other_tab)[0] == 200  # evicts the page's run
        page.click("#step")
        wait_for_step(page, 5)
        shown = page.text_content("#mlp-train-loss")
    finally:
        page.close()
        server.stop()
    playground = Playground()
    playground.reset("mlp", {"session": "reference-run", "settings": {"dropout": 0.2, "seed": 3}})
    state = playground.step("mlp", {"session": "reference-run", "steps": 5})
    assert shown == f"{state['metrics']['train_loss']:.3f}"


def test_sliding_the_window_walks_the_unit_across_the_map(open_page):
    page = open_page("?mode=cnn&unit=pool1,0,0,6")
    page.wait_for_selector("#cnn-unit-check")
    page.click("#cnn-slide")
    page.wait_for_function(
        "() => document.querySelector('#cnn-unit-title').textContent === 'Unit pool1[0, 1, 0]'"
    )
    page.click("#cnn-slide")
    assert page.get_attribute("#cnn-slide", "aria-pressed") == "false"
    assert "y = max(" in page.text_content("#cnn-unit-steps")


def test_zero_init_units_are_shown_identical_and_a_unit_can_be_enlarged(open_page):
    page = open_page("?mode=mlp&init=zero&layers=6,6&activation=sigmoid&lr=0.3&step=5")
    wait_for_step(page, 5)
    labels = page.eval_on_selector_all(".network .col-label", "ls => ls.map(l => l.textContent)")
    assert labels[1:3] == ["layer 1all 6 identical", "layer 2all 6 identical"]
    page.focus(".network canvas.unit >> nth=3")  # layer 1, unit 2 (after the two inputs)
    assert page.text_content("#mlp-output-title") == "Layer 1, unit 2"
    page.focus("#mlp-seed")
    assert page.text_content("#mlp-output-title") == "Output"


def test_a_diverging_run_is_stopped_and_reported_on_the_page(open_page):
    page = open_page("?mode=mlp&init=normal&init_std=10&activation=linear&layers=8,8,8,8,8,8&lr=10")
    page.click("#play")
    page.wait_for_selector("#message.warn:not([hidden])")
    assert page.text_content("#message").startswith("diverged at step ")
    assert "lower the learning rate" in page.text_content("#message")
    assert page.get_attribute("#play", "aria-pressed") == "false"
