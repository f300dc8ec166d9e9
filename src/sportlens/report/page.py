# ruff: noqa: E501  (the page's CSS and JavaScript are not Python: their lines are wrapped as JS, not to 120)
'''The style and script of report.html, written inline into every report (no network, no CDN, no library):
canvas plots sharing one time axis, a cursor that follows the video and seeks it when a plot is clicked.

The script reads the JSON in <script id="report-data"> and exposes `window.sportlensReport` (state, plots,
seek) so a browser test can check the cursor.'''

PAGE_STYLE = r"""
:root { --ink:#111827; --muted:#6b7280; --line:#e5e7eb; --bg:#f5f6f8; --card:#fff; --accent:#2563eb;
        --ok:#15803d; --warn:#b45309; --bad:#b91c1c; --cursor:#e11d48; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color:var(--ink); background:var(--bg); }
header { background:#0f172a; color:#f8fafc; padding:18px 28px 16px; }
header h1 { margin:0 0 4px; font-size:22px; font-weight:650; }
header .sub { color:#cbd5e1; font-size:13px; }
.facts { display:flex; flex-wrap:wrap; gap:8px; margin-top:12px; }
.fact { background:#1e293b; border:1px solid #334155; border-radius:8px; padding:5px 10px; }
.fact b { display:block; font-size:17px; color:#fff; }
.fact span { font-size:12px; color:#94a3b8; }
main { padding:18px 28px 40px; max-width:1700px; margin:0 auto; }
.top { display:grid; grid-template-columns:minmax(320px, 5fr) 7fr; gap:18px; align-items:start; }
@media (max-width: 1000px) { .top { grid-template-columns: 1fr; } }
.card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:14px 16px; margin-bottom:16px; }
.card h2 { font-size:16px; margin:0 0 10px; }
.card h3 { font-size:14px; margin:0 0 6px; font-weight:600; }
.player { position:sticky; top:10px; }
.stage { position:relative; background:#000; border-radius:8px; overflow:hidden; }
.stage video { display:block; width:100%; max-height:70vh; background:#000; }
.stage canvas.overlay { position:absolute; left:0; top:0; pointer-events:none; }
.clock { display:flex; justify-content:space-between; align-items:center; margin-top:8px; font-variant-numeric:tabular-nums; }
.clock .now { font-size:18px; font-weight:600; }
.clock button { font:inherit; border:1px solid var(--line); background:#fff; border-radius:6px; padding:3px 10px; cursor:pointer; }
.hint { color:var(--muted); font-size:12.5px; margin-top:6px; }
.legend { display:flex; flex-wrap:wrap; gap:6px; margin-bottom:6px; }
.chip { display:inline-flex; align-items:center; gap:6px; border:1px solid var(--line); border-radius:999px;
        padding:2px 10px; font-size:12.5px; cursor:pointer; user-select:none; background:#fff; }
.chip i { width:10px; height:10px; border-radius:50%; display:inline-block; }
.chip.off { opacity:.45; } .chip .v { font-variant-numeric:tabular-nums; color:var(--muted); min-width:3.5em; }
.plot canvas.graph { width:100%; height:210px; display:block; cursor:crosshair; }
table { border-collapse:collapse; width:100%; font-size:13.5px; font-variant-numeric:tabular-nums; }
th, td { text-align:left; padding:5px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
th { color:var(--muted); font-weight:600; font-size:12.5px; }
tr.seekable { cursor:pointer; } tr.seekable:hover { background:#eff6ff; } tr.current { background:#fef3c7; }
.pill { display:inline-block; border-radius:999px; padding:1px 9px; font-size:12px; font-weight:600; }
.pill.done { background:#dcfce7; color:var(--ok); } .pill.failed { background:#fee2e2; color:var(--bad); }
.pill.skipped, .pill.no-result { background:#f3f4f6; color:var(--muted); }
ul.warnings { margin:0; padding-left:20px; } ul.warnings li { margin:3px 0; color:var(--warn); }
.grid2 { display:grid; grid-template-columns:1fr 1fr; gap:16px; } @media (max-width: 1000px) { .grid2 { grid-template-columns:1fr; } }
.images { display:grid; grid-template-columns:repeat(auto-fill, minmax(320px, 1fr)); gap:12px; }
.images img { width:100%; border:1px solid var(--line); border-radius:6px; }
pre { background:#f8fafc; border:1px solid var(--line); border-radius:6px; padding:10px; overflow:auto; font-size:12px; max-height:420px; }
a { color:var(--accent); } .muted { color:var(--muted); } .ok { color:var(--ok); } .bad { color:var(--bad); }
"""

PAGE_SCRIPT = r"""
(function () {
"use strict";
const D = JSON.parse(document.getElementById("report-data").textContent);
const COLORS = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#4b5563",
                "#65a30d", "#ea580c", "#0d9488", "#9333ea", "#be123c", "#1d4ed8", "#a16207", "#334155"];
const state = { t: 0 };
const plots = [];
let video = null, overlay = null, rowsToSeek = [];

function el(tag, attrs, ...kids) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v; else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const kid of kids.flat()) if (kid !== null && kid !== undefined) node.append(kid instanceof Node ? kid : String(kid));
  return node;
}
function fmt(v) {
  if (v === null || v === undefined) return "–";
  if (typeof v === "boolean") return v ? "✓" : "✗";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : (Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(2));
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}
function bytes(n) {
  if (n === null || n === undefined) return "";
  return n > 1e6 ? (n / 1e6).toFixed(1) + " MB" : n > 1e3 ? (n / 1e3).toFixed(0) + " kB" : n + " B";
}
function niceStep(span, n) {
  const raw = span / Math.max(n, 1), p = Math.pow(10, Math.floor(Math.log10(raw))), f = raw / p;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * p;
}
function nearest(ts, t) {  // index of the sample nearest time t (ts ascending)
  let lo = 0, hi = ts.length - 1;
  if (hi < 0) return -1;
  while (hi - lo > 1) { const mid = (lo + hi) >> 1; if (ts[mid] < t) lo = mid; else hi = mid; }
  return Math.abs(ts[lo] - t) <= Math.abs(ts[hi] - t) ? lo : hi;
}

// ---- time axis shared by every plot --------------------------------------------------------------------
let T0 = 0, T1 = 1;
function timeSpan() {
  let hi = 0;
  for (const p of D.plots) for (const t of p.t) if (t !== null && t > hi) hi = t;
  if (video && isFinite(video.duration)) hi = Math.max(hi, video.duration);
  T0 = 0; T1 = hi > 0 ? hi : 1;
}

class Plot {
  constructor(spec, k) {
    this.spec = spec;
    this.lines = spec.lines.map((line, i) => ({ ...line, color: COLORS[(i + 3 * k) % COLORS.length] }));
    this.legend = el("div", { class: "legend" });
    this.canvas = el("canvas", { class: "graph", "data-plot": spec.id });
    this.bg = document.createElement("canvas");
    this.node = el("section", { class: "card plot", id: "plot-" + spec.id },
      el("h3", {}, spec.title, spec.unit ? el("span", { class: "muted" }, " (" + spec.unit + ")") : null),
      this.legend, this.canvas,
      spec.source ? el("div", { class: "hint" }, "data: ", el("a", { href: spec.source }, spec.source)) : null);
    this.chips = this.lines.map((line) => {
      const value = el("span", { class: "v" }, "–");
      const chip = el("span", { class: "chip" + (line.visible ? "" : " off"), title: "show / hide " + line.name,
        onclick: () => { line.visible = !line.visible; chip.classList.toggle("off", !line.visible); this.draw(); } },
        el("i", { style: "background:" + line.color }), line.name, value);
      this.legend.append(chip);
      return value;
    });
    const seekAt = (ev) => {
      const r = this.canvas.getBoundingClientRect();
      seek(this.timeAt(ev.clientX - r.left));
    };
    this.canvas.addEventListener("pointerdown", (ev) => { this.canvas.setPointerCapture(ev.pointerId); seekAt(ev); });
    this.canvas.addEventListener("pointermove", (ev) => { if (ev.buttons & 1) seekAt(ev); });
  }
  get box() { return { L: 52, R: 12, T: 10, B: 24, W: this.canvas.clientWidth, H: this.canvas.clientHeight }; }
  xOf(t) { const b = this.box; return b.L + (t - T0) / (T1 - T0) * (b.W - b.L - b.R); }
  timeAt(x) { const b = this.box; return T0 + (x - b.L) / Math.max(b.W - b.L - b.R, 1) * (T1 - T0); }
  draw() {
    const b = this.box, dpr = window.devicePixelRatio || 1;
    if (!b.W) return;
    for (const c of [this.canvas, this.bg]) { c.width = Math.round(b.W * dpr); c.height = Math.round(b.H * dpr); }
    const g = this.bg.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, b.W, b.H);
    let lo = Infinity, hi = -Infinity;
    for (const line of this.lines) if (line.visible) for (const v of line.values) if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    if (!isFinite(lo)) { lo = 0; hi = 1; }
    if (hi - lo < 1e-9) { lo -= 1; hi += 1; }
    if (this.spec.ylim) { lo = this.spec.ylim[0]; hi = this.spec.ylim[1]; }  // a fixed scale (probabilities)
    const pad = (hi - lo) * 0.06; lo -= pad; hi += pad;
    this.ylo = lo; this.yhi = hi;
    const y = (v) => b.T + (hi - v) / (hi - lo) * (b.H - b.T - b.B);
    this.yOf = y;
    g.font = "11px system-ui, sans-serif"; g.textBaseline = "middle";
    for (const band of this.spec.bands) {  // repetitions: shaded spans with their number
      const x0 = this.xOf(band.t0), x1 = this.xOf(band.t1);
      g.fillStyle = "rgba(37, 99, 235, 0.08)"; g.fillRect(x0, b.T, x1 - x0, b.H - b.T - b.B);
      g.strokeStyle = "rgba(37, 99, 235, 0.45)"; g.beginPath(); g.moveTo(x0 + .5, b.T); g.lineTo(x0 + .5, b.H - b.B); g.stroke();
      g.fillStyle = "#1d4ed8"; g.textAlign = "center"; g.fillText(band.label, (x0 + x1) / 2, b.T + 8);
    }
    g.strokeStyle = "#eef0f3"; g.fillStyle = "#6b7280"; g.lineWidth = 1;
    const ys = niceStep(hi - lo, 4);
    g.textAlign = "right";
    for (let v = Math.ceil(lo / ys) * ys; v <= hi; v += ys) {
      const yy = Math.round(y(v)) + .5;
      g.beginPath(); g.moveTo(b.L, yy); g.lineTo(b.W - b.R, yy); g.stroke();
      g.fillText(fmt(Math.round(v * 1000) / 1000), b.L - 6, yy);
    }
    const xs = niceStep(T1 - T0, Math.max(2, Math.floor((b.W - b.L) / 80)));
    g.textAlign = "center"; g.textBaseline = "top";
    for (let t = Math.ceil(T0 / xs) * xs; t <= T1 + 1e-9; t += xs) {
      const xx = Math.round(this.xOf(t)) + .5;
      g.beginPath(); g.moveTo(xx, b.T); g.lineTo(xx, b.H - b.B); g.stroke();
      g.fillText(fmt(Math.round(t * 100) / 100) + " s", xx, b.H - b.B + 5);
    }
    g.strokeStyle = "#9ca3af"; g.strokeRect(b.L + .5, b.T + .5, b.W - b.L - b.R, b.H - b.T - b.B);
    g.lineWidth = 1.6; g.lineJoin = "round";
    const ts = this.spec.t;
    for (const line of this.lines) {
      if (!line.visible) continue;
      g.strokeStyle = line.color; g.beginPath();
      let pen = false;
      for (let i = 0; i < ts.length; i++) {
        const v = line.values[i];
        if (v === null || ts[i] === null) { pen = false; continue; }
        const px = this.xOf(ts[i]), py = y(v);
        if (pen) g.lineTo(px, py); else g.moveTo(px, py);
        pen = true;
      }
      g.stroke();
    }
    this.render();
  }
  render() {
    const b = this.box, dpr = window.devicePixelRatio || 1, g = this.canvas.getContext("2d");
    if (!b.W || !this.yOf) return;
    g.setTransform(1, 0, 0, 1, 0, 0); g.clearRect(0, 0, this.canvas.width, this.canvas.height);
    g.drawImage(this.bg, 0, 0);
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    const x = this.xOf(state.t);
    this.cursorX = x;
    g.strokeStyle = getComputedStyle(document.documentElement).getPropertyValue("--cursor") || "#e11d48";
    g.lineWidth = 2; g.beginPath(); g.moveTo(x, b.T); g.lineTo(x, b.H - b.B); g.stroke();
    const i = nearest(this.spec.t, state.t);
    this.lines.forEach((line, k) => {
      const v = i < 0 ? null : line.values[i];
      this.chips[k].textContent = v === null ? "–" : fmt(v) + (this.spec.unit === "°" ? "°" : "");
      if (line.visible && v !== null) {
        g.fillStyle = line.color; g.beginPath(); g.arc(x, this.yOf(v), 3.5, 0, 2 * Math.PI); g.fill();
      }
    });
    this.canvas.dataset.cursorX = x.toFixed(1);
  }
}

// ---- the cursor: one time for the video, the plots, the tables -----------------------------------------
function setCursor(t) {
  state.t = Math.min(Math.max(t, T0), T1);
  for (const p of plots) p.render();
  const fps = D.fps || 30;
  const clock = document.getElementById("clock-now");
  if (clock) clock.textContent = state.t.toFixed(2) + " s · frame " + Math.round(state.t * fps);
  document.body.dataset.cursor = state.t.toFixed(3);
  for (const [row, t0, t1] of rowsToSeek) row.classList.toggle("current", state.t >= t0 && state.t <= t1);
  drawBall();
}
function seek(t) {
  t = Math.min(Math.max(t, T0), T1);
  if (video) { try { video.currentTime = t; } catch (e) { /* not seekable yet: the cursor still moves */ } }
  setCursor(t);
}
function drawBall() {
  if (!overlay || !video || !D.ball || !video.videoWidth) return;
  const r = video.getBoundingClientRect(), dpr = window.devicePixelRatio || 1;
  overlay.width = Math.round(r.width * dpr); overlay.height = Math.round(r.height * dpr);
  overlay.style.width = r.width + "px"; overlay.style.height = r.height + "px";
  const g = overlay.getContext("2d"); g.setTransform(dpr, 0, 0, dpr, 0, 0); g.clearRect(0, 0, r.width, r.height);
  const i = nearest(D.ball.t, state.t);
  if (i < 0 || D.ball.x[i] === null) return;
  const s = Math.min(r.width / D.ball.width, r.height / D.ball.height);
  const ox = (r.width - D.ball.width * s) / 2, oy = (r.height - D.ball.height * s) / 2;
  g.strokeStyle = "#facc15"; g.lineWidth = 2.5; g.beginPath();
  g.arc(ox + D.ball.x[i] * s, oy + D.ball.y[i] * s, 9, 0, 2 * Math.PI); g.stroke();
}

// ---- page ------------------------------------------------------------------------------------------------
function table(spec) {
  const head = el("tr", {}, spec.columns.map((c) => el("th", {}, c.replace(/_/g, " "))));
  const body = spec.rows.map((row) => {
    const tr = el("tr", {}, spec.columns.map((c) => el("td", {}, fmt(row[c]))));
    if (spec.seek && row[spec.seek] !== undefined && row[spec.seek] !== null) {
      tr.classList.add("seekable"); tr.title = "show this moment";
      tr.addEventListener("click", () => seek(row[spec.seek]));
      rowsToSeek.push([tr, row.start_s, row.end_s === undefined ? row.start_s : row.end_s]);
    }
    return tr;
  });
  return el("section", { class: "card" }, el("h2", {}, spec.title),
    spec.rows.length ? el("table", {}, el("thead", {}, head), el("tbody", {}, body)) : el("p", { class: "muted" }, "nothing found"));
}

function build() {
  const app = document.getElementById("app");
  app.textContent = "";
  const when = D.created_utc.replace("T", " ").replace("Z", " UTC");
  app.append(el("header", {},
    el("h1", {}, D.title),
    el("div", { class: "sub" }, D.input + " · " + ({ video: "video", imu: "IMU recording", photos: "photos" }[D.kind] || D.kind) +
      " · analysed " + when + " · sportlens " + D.version),
    el("div", { class: "facts" }, D.facts.map(([k, v]) => el("div", { class: "fact" }, el("b", {}, fmt(v)), el("span", {}, k))))));
  const main = el("main", {});
  app.append(main);
  if (D.warnings.length) main.append(el("section", { class: "card", id: "warnings" }, el("h2", {}, "Warnings (" + D.warnings.length + ")"),
    el("ul", { class: "warnings" }, D.warnings.map((w) => el("li", {}, w)))));
  if (D.video || D.plots.length) {
    const left = el("div", { class: "player" });
    if (D.video) {
      video = el("video", { id: "video", src: D.video, controls: "", preload: "auto", muted: "", playsinline: "" });
      overlay = el("canvas", { class: "overlay" });
      const play = el("button", { onclick: () => (video.paused ? video.play() : video.pause()) }, "play / pause");
      left.append(el("section", { class: "card" }, el("div", { class: "stage" }, video, overlay),
        el("div", { class: "clock" }, el("span", { class: "now", id: "clock-now" }, "0.00 s"), play),
        el("div", { class: "hint" }, "Click or drag on a plot to move the video there; space plays or pauses, ← → step one frame. ",
          "Video: ", el("a", { href: D.video }, D.video))));
    }
    const right = el("div", {});
    D.plots.forEach((spec, k) => { const p = new Plot(spec, k); plots.push(p); right.append(p.node); });
    if (!D.plots.length) right.append(el("section", { class: "card" }, el("p", { class: "muted" }, "No curve to plot (no person or ball was found).")));
    main.append(D.video ? el("div", { class: "top" }, left, right) : right);  // no video: the curves take the width
  }
  if (D.images.length) main.append(el("section", { class: "card" }, el("h2", {}, "Figures"),
    el("div", { class: "images" }, D.images.map((src) => el("a", { href: src }, el("img", { src: src, alt: src, loading: "lazy" }))))));
  const tables = el("div", { class: "grid2" }, D.tables.map(table));
  main.append(tables);
  main.append(el("section", { class: "card", id: "tasks" }, el("h2", {}, "Tasks"), el("table", {},
    el("thead", {}, el("tr", {}, ["task", "status", "why / notes", "files"].map((c) => el("th", {}, c)))),
    el("tbody", {}, D.tasks.map((r) => el("tr", { "data-task": r.task },
      el("td", {}, el("b", {}, r.task)),
      el("td", {}, el("span", { class: "pill " + r.status.replace(/ /g, "-") }, r.status)),
      el("td", {}, r.reason || "", r.warnings.length ? el("div", { class: "muted" }, r.warnings.join(" · ")) : null),
      el("td", {}, r.folder ? el("a", { href: r.folder + "/" }, r.folder + "/") : "")))))));
  main.append(el("div", { class: "grid2" },
    el("section", { class: "card", id: "models" }, el("h2", {}, "Models and versions"),
      D.models.length ? el("ul", {}, D.models.map((m) => el("li", {}, el("b", {}, m.task + ": "), m.model || "–",
        Object.keys(m.details || {}).length ? el("details", {}, el("summary", {}, "model card"), el("pre", {}, JSON.stringify(m.details, null, 2))) : null))) :
        el("p", { class: "muted" }, "no model ran"),
      el("p", { class: "muted" }, Object.entries(D.versions).map(([k, v]) => k + " " + v).join(" · "))),
    el("section", { class: "card", id: "outputs" }, el("h2", {}, "Files"),
      el("table", {}, el("tbody", {}, D.outputs.map((o) => el("tr", {},
        el("td", {}, el("a", { href: o.path }, o.path)), el("td", { class: "muted" }, bytes(o.bytes) + (o.files ? " · " + o.files + " files" : "")))))))));
  main.append(el("section", { class: "card", id: "config" }, el("details", {},
    el("summary", {}, "Effective configuration (every option of every task; also in summary.json)"),
    el("pre", {}, JSON.stringify(D.options, null, 2)))));
}

function start() {
  build();
  timeSpan();
  const redraw = () => { timeSpan(); for (const p of plots) p.draw(); setCursor(state.t); };
  redraw();
  window.addEventListener("resize", redraw);
  if (video) {
    video.addEventListener("loadedmetadata", redraw);
    for (const ev of ["timeupdate", "seeked", "seeking"]) video.addEventListener(ev, () => setCursor(video.currentTime));
    let last = -1;
    const follow = () => {  // while playing, the cursor follows every painted frame, not only timeupdate's 4 Hz
      if (video.currentTime !== last) { last = video.currentTime; setCursor(last); }
      requestAnimationFrame(follow);
    };
    requestAnimationFrame(follow);
    document.addEventListener("keydown", (ev) => {
      if (ev.target.tagName === "INPUT" || ev.target === video) return;
      const step = 1 / (D.fps || 30);
      if (ev.key === " ") { ev.preventDefault(); video.paused ? video.play() : video.pause(); }
      else if (ev.key === "ArrowRight") { ev.preventDefault(); video.pause(); seek(state.t + step); }
      else if (ev.key === "ArrowLeft") { ev.preventDefault(); video.pause(); seek(state.t - step); }
    });
  }
  document.body.dataset.ready = "1";
}

window.sportlensReport = { state, plots, seek, setCursor, data: D, get video() { return video; } };
start();
})();
"""
