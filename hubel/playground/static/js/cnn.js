// CNN mode: every layer's feature maps for one test image, a unit's arithmetic worked out,
// the layers' sizes, parameters and MACs with the course's formulas, the first layer's
// filters as they train, and batch norm folded away.

import { applyBounds, el, newSessionId, post, queryOf, readControl, writeControl } from "./common.js";
import { formatNumber, lineChart, paintMap, rangeColour, signedColour } from "./draw.js";

const VIEW = ["image", "fold"];

function shapeText(shape) {
  return shape.join("×");
}

function gridTable(rows, caption, top = null, left = null, height = null, width = null) {
  const table = el("table", { className: "grid" });
  rows.forEach((row, i) => {
    const tr = el("tr");
    row.forEach((value, j) => {
      const td = el("td", { text: formatNumber(value) });
      if (top !== null) {
        const r = top + i;
        const c = left + j;
        if (r < 0 || c < 0 || r >= height || c >= width) td.className = "pad";
      }
      tr.append(td);
    });
    table.append(tr);
  });
  return el("figure", {}, el("figcaption", { text: caption }), table);
}

export class CnnMode {
  constructor() {
    this.name = "cnn";
    this.form = document.getElementById("cnn-controls");
    this.session = newSessionId();
    this.state = null;
    this.selected = null; // {layer, channel, row, col}
    this.slideButton = document.getElementById("cnn-slide");
    this.slideButton.addEventListener("click", () => (this.sliding ? this.stopSlide() : this.slide()));
    document.getElementById("cnn-prev").addEventListener("click", () => this.moveImage(-1));
    document.getElementById("cnn-next").addEventListener("click", () => this.moveImage(1));
  }

  init(fields, viewFields, query, page) {
    this.page = page;
    this.fields = fields;
    this.viewFields = viewFields;
    applyBounds(this.form, [...fields, ...viewFields]);
    for (const field of [...fields, ...viewFields]) {
      writeControl(this.form.elements.namedItem(field.name), query.get(field.name) ?? field.default);
    }
    for (const name of VIEW) {
      this.form.elements.namedItem(name).addEventListener("change", () => this.page.run(() => this.changeView()));
    }
    // unit=conv1,2,3,4: the inspected unit of a shared link (layer, channel, row, column)
    const [layer, ...numbers] = (query.get("unit") ?? "").split(",");
    if (layer && numbers.length === 3 && numbers.every((n) => /^\d+$/.test(n))) {
      const [channel, row, col] = numbers.map(Number);
      this.linkedUnit = { layer, channel, row, col };
    }
  }

  isView(control) {
    return VIEW.includes(control.name);
  }

  read(fields) {
    return Object.fromEntries(fields.map((f) => [f.name, readControl(this.form.elements.namedItem(f.name), f.kind)]));
  }

  settings() {
    return this.read(this.fields);
  }

  view() {
    return this.read(this.viewFields);
  }

  query() {
    const unit = this.selected && [this.selected.layer, this.selected.channel, this.selected.row, this.selected.col].join(",");
    return queryOf("cnn", { ...this.settings(), ...this.view() }, [...this.fields, ...this.viewFields], { step: this.state?.step, unit });
  }

  moveImage(delta) {
    const input = this.form.elements.namedItem("image");
    const next = Number(input.value) + delta;
    if (next < Number(input.min) || next > Number(input.max)) return;
    input.value = next;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  async changeView() {
    this.state = await post("/api/cnn/view", { session: this.session, view: this.view() });
    await this.render(this.state);
    this.page.shown(this.state);
  }

  async reset() {
    this.selected = this.linkedUnit ?? null; // a new architecture: the old unit may not exist
    this.linkedUnit = null;
    this.state = await post("/api/cnn/reset", { session: this.session, settings: this.settings(), view: this.view() });
    await this.render(this.state);
    return this.state;
  }

  async step(steps) {
    this.state = await post("/api/cnn/step", { session: this.session, steps });
    await this.render(this.state);
    return this.state;
  }

  async render(state) {
    this.drawImage(state);
    this.drawMaps(state);
    this.drawCosts(state);
    this.drawFilters(state);
    lineChart(document.getElementById("cnn-loss-chart"), [
      { name: "training batch", colour: "#334155", x: state.curves.step, y: state.curves.train },
    ]);
    document.getElementById("cnn-accuracy").textContent =
      `test accuracy ${(100 * state.metrics.test_accuracy).toFixed(1)}%`;
    if (this.selected && state.layers.some((l) => l.name === this.selected.layer)) {
      await this.inspect(this.selected);
    } else {
      this.selected = null;
      this.stopSlide();
      this.slideButton.disabled = true;
      document.getElementById("cnn-unit").replaceChildren(el("p", { className: "hint", text: "Choose a unit in a feature map." }));
    }
  }

  drawImage(state) {
    paintMap(document.getElementById("cnn-thumb"), state.layers[0].maps[0], rangeColour);
    const { label, prediction, probabilities } = state.image;
    const verdict = document.getElementById("cnn-verdict");
    verdict.replaceChildren("label ", el("b", { text: String(label) }), " · predicted ",
      el("b", { text: String(prediction) }), ` (${(100 * probabilities[prediction]).toFixed(0)}%)`);
  }

  sizeFormula(state, name) {
    const row = state.summary.rows.find((r) => r.name === name);
    return row?.steps.find((s) => s.startsWith("H_out")) ?? "";
  }

  drawMaps(state) {
    const container = document.getElementById("cnn-maps");
    container.replaceChildren();
    this.mapCanvases = {};
    const folded = new Set(state.summary.rows.filter((r) => r.note.startsWith("folded")).map((r) => r.name));
    for (const layer of state.layers) {
      if (layer.name === "flatten") continue;
      const label = el("div", { className: "label" }, el("b", { text: layer.name }),
        el("span", { text: `${layer.type} · ${shapeText(layer.shape)}` }));
      const formula = this.sizeFormula(state, layer.name);
      if (formula) label.append(el("span", { className: "size-formula", id: `cnn-size-${layer.name}`, text: formula }));
      const row = el("div", { className: folded.has(layer.name) ? "map-row folded" : "map-row", "data-layer": layer.name }, label);
      if (layer.maps.length) {
        const channels = el("div", { className: "channels" });
        const bound = Math.max(1e-12, ...layer.maps.map((m) => Math.max(Math.abs(m.lo), Math.abs(m.hi))));
        const colour = layer.name === "input" ? rangeColour : signedColour(bound);
        this.mapCanvases[layer.name] = layer.maps.map((map, channel) => {
          const canvas = el("canvas", {
            tabindex: layer.name === "input" ? -1 : 0,
            "aria-label": `${layer.name} channel ${channel + 1}, ${map.rows}×${map.cols}`,
            "data-channel": channel,
          });
          paintMap(canvas, map, colour);
          const holder = el("span", { className: "map" }, canvas);
          holder.style.position = "relative";
          holder.style.display = "inline-block";
          if (layer.name !== "input") this.wireCanvas(canvas, layer.name, channel, map);
          channels.append(holder);
          return canvas;
        });
        row.append(channels);
      } else {
        const bars = el("div", { className: "probabilities", role: "img", "aria-label": "class probabilities" });
        const probabilities = state.image.probabilities;
        const best = probabilities.indexOf(Math.max(...probabilities));
        probabilities.forEach((p, digit) => {
          const bar = el("div", { className: digit === best ? "best" : "", title: `${digit}: ${(100 * p).toFixed(1)}%` }, el("span", { text: String(digit) }));
          bar.style.height = `${Math.max(1, 100 * p)}%`;
          bars.append(bar);
        });
        row.append(el("div", {}, bars));
      }
      container.append(row);
    }
  }

  wireCanvas(canvas, layer, channel, map) {
    const pick = (row, col) => {
      this.selected = { layer, channel, row, col };
      this.page.run(() => this.inspect(this.selected));
    };
    canvas.addEventListener("click", (event) => {
      const box = canvas.getBoundingClientRect();
      pick(Math.min(map.rows - 1, Math.floor(((event.clientY - box.top) / box.height) * map.rows)),
        Math.min(map.cols - 1, Math.floor(((event.clientX - box.left) / box.width) * map.cols)));
    });
    canvas.addEventListener("keydown", (event) => {
      const here = this.selected?.layer === layer && this.selected.channel === channel ? this.selected : null;
      let row = here?.row ?? Math.floor(map.rows / 2);
      let col = here?.col ?? Math.floor(map.cols / 2);
      const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
      if (event.key in moves) {
        row = Math.max(0, Math.min(map.rows - 1, row + moves[event.key][0]));
        col = Math.max(0, Math.min(map.cols - 1, col + moves[event.key][1]));
      } else if (event.key !== "Enter" && event.key !== " ") {
        return;
      }
      event.preventDefault();
      pick(row, col);
    });
  }

  markWindow(unit, worked) {
    document.querySelectorAll(".maps .window-box").forEach((box) => box.remove());
    document.querySelectorAll(".maps canvas.selected, .maps canvas.source").forEach((c) => c.classList.remove("selected", "source"));
    const own = this.mapCanvases[unit.layer]?.[unit.channel];
    if (!own) return;
    own.classList.add("selected");
    const box = (canvas, top, left, height, width, colour) => {
      const frame = el("div", { className: "window-box" });
      Object.assign(frame.style, {
        position: "absolute", pointerEvents: "none", border: `2px solid ${colour}`, borderRadius: "2px",
        top: `${(100 * top) / canvas.height}%`, left: `${(100 * left) / canvas.width}%`,
        height: `${(100 * height) / canvas.height}%`, width: `${(100 * width) / canvas.width}%`,
      });
      canvas.parentElement.append(frame);
    };
    box(own, unit.row, unit.col, 1, 1, "#e8850c");
    const sources = this.mapCanvases[worked.input_layer] ?? [];
    const reads = worked.kind === "conv" ? sources.map((_, i) => i) : [unit.channel];
    for (const channel of reads) {
      const canvas = sources[channel];
      if (!canvas) continue;
      canvas.classList.add("source");
      const [height, width] = worked.window_size ?? [1, 1];
      box(canvas, worked.window_top ?? unit.row, worked.window_left ?? unit.col, height, width, "#1470b8");
    }
  }

  // CNN Explainer's animation: the selected unit walks the map row by row, its window across
  // the input, each position's arithmetic worked out in turn.
  slide() {
    if (!this.selected) return;
    this.sliding = true;
    this.slideButton.setAttribute("aria-pressed", "true");
    this.slideButton.textContent = "Stop";
    const tick = async () => {
      if (!this.sliding || !this.selected) return this.stopSlide();
      const map = this.state.layers.find((l) => l.name === this.selected.layer);
      const [, rows, cols] = map.shape;
      let { row, col } = this.selected;
      col += 1;
      if (col >= cols) { col = 0; row = (row + 1) % rows; }
      this.selected = { ...this.selected, row, col };
      await this.inspect(this.selected);
      this.slideTimer = setTimeout(() => this.page.run(tick), 350);
    };
    this.page.run(tick);
  }

  stopSlide() {
    this.sliding = false;
    clearTimeout(this.slideTimer);
    this.slideButton.setAttribute("aria-pressed", "false");
    this.slideButton.textContent = "Slide the window";
  }

  async inspect(unit) {
    const worked = await post("/api/cnn/inspect", { session: this.session, ...unit });
    this.page.shown(this.state);
    this.markWindow(unit, worked);
    this.slideButton.disabled = false;
    document.getElementById("cnn-unit-title").textContent =
      `Unit ${worked.layer}[${worked.channel}, ${worked.row}, ${worked.col}]`;
    const panel = document.getElementById("cnn-unit");
    const parts = [el("div", { className: "formula", text: worked.formula })];
    if (worked.kind === "conv") {
      const input = this.state.layers.find((l) => l.name === worked.input_layer);
      const [, height, width] = input.shape;
      const grids = el("div", { className: "grids" });
      const shown = Math.min(worked.window.length, 2);
      for (let c = 0; c < shown; c++) {
        const suffix = worked.window.length > 1 ? ` (input channel ${c})` : "";
        grids.append(
          gridTable(worked.window[c], `window x${suffix}`, worked.window_top, worked.window_left, height, width),
          gridTable(worked.kernel[c], `kernel w${suffix}`),
          gridTable(worked.products[c], `w · x, sum ${formatNumber(worked.channel_sums[c])}`),
        );
      }
      parts.push(grids);
      if (worked.window.length > shown) {
        parts.push(el("p", { className: "hint", text: `…and ${worked.window.length - shown} more input channels; each channel's sum is in the last line.` }));
      }
    } else if (worked.window) {
      parts.push(el("div", { className: "grids" }, gridTable(worked.window[0], "window")));
    }
    parts.push(el("div", { className: "formula", id: "cnn-unit-steps", text: worked.steps.join("\n") }));
    const agrees = Math.abs(worked.value - worked.map_value) <= 1e-3 * Math.max(1, Math.abs(worked.map_value));
    parts.push(el("p", {
      className: "check",
      id: "cnn-unit-check",
      "data-value": worked.value,
      "data-map-value": worked.map_value,
      text: agrees ? `= ${formatNumber(worked.map_value)}, the value in the feature map ✓`
        : `the feature map holds ${formatNumber(worked.map_value)}`,
    }));
    panel.replaceChildren(...parts);
  }

  drawCosts(state) {
    const body = el("tbody");
    for (const row of state.summary.rows) {
      const folded = row.note.startsWith("folded");
      const output = row.output.slice(1);
      body.append(el("tr", { className: folded ? "folded" : "", "data-layer": row.name },
        el("td", { text: row.name }),
        el("td", { text: folded ? `${row.type} (${row.note})` : row.type }),
        el("td", { className: "num", text: shapeText(output) }),
        el("td", { className: "num", text: row.params.toLocaleString("en-US") }),
        el("td", { className: "num", text: row.macs.toLocaleString("en-US") })));
      const steps = row.steps.filter((s) => !s.startsWith("other ops"));
      if (steps.length) body.append(el("tr", { className: "steps" }, el("td", { colspan: 5, text: steps.join("\n") })));
    }
    const head = el("thead", {}, el("tr", {}, ...["layer", "type", "output C×H×W", "params", "MACs"].map((t) => el("th", { text: t }))));
    const foot = el("tfoot", {}, el("tr", {}, el("td", { colspan: 3, text: "total" }),
      el("td", { className: "num", id: "cnn-total-params", text: state.summary.total_params.toLocaleString("en-US") }),
      el("td", { className: "num", text: state.summary.total_macs.toLocaleString("en-US") })));
    document.getElementById("cnn-costs").replaceChildren(el("table", {}, head, body, foot));
    const report = document.getElementById("cnn-fold-report");
    report.hidden = !state.fold;
    if (state.fold) {
      const f = state.fold;
      report.replaceChildren(f.folded
        ? `Folded ${f.folded} batch norm${f.folded > 1 ? "s" : ""} into the conv before: ${f.layers_before} → ${f.layers_after} layers; the largest change of any test image's logit is ${formatNumber(f.max_abs_difference)} (rounding).`
        : "No batch norm to fold: switch batch norm on.");
      report.dataset.layersBefore = f.layers_before;
      report.dataset.layersAfter = f.layers_after;
      report.dataset.maxDifference = f.max_abs_difference;
    }
  }

  drawFilters(state) {
    const colour = signedColour(state.filter_range);
    document.getElementById("cnn-filters").replaceChildren(...state.filters.map((map, i) => {
      const canvas = el("canvas", { title: `filter ${i}: weights in [${formatNumber(map.lo)}, ${formatNumber(map.hi)}]` });
      paintMap(canvas, map, colour);
      return canvas;
    }));
  }
}
