// Drawing: heat maps from the server's quantised maps, and small SVG line charts.

const SVG = "http://www.w3.org/2000/svg";
export const NEG = [232, 133, 12];   // orange: class 0, negative
export const POS = [20, 112, 184];   // blue: class 1, positive
const WHITE = [255, 255, 255];

// A map from the server: {lo, hi, rows, cols, data: base64 bytes}; value = lo + b/255 (hi - lo).
export function decodeMap(map) {
  const bytes = Uint8Array.from(atob(map.data), (c) => c.charCodeAt(0));
  const values = new Float32Array(bytes.length);
  const scale = (map.hi - map.lo) / 255;
  for (let i = 0; i < bytes.length; i++) values[i] = map.lo + bytes[i] * scale;
  return values;
}

function mix(a, b, t) {
  return [0, 1, 2].map((i) => Math.round(a[i] + (b[i] - a[i]) * t));
}

// t in [-1, 1]: orange through white to blue.
export function diverging(t) {
  t = Math.max(-1, Math.min(1, t));
  return t >= 0 ? mix(WHITE, POS, t) : mix(WHITE, NEG, -t);
}

// t in [0, 1]: white to dark grey (feature maps: activations, all of one sign after ReLU).
export function sequential(t) {
  t = Math.max(0, Math.min(1, t));
  return mix([255, 255, 255], [24, 38, 54], t);
}

// Paint a map onto a canvas of its own size; `colour(value, lo, hi)` gives [r, g, b].
export function paintMap(canvas, map, colour, alpha = 255) {
  const values = decodeMap(map);
  if (canvas.width !== map.cols) canvas.width = map.cols;
  if (canvas.height !== map.rows) canvas.height = map.rows;
  const context = canvas.getContext("2d");
  const image = context.createImageData(map.cols, map.rows);
  for (let i = 0; i < values.length; i++) {
    const [r, g, b] = colour(values[i], map.lo, map.hi);
    image.data.set([r, g, b, alpha], 4 * i);
  }
  context.putImageData(image, 0, 0);
}

// Symmetric colouring around zero, scaled by the map's largest magnitude (or `bound`).
export function signedColour(bound) {
  return (v, lo, hi) => {
    const m = bound ?? Math.max(Math.abs(lo), Math.abs(hi), 1e-12);
    return diverging(v / m);
  };
}

// Each map over its own range: its lowest value orange, its highest blue (a constant map white).
export function spanColour(v, lo, hi) {
  return diverging(hi > lo ? (2 * (v - lo)) / (hi - lo) - 1 : 0);
}

export function rangeColour(v, lo, hi) {
  return sequential(hi > lo ? (v - lo) / (hi - lo) : 0);
}

function node(tag, attributes = {}, parent = null) {
  const element = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  if (parent) parent.appendChild(element);
  return element;
}
export { node as svgNode };

export function formatNumber(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  const size = Math.abs(value);
  if (size !== 0 && (size < 1e-3 || size >= 1e4)) return value.toExponential(1).replace("e", "e");
  return value.toPrecision(3).replace(/\.?0+$/, "");
}

function niceTicks(lo, hi, count = 4) {
  const span = hi - lo || 1;
  const step = 10 ** Math.floor(Math.log10(span / count));
  const unit = [1, 2, 5, 10].map((m) => m * step).find((s) => span / s <= count) ?? step * 10;
  const ticks = [];
  for (let t = Math.ceil(lo / unit) * unit; t <= hi + 1e-12; t += unit) ticks.push(+t.toPrecision(6));
  return ticks;
}

// A line chart: series [{name, colour, x: [], y: []}], options {log, yLabel}.
// Each series' path carries data-points (how many points it drew), for tests and screen readers.
export function lineChart(svg, series, options = {}) {
  const [, , width, height] = svg.getAttribute("viewBox").split(" ").map(Number);
  const pad = { left: 38, right: 8, top: 16, bottom: 18 }; // the legend sits above the plot
  svg.replaceChildren();
  const xs = series.flatMap((s) => s.x);
  const transform = options.log ? (v) => Math.log10(v) : (v) => v;
  const ys = series.flatMap((s) => s.y.filter((v) => v !== null && (!options.log || v > 0)).map(transform));
  if (!xs.length || !ys.length) {
    node("text", { x: width / 2, y: height / 2, "text-anchor": "middle" }, svg).textContent =
      !xs.length ? "press play or step" : options.log ? "every value is 0: nothing to draw on a log scale" : "no finite value to draw";
    return;
  }
  const xMax = Math.max(...xs, 1);
  const xMin = Math.min(...xs, 0);
  let yMin = Math.min(...ys);
  let yMax = Math.max(...ys);
  if (options.log) { yMin = Math.floor(yMin); yMax = Math.ceil(yMax); }
  if (!options.log && options.zero !== false) yMin = Math.min(0, yMin);
  if (yMax - yMin < 1e-9) yMax = yMin + 1;
  const px = (x) => pad.left + ((x - xMin) / (xMax - xMin || 1)) * (width - pad.left - pad.right);
  const py = (y) => height - pad.bottom - ((y - yMin) / (yMax - yMin)) * (height - pad.top - pad.bottom);
  const ticks = options.log
    ? Array.from({ length: yMax - yMin + 1 }, (_, i) => yMin + i).filter((t, i, all) => all.length <= 6 || i % 2 === 0)
    : niceTicks(yMin, yMax);
  for (const t of ticks) {
    node("line", { class: "gridline", x1: pad.left, x2: width - pad.right, y1: py(t), y2: py(t) }, svg);
    node("text", { x: pad.left - 4, y: py(t) + 3, "text-anchor": "end" }, svg).textContent =
      options.log ? `1e${t}` : formatNumber(t);
  }
  node("line", { class: "axis", x1: pad.left, x2: width - pad.right, y1: height - pad.bottom, y2: height - pad.bottom }, svg);
  node("line", { class: "axis", x1: pad.left, x2: pad.left, y1: pad.top, y2: height - pad.bottom }, svg);
  for (const t of niceTicks(xMin, xMax, 5)) {
    node("text", { x: px(t), y: height - 5, "text-anchor": "middle" }, svg).textContent = t;
  }
  series.forEach((s) => {
    let d = "";
    let drawn = 0;
    s.x.forEach((x, i) => {
      const y = s.y[i];
      if (y === null || (options.log && !(y > 0))) return;
      d += `${drawn ? "L" : "M"}${px(x).toFixed(1)},${py(transform(y)).toFixed(1)}`;
      drawn += 1;
    });
    node("path", { class: "series", d, stroke: s.colour, "data-points": drawn, "data-name": s.name }, svg);
  });
  const legend = node("g", { class: "legend" }, svg);
  let x = width - pad.right - series.reduce((sum, s) => sum + 15 + 5.2 * s.name.length, 0);
  for (const s of series) {
    node("rect", { x, y: 2, width: 8, height: 8, rx: 2, fill: s.colour }, legend);
    const label = node("text", { x: x + 11, y: 9 }, legend);
    label.textContent = s.name;
    x += 15 + 5.2 * s.name.length;
  }
}
