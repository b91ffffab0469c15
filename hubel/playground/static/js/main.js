// The page: two modes, one transport (reset, play, step), the URL as the whole state.

import { ApiError, SERVER_GONE, clearMessage, getFields, setUrl, showMessage } from "./common.js";
import { MlpMode } from "./mlp.js";
import { CnnMode } from "./cnn.js";

const MAX_PER_REQUEST = 100;

class Page {
  constructor(fields, query) {
    this.fields = fields;
    this.modes = { mlp: new MlpMode(), cnn: new CnnMode() };
    this.started = { mlp: false, cnn: false };
    this.playing = false;
    this.queue = Promise.resolve();
    this.playButton = document.getElementById("play");
    const name = query.get("mode") === "cnn" ? "cnn" : "mlp";
    const speed = document.getElementById("speed");
    if ([...speed.options].some((o) => o.value === query.get("speed"))) speed.value = query.get("speed");
    this.modes.mlp.init(fields.mlp, name === "mlp" ? query : new URLSearchParams(), this);
    this.modes.cnn.init(fields.cnn, fields.cnn_view, name === "cnn" ? query : new URLSearchParams(), this);
    this.wire();
    this.select(name, Number(query.get("step") || 0));
  }

  get mode() {
    return this.modes[this.active];
  }

  // Requests go one after another: a reset never overtakes the step before it.
  run(task) {
    this.queue = this.queue.then(task).catch((error) => this.fail(error));
    return this.queue;
  }

  fail(error) {
    this.pause();
    showMessage(error instanceof ApiError ? error.message : `page error: ${error.message}`);
  }

  // The address bar: the mode's settings, seed, step and view, and the speed unless default.
  query() {
    const query = this.mode.query();
    const speed = document.getElementById("speed").value;
    if (speed !== "5") query.set("speed", speed);
    return query;
  }

  shown(state) {
    document.getElementById("step-count").value = state.step;
    setUrl(this.query());
    if (state.stopped) {
      this.pause();
      showMessage(state.stopped, "warn");
    }
    document.body.dataset.step = state.step; // lets tests and scripts wait for a step count
  }

  // A fresh run from the controls, fast-forwarded to `step` (a shared link's step count).
  async restart(step = 0) {
    const mode = this.mode;
    let state = await mode.reset();
    clearMessage();
    while (state.step < step && !state.stopped) {
      state = await mode.step(Math.min(MAX_PER_REQUEST, step - state.step));
    }
    this.shown(state);
  }

  select(name, step = 0) {
    this.pause();
    this.active = name;
    for (const [other] of Object.entries(this.modes)) {
      const tab = document.getElementById(`tab-${other}`);
      tab.setAttribute("aria-selected", String(other === name));
      tab.tabIndex = other === name ? 0 : -1;
      document.getElementById(`mode-${other}`).hidden = other !== name;
    }
    if (!this.started[name]) {
      this.started[name] = true;
      this.run(() => this.restart(step));
    } else {
      this.run(async () => this.shown(this.mode.state));
    }
  }

  async oneStep(steps) {
    try {
      this.shown(await this.mode.step(steps));
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        // The server dropped this tab's run for newer ones: rebuild it (same seed, same steps).
        await this.restart(this.mode.state?.step ?? 0);
        this.shown(await this.mode.step(steps));
      } else {
        throw error;
      }
    }
  }

  play() {
    if (this.playing) return;
    this.playing = true;
    this.playButton.setAttribute("aria-pressed", "true");
    this.playButton.setAttribute("aria-label", "Pause");
    clearMessage();
    const loop = async () => {
      if (!this.playing) return;
      await this.oneStep(Number(document.getElementById("speed").value));
      requestAnimationFrame(() => this.playing && this.run(loop));
    };
    this.run(loop);
  }

  pause() {
    this.playing = false;
    this.modes.cnn.stopSlide();
    this.playButton.setAttribute("aria-pressed", "false");
    this.playButton.setAttribute("aria-label", "Play");
  }

  wire() {
    this.playButton.addEventListener("click", () => (this.playing ? this.pause() : this.play()));
    document.getElementById("step").addEventListener("click", () => {
      this.pause();
      this.run(() => this.oneStep(1));
    });
    document.getElementById("reset").addEventListener("click", () => {
      this.pause();
      this.run(() => this.restart());
    });
    document.getElementById("share").addEventListener("click", () => this.share());
    document.getElementById("speed").addEventListener("change", () => setUrl(this.query()));
    for (const name of Object.keys(this.modes)) {
      const tab = document.getElementById(`tab-${name}`);
      tab.addEventListener("click", () => this.select(name));
      tab.addEventListener("keydown", (event) => {
        if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
          const other = name === "mlp" ? "cnn" : "mlp";
          this.select(other);
          document.getElementById(`tab-${other}`).focus();
        }
      });
    }
    // A changed setting starts a new run (the old one's settings no longer describe it).
    for (const mode of Object.values(this.modes)) {
      let timer = null;
      mode.form.addEventListener("input", () => mode.syncLabels?.());
      mode.form.addEventListener("change", (event) => {
        if (mode.isView?.(event.target)) return; // handled by the mode without a new run
        clearTimeout(timer);
        timer = setTimeout(() => {
          const wasPlaying = this.playing;
          this.pause();
          this.run(() => this.restart()).then(() => wasPlaying && !this.mode.state?.stopped && this.play());
        }, 150);
      });
      mode.form.addEventListener("submit", (event) => event.preventDefault());
    }
    document.addEventListener("keydown", (event) => {
      const target = event.target;
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (["INPUT", "SELECT", "TEXTAREA", "BUTTON", "CANVAS"].includes(target.tagName)) return;
      if (event.key === " ") { event.preventDefault(); this.playButton.click(); }
      else if (event.key === "n" || event.key === "N") document.getElementById("step").click();
      else if (event.key === "r" || event.key === "R") document.getElementById("reset").click();
    });
  }

  async share() {
    try {
      await navigator.clipboard.writeText(location.href);
      showMessage("Link copied: it reproduces this run, step for step.", "warn");
    } catch {
      showMessage(`Copy this link: ${location.href}`, "warn");
    }
  }
}

getFields()
  .then((fields) => {
    window.playground = new Page(fields, new URLSearchParams(location.search));
  })
  .catch(() => showMessage(SERVER_GONE));
