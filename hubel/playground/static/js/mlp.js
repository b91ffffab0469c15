// MLP mode: the network diagram (every unit's output as a heat map, weights as edges),
// the decision boundary with the data, the loss curves and per-layer gradient norms.

import { applyBounds, el, newSessionId, post, queryOf, readControl, writeControl } from "./common.js";
import {
  NEG, POS, diverging, formatNumber, lineChart, paintMap, spanColour, svgNode,
} from "./draw.js";

const LAYER_COLOURS = ["#7c3aed", "#2563eb", "#0891b2", "#059669", "#ca8a04", "#ea580c", "#dc2626"];
const GAP = 10;

export class MlpMode {
  constructor() {
    this.name = "mlp";
    this.form = document.getElementById("mlp-controls");
    this.network = document.getElementById("mlp-network");
    this.boundary = document.getElementById("mlp-boundary");
    this.session = newSessionId();
    this.state = null;
    this.layers = [4, 4];
    document.getElementById("mlp-add-layer").addEventListener("click", () => this.changeDepth(1));
    document.getElementById("mlp-remove-layer").addEventListener("click", () => this.changeDepth(-1));
    document.getElementById("mlp-show-test").addEventListener("change", () => {
      if (!this.state) return;
      this.drawBoundary(this.state);
      this.page.shown(this.state);
    });
    window.addEventListener("resize", () => this.state && this.drawNetwork(this.state));
  }

  init(fields, query, page) {
    this.page = page;
    this.fields = fields;
    applyBounds(this.form, fields);
    for (const field of fields) {
      const value = query.get(field.name) ?? field.default;
      if (field.name === "layers") {
        this.layers = String(Array.isArray(value) ? value.join(",") : value)
          .split(",").filter((v) => v.trim() !== "").map(Number);
        continue;
      }
      const control = this.form.elements.namedItem(field.name);
      if (control) writeControl(control, value);
    }
    document.getElementById("mlp-show-test").checked = query.get("test") === "1";
    this.renderUnitsRow();
    this.syncLabels();
  }

  field(name) {
    return this.fields.find((f) => f.name === name);
  }

  settings() {
    const settings = {};
    for (const field of this.fields) {
      if (field.name === "layers") settings.layers = this.layers.slice();
      else settings[field.name] = readControl(this.form.elements.namedItem(field.name), field.kind);
    }
    return settings;
  }

  changeDepth(delta) {
    const max = this.field("layers").max_length;
    if (delta > 0 && this.layers.length < max) this.layers.push(this.layers.at(-1) ?? 4);
    if (delta < 0 && this.layers.length > 0) this.layers.pop();
    this.renderUnitsRow();
    this.form.dispatchEvent(new Event("change"));
  }

  renderUnitsRow() {
    const row = document.getElementById("mlp-units");
    const max = this.field("layers").high;
    row.replaceChildren(...this.layers.map((units, i) => {
      const input = el("input", { type: "number", min: 1, max, step: 1, value: units, id: `mlp-units-${i}`, "aria-label": `units in hidden layer ${i + 1}` });
      input.addEventListener("change", (event) => {
        event.stopPropagation();
        this.layers[i] = Number(input.value);
        this.form.dispatchEvent(new Event("change"));
      });
      return el("label", {}, `L${i + 1}`, input);
    }));
    document.getElementById("mlp-depth").value = this.layers.length;
  }

  // The little numbers beside sliders, and the fields that only matter for some choices.
  syncLabels() {
    for (const output of this.form.querySelectorAll("output[data-for]")) {
      const control = this.form.elements.namedItem(output.dataset.for);
      output.value = output.dataset.for === "train_ratio"
        ? `${Math.round(control.value * 100)}% / ${Math.round((1 - control.value) * 100)}%`
        : control.value;
    }
    this.form.querySelector(".when-normal").hidden = this.form.elements.namedItem("init").value !== "normal";
    this.form.querySelector(".when-reg").hidden = this.form.elements.namedItem("regularization").value === "none";
  }

  query() {
    const test = document.getElementById("mlp-show-test").checked ? 1 : 0;
    return queryOf("mlp", this.settings(), this.fields, { step: this.state?.step, test });
  }

  async reset() {
    this.syncLabels();
    this.state = await post("/api/mlp/reset", { session: this.session, settings: this.settings() });
    this.render(this.state);
    return this.state;
  }

  async step(steps) {
    this.state = await post("/api/mlp/step", { session: this.session, steps });
    this.render(this.state);
    return this.state;
  }

  render(state) {
    this.drawNetwork(state);
    this.drawBoundary(state);
    const m = state.metrics;
    const put = (id, value, percent) => {
      document.getElementById(id).textContent = value === null || value === undefined
        ? "–" : percent ? `${(100 * value).toFixed(1)}%` : value.toFixed(3);
    };
    put("mlp-train-loss", m.train_loss);
    put("mlp-test-loss", m.test_loss);
    put("mlp-train-acc", m.train_accuracy, true);
    put("mlp-test-acc", m.test_accuracy, true);
    lineChart(document.getElementById("mlp-loss-chart"), [
      { name: "train", colour: "#334155", x: state.curves.step, y: state.curves.train },
      { name: "test", colour: "#c2410c", x: state.curves.step, y: state.curves.test },
    ]);
    const count = state.curves.grad_norms.length;
    lineChart(document.getElementById("mlp-grad-chart"), state.curves.grad_norms.map((y, i) => ({
      name: i === count - 1 ? "W out" : `W${i + 1}`,
      colour: LAYER_COLOURS[Math.round((i * (LAYER_COLOURS.length - 1)) / Math.max(1, count - 1))],
      x: state.curves.step,
      y,
    })), { log: true });
  }

  // Columns of units (inputs x1, x2; the hidden layers; the output), edges for the weights.
  drawNetwork(state) {
    const sizes = [2, ...state.sizes.slice(1, -1), 1];
    const width = Math.max(this.network.clientWidth, 64 * sizes.length);
    const NODE = Math.round(Math.max(28, Math.min(40, (width - 48) / (2 * sizes.length))));
    const tallest = Math.max(...sizes);
    const top = 40;
    const height = top + tallest * (NODE + GAP) + 40;
    this.network.style.height = `${height}px`;
    const columnX = (i) => 24 + (i * (width - 48 - NODE)) / (sizes.length - 1);
    const unitY = (i, j) => top + ((tallest - sizes[i]) * (NODE + GAP)) / 2 + j * (NODE + GAP);
    const key = sizes.join("-");
    if (this.drawnShape !== `${key}@${width}`) {
      this.drawnShape = `${key}@${width}`;
      this.network.replaceChildren();
      this.edges = svgNode("svg", { class: "edges", width, height });
      this.network.appendChild(this.edges);
      this.canvases = sizes.map((size, i) => Array.from({ length: size }, (_, j) => {
        const canvas = el("canvas", { className: i === sizes.length - 1 ? "unit output" : "unit", width: 24, height: 24, tabindex: 0 });
        // Hover or focus a unit: its map, enlarged, takes the output's place with the data on top.
        const enlarge = () => { this.enlarged = [i, j]; this.drawBoundary(this.state); };
        const restore = () => { this.enlarged = null; this.drawBoundary(this.state); };
        canvas.addEventListener("mouseenter", enlarge);
        canvas.addEventListener("focus", enlarge);
        canvas.addEventListener("mouseleave", restore);
        canvas.addEventListener("blur", restore);
        canvas.style.left = `${columnX(i)}px`;
        canvas.style.top = `${unitY(i, j)}px`;
        canvas.style.width = canvas.style.height = `${NODE}px`;
        this.network.appendChild(canvas);
        return canvas;
      }));
      this.labels = sizes.map((size, i) => {
        const label = el("div", { className: "col-label" });
        label.style.left = `${columnX(i) + NODE / 2}px`;
        label.style.top = "2px";
        this.network.appendChild(label);
        return label;
      });
      const caption = el("div", { className: "grad-caption", text: "‖∂L/∂W‖" });
      caption.style.top = `${height - 26}px`;
      this.network.appendChild(caption);
      this.grads = sizes.slice(1).map((_, i) => {
        const badge = el("div", { className: "grad", "data-grad-layer": i });
        badge.style.left = `${(columnX(i) + columnX(i + 1) + NODE) / 2}px`;
        badge.style.top = `${height - 26}px`;
        this.network.appendChild(badge);
        return badge;
      });
    }
    state.units.forEach((layer, i) => layer.forEach((map, j) => {
      const canvas = this.canvases[i][j];
      paintMap(canvas, map, spanColour);
      canvas.title = i === 0 ? `input x${j + 1}` : `layer ${i}, unit ${j + 1}: output in [${formatNumber(map.lo)}, ${formatNumber(map.hi)}]`;
    }));
    const output = this.canvases.at(-1)[0];
    paintMap(output, state.boundary, (v) => diverging(2 * v - 1));
    output.title = "output: probability of the blue class";
    this.labels.forEach((label, i) => {
      if (i === 0) { label.innerHTML = "<b>input</b><br>x₁, x₂"; return; }
      if (i === sizes.length - 1) { label.innerHTML = "<b>output</b><br>p(blue)"; return; }
      const distinct = state.distinct_units[i - 1];
      const same = sizes[i] > 1 && distinct === 1 ? `<br><span class="same">all ${sizes[i]} identical</span>`
        : distinct < sizes[i] ? `<br><span class="same">${distinct} distinct</span>` : `<br>${sizes[i]} units`;
      label.innerHTML = `<b>layer ${i}</b>${same}`;
    });
    this.drawEdges(state, sizes, columnX, unitY, NODE);
    const norms = state.metrics.grad_norms;
    const largest = Math.max(...norms, 0);
    this.grads.forEach((badge, i) => {
      const value = norms[i];
      badge.dataset.value = value ?? "";
      badge.textContent = value === undefined ? "–" : formatNumber(value);
      badge.title = `‖∂L/∂W${i + 1}‖ at the last step`;
      badge.classList.toggle("tiny", value !== undefined && largest > 0 && value < largest * 1e-3);
      badge.classList.toggle("huge", value !== undefined && value > 1e3);
    });
  }

  drawEdges(state, sizes, columnX, unitY, NODE) {
    this.edges.replaceChildren();
    const last = state.weights.length - 1;
    const weights = state.weights.map((w, l) => (l === last
      ? [w[0].map((_, k) => w[1][k] - w[0][k])] // into the output: what separates the classes
      : w));
    const largest = Math.max(1e-9, ...weights.flat(2).map(Math.abs));
    weights.forEach((matrix, l) => matrix.forEach((row, j) => row.forEach((w, k) => {
      const x1 = columnX(l) + NODE;
      const y1 = unitY(l, k) + NODE / 2;
      const x2 = columnX(l + 1);
      const y2 = unitY(l + 1, j) + NODE / 2;
      const mid = (x1 + x2) / 2;
      const line = svgNode("path", {
        d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`,
        fill: "none",
        stroke: `rgb(${(w >= 0 ? POS : NEG).join(",")})`,
        "stroke-width": (0.4 + 5 * Math.abs(w) / largest).toFixed(2),
        "stroke-opacity": (0.25 + 0.6 * Math.abs(w) / largest).toFixed(2),
      }, this.edges);
      svgNode("title", {}, line).textContent = l === last ? `w(blue) − w(orange) = ${formatNumber(w)}` : `w = ${formatNumber(w)}`;
    })));
  }

  drawBoundary(state) {
    const canvas = this.boundary;
    const context = canvas.getContext("2d");
    const small = document.createElement("canvas");
    const [layer, unit] = this.enlarged ?? [];
    const shown = layer !== undefined && layer < state.units.length ? state.units[layer][unit] : null;
    if (shown) {
      paintMap(small, shown, (v, lo, hi) => diverging(0.75 * (hi > lo ? (2 * (v - lo)) / (hi - lo) - 1 : 0)));
    } else {
      paintMap(small, state.boundary, (v) => diverging(0.75 * (2 * v - 1)));
    }
    const title = document.getElementById("mlp-output-title");
    title.textContent = shown ? (layer === 0 ? `Input x${unit + 1}` : `Layer ${layer}, unit ${unit + 1}`) : "Output";
    title.dataset.shown = shown ? `${layer},${unit}` : "output";
    context.imageSmoothingEnabled = true;
    context.drawImage(small, 0, 0, canvas.width, canvas.height);
    const extent = state.extent;
    const toX = (x) => ((x + extent) / (2 * extent)) * canvas.width;
    const toY = (y) => ((extent - y) / (2 * extent)) * canvas.height;
    const dot = ([x, y, label], stroke) => {
      context.beginPath();
      context.arc(toX(x), toY(y), 5, 0, 2 * Math.PI);
      context.fillStyle = `rgb(${(label ? POS : NEG).join(",")})`;
      context.fill();
      context.lineWidth = 1.5;
      context.strokeStyle = stroke;
      context.stroke();
    };
    state.points.train.forEach((p) => dot(p, "#ffffff"));
    if (document.getElementById("mlp-show-test").checked) state.points.test.forEach((p) => dot(p, "#111111"));
  }
}
