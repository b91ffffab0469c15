// What both modes share: the API, the message banner, form fields <-> settings <-> URL.

export const SERVER_GONE = "the playground server does not answer: is `hubel playground` still running?";

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

// One id per tab (a fresh one on reload: the URL, not the server, keeps the state).
export function newSessionId() {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function post(path, body) {
  let response;
  try {
    response = await fetch(path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  } catch (error) {
    throw new ApiError(SERVER_GONE, 0);
  }
  const payload = await response.json().catch(() => ({ error: `server answered ${response.status}` }));
  if (!response.ok) throw new ApiError(payload.error ?? `server answered ${response.status}`, response.status);
  return payload;
}

export async function getFields() {
  const response = await fetch("/api/fields");
  return response.json();
}

const banner = () => document.getElementById("message");

export function showMessage(text, kind = "error") {
  const element = banner();
  element.textContent = text;
  element.classList.toggle("warn", kind === "warn");
  element.hidden = false;
}

export function clearMessage() {
  banner().hidden = true;
  banner().textContent = "";
}

// Give each control of `form` the bounds and choices the server accepts (/api/fields).
export function applyBounds(form, fields) {
  for (const field of fields) {
    const control = form.elements.namedItem(field.name);
    if (!control || !control.tagName) continue;
    if (control.tagName === "INPUT" && control.type !== "checkbox") {
      if (field.low !== null) control.min = field.low;
      if (field.high !== null) control.max = field.high;
      if (field.kind === "int") control.step = control.type === "range" ? control.step || 1 : 1;
      control.title = field.help || field.name;
    }
  }
}

// Read a control as the value the server expects.
export function readControl(control, kind) {
  if (control.type === "checkbox") return control.checked;
  if (kind === "choice") return control.value;
  if (control.value.trim() === "") return control.value;
  const number = Number(control.value);
  return Number.isFinite(number) ? number : control.value;
}

export function writeControl(control, value) {
  if (control.type === "checkbox") {
    control.checked = value === true || value === "true" || value === "1" || value === 1;
    return;
  }
  const text = String(value);
  if (control.tagName === "SELECT" && ![...control.options].some((o) => o.value === text)) {
    control.add(new Option(text, text)); // a value from a shared link that is not a preset
  }
  control.value = text;
}

// The query string of a state: only what differs from the defaults, so links stay short.
export function queryOf(mode, values, fields, extra = {}) {
  const query = new URLSearchParams({ mode });
  for (const field of fields) {
    const value = values[field.name];
    const text = Array.isArray(value) ? value.join(",") : String(value);
    const base = Array.isArray(field.default) ? field.default.join(",") : String(field.default);
    if (value !== undefined && text !== base) query.set(field.name, text);
  }
  for (const [key, value] of Object.entries(extra)) if (value) query.set(key, String(value));
  return query;
}

export function setUrl(query) {
  const next = `${location.pathname}?${query.toString()}`;
  if (next !== `${location.pathname}${location.search}`) history.replaceState(null, "", next);
}

export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "text") element.textContent = value;
    else if (key === "className") element.className = value;
    else element.setAttribute(key, value);
  }
  element.append(...children);
  return element;
}
