// The stroke pad's js_on_load (digitpad/app/stroke_pad.py): runs once per mounted pad, with `element` (its root),
// `trigger`, `props` and `watch` in scope. All state lives in this closure, so several pads on a page are independent.

const W = Number(props.width),
  H = Number(props.height),
  BRUSH = Number(props.brush);
const MAX_POINTS = Number(props.max_points),
  MAX_STROKES = Number(props.max_strokes);
const SEND_MS = Number(props.send_interval_ms),
  MIN_DIST = Number(props.min_point_distance);

let strokes = []; // finished strokes: arrays of [x, y] points
let current = null; // the stroke being drawn, or null
let pointerId = null; // the pointer drawing it
let points = 0; // points in strokes and current together
let timer = null; // pending throttled send
let lastSent = 0;
let version = 0; // numbers the values sent

const canvas = () => element.querySelector("canvas");
const round = (v) => Math.round(v * 10) / 10;
const clamp = (v, hi) => Math.min(Math.max(v, 0), hi);

// The canvas keeps W x H coordinates; its backing store follows devicePixelRatio for crisp ink.
function context() {
  const c = canvas();
  if (!c) return null;
  const dpr = window.devicePixelRatio || 1;
  const bw = Math.round(W * dpr),
    bh = Math.round(H * dpr);
  const ctx = c.getContext("2d");
  if (c.width !== bw || c.height !== bh) {
    c.width = bw;
    c.height = bh;
    ctx.setTransform(bw / W, 0, 0, bh / H, 0, 0);
    paint(ctx);
  }
  return ctx;
}

function ink(ctx) {
  ctx.strokeStyle = "#000";
  ctx.fillStyle = "#000";
  ctx.lineWidth = BRUSH;
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
}

function dot(ctx, p) {
  ctx.beginPath();
  ctx.arc(p[0], p[1], BRUSH / 2, 0, 2 * Math.PI);
  ctx.fill();
}

function paint(ctx) {
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, W, H);
  ink(ctx);
  for (const s of current ? strokes.concat([current]) : strokes) {
    if (s.length === 1) {
      dot(ctx, s[0]);
      continue;
    }
    ctx.beginPath();
    ctx.moveTo(s[0][0], s[0][1]);
    for (let i = 1; i < s.length; i++) ctx.lineTo(s[i][0], s[i][1]);
    ctx.stroke();
  }
}

function redraw() {
  const ctx = context();
  if (ctx) paint(ctx);
  showState();
}

function showState() {
  element.toggleAttribute("data-drawn", strokes.length > 0 || current !== null);
  element.toggleAttribute("data-capped", points >= MAX_POINTS || strokes.length >= MAX_STROKES);
}

// --- sending: props.value must be a new object each time, then trigger('input') or the live socket ---
function send() {
  clearTimeout(timer);
  timer = null;
  lastSent = performance.now();
  const all = current ? strokes.concat([current]) : strokes;
  props.value = { strokes: all.map((s) => s.slice()), width: W, height: H };
  if (current) props.value.pen_down = true; // a stroke in progress: see `draw.pen_down`
  props.value.version = ++version;
  element.dataset.version = String(version);
  if (!(props.live_url && props.live_model && live.send(props.value))) trigger("input");
}

// --- the live socket: one connection, at most one message in flight, the newest strokes next ---
const live = (() => {
  let socket = null,
    open = false,
    answered = false,
    failures = 0,
    broken = false;
  let inFlight = false,
    pending = null,
    seq = 0;
  function connect() {
    const url = new URL(props.live_url, window.location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(url);
    socket.onopen = () => {
      open = true;
      answered = false;
      flush();
    };
    socket.onmessage = (e) => {
      inFlight = false;
      answered = true;
      failures = 0;
      let answer;
      try {
        answer = JSON.parse(e.data);
      } catch {
        answer = null;
      }
      if (answer && element.isConnected) {
        element.dispatchEvent(new CustomEvent("digitpad-answer", { bubbles: true, detail: { answer } }));
      }
      flush();
    };
    socket.onclose = () => {
      // twice closed before any answer (refused, or a proxy that drops it): Gradio events from now on
      if (!answered && ++failures >= 2) broken = true;
      answered = false;
      const unanswered = inFlight;
      socket = null;
      open = false;
      inFlight = false;
      if (unanswered && pending === null) pending = props.value; // resend what was lost, on a new connection
      if (pending !== null) {
        const value = pending;
        pending = null;
        if (!send_(value)) trigger("input");
      }
    };
  }
  function flush() {
    if (!open || inFlight || pending === null) return;
    socket.send(JSON.stringify({ model: props.live_model, value: pending, seq: ++seq }));
    pending = null;
    inFlight = true;
  }
  // Queue `value` for the socket; false when this page cannot use one (then send a Gradio event).
  function send_(value) {
    if (broken || typeof WebSocket === "undefined") return false;
    pending = value;
    if (socket === null) connect();
    flush();
    return true;
  }
  return { send: send_ };
})();

function sendSoon() {
  if (timer !== null) return;
  timer = setTimeout(send, Math.max(0, lastSent + SEND_MS - performance.now()));
}

// --- drawing with pointer events (mouse, pen and touch alike) ---
function toCanvas(e) {
  const r = canvas().getBoundingClientRect();
  return [round(clamp(((e.clientX - r.left) * W) / r.width, W)), round(clamp(((e.clientY - r.top) * H) / r.height, H))];
}

function addPoint(e) {
  const last = current[current.length - 1];
  const p = toCanvas(e);
  if (Math.hypot(p[0] - last[0], p[1] - last[1]) < MIN_DIST) return false;
  if (points >= MAX_POINTS) {
    showState();
    return false;
  }
  current.push(p);
  points++;
  const ctx = context();
  ink(ctx);
  ctx.beginPath();
  ctx.moveTo(last[0], last[1]);
  ctx.lineTo(p[0], p[1]);
  ctx.stroke();
  return true;
}

function endStroke() {
  if (current === null) return;
  strokes.push(current);
  current = null;
  pointerId = null;
  showState();
  send();
}

element.addEventListener("pointerdown", (e) => {
  if (e.target !== canvas() || current !== null || (e.pointerType === "mouse" && e.button !== 0)) return;
  e.preventDefault();
  if (points >= MAX_POINTS || strokes.length >= MAX_STROKES) {
    showState();
    return;
  }
  try {
    e.target.setPointerCapture(e.pointerId);
  } catch {
    /* capture is a nicety */
  }
  pointerId = e.pointerId;
  current = [toCanvas(e)];
  points++;
  dot(context(), current[0]);
  showState();
  sendSoon();
});

element.addEventListener("pointermove", (e) => {
  if (e.pointerId !== pointerId || current === null) return;
  // a mouse released outside the page without capture never sent pointerup: end the stroke here
  if (e.pointerType === "mouse" && e.buttons === 0) {
    endStroke();
    return;
  }
  e.preventDefault();
  const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [];
  let added = false;
  for (const ev of events.length ? events : [e]) added = addPoint(ev) || added;
  if (added) sendSoon();
});

for (const type of ["pointerup", "pointercancel", "lostpointercapture"]) {
  element.addEventListener(type, (e) => {
    if (e.pointerId === pointerId) endStroke();
  });
}
element.addEventListener("contextmenu", (e) => {
  if (e.target === canvas()) e.preventDefault();
});

// --- Undo and Clear canvas ---
element.addEventListener("click", (e) => {
  const button = e.target.closest("button[data-action]");
  if (!button || !element.contains(button)) return;
  if (current !== null) {
    current = null;
    pointerId = null;
  }
  if (button.dataset.action === "undo") strokes.pop();
  else strokes = [];
  points = strokes.reduce((n, s) => n + s.length, 0);
  redraw();
  send();
});

// --- values set from Python (initial value, a handler's output) ---
function load(value) {
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      value = null;
    }
  }
  const ok = value && typeof value === "object" && Array.isArray(value.strokes);
  element.dataset.version = ok && Number.isInteger(value.version) ? String(value.version) : "";
  const sx = ok && Number(value.width) > 0 ? W / Number(value.width) : 1;
  const sy = ok && Number(value.height) > 0 ? H / Number(value.height) : 1;
  strokes = [];
  points = current ? current.length : 0;
  for (const s of ok ? value.strokes : []) {
    if (!Array.isArray(s) || strokes.length >= MAX_STROKES) continue;
    const kept = [];
    for (const p of s) {
      if (!Array.isArray(p) || points >= MAX_POINTS) continue;
      const x = Number(p[0]) * sx,
        y = Number(p[1]) * sy;
      if (Number.isFinite(x) && Number.isFinite(y)) {
        kept.push([round(clamp(x, W)), round(clamp(y, H))]);
        points++;
      }
    }
    if (kept.length) strokes.push(kept);
  }
  redraw();
}

watch("value", () => load(props.value));
// Zooming changes devicePixelRatio: re-fit the backing store (drawing does it too).
const refit = () => (element.isConnected ? context() : window.removeEventListener("resize", refit));
window.addEventListener("resize", refit);
load(props.value);
element.toggleAttribute("data-ready", true); // the pad takes ink from now on: the hint shows
