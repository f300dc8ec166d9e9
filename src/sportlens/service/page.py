# ruff: noqa: E501  (the page's HTML, CSS and JavaScript are not Python: their lines are wrapped as such)
'''The service's page at `/`: upload with a progress bar, the job list (polled), the report of a finished job
in a frame, and its files for download. Inline HTML/CSS/JS, no network, no library. With a token set, the page
asks for it once, sends it as a bearer header and keeps it in a cookie so the report frame's files load.'''

PAGE = r"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>sportlens</title><link rel="icon" href="data:,">
<style>
:root { --ink:#111827; --muted:#6b7280; --line:#e5e7eb; --bg:#f5f6f8; --accent:#2563eb; --ok:#15803d; --bad:#b91c1c; --warn:#b45309; }
* { box-sizing:border-box; }
body { margin:0; font:15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color:var(--ink); background:var(--bg); }
header { background:#0f172a; color:#f8fafc; padding:16px 28px; display:flex; align-items:baseline; gap:16px; }
header h1 { margin:0; font-size:21px; } header span { color:#cbd5e1; font-size:13px; }
main { padding:18px 28px 40px; max-width:1700px; margin:0 auto; display:grid; grid-template-columns:minmax(340px, 4fr) 8fr; gap:18px; }
@media (max-width: 1000px) { main { grid-template-columns:1fr; } }
.card { background:#fff; border:1px solid var(--line); border-radius:10px; padding:14px 16px; margin-bottom:16px; }
.card h2 { font-size:16px; margin:0 0 10px; }
.drop { border:2px dashed #cbd5e1; border-radius:10px; padding:18px; text-align:center; color:var(--muted); cursor:pointer; }
.drop.over { border-color:var(--accent); background:#eff6ff; }
button, input, select { font:inherit; }
button { border:1px solid var(--accent); background:var(--accent); color:#fff; border-radius:6px; padding:5px 14px; cursor:pointer; }
button:disabled { opacity:.5; cursor:default; }
.bar { height:8px; background:#e5e7eb; border-radius:999px; overflow:hidden; margin-top:6px; }
.bar i { display:block; height:100%; width:0; background:var(--accent); transition:width .2s; }
table { border-collapse:collapse; width:100%; font-size:13.5px; }
th, td { text-align:left; padding:6px 8px; border-bottom:1px solid var(--line); vertical-align:middle; }
th { color:var(--muted); font-size:12.5px; }
tr.job { cursor:pointer; } tr.job:hover { background:#eff6ff; } tr.job.sel { background:#fef3c7; }
.pill { display:inline-block; border-radius:999px; padding:1px 9px; font-size:12px; font-weight:600; background:#f3f4f6; color:var(--muted); }
.pill.done { background:#dcfce7; color:var(--ok); } .pill.failed { background:#fee2e2; color:var(--bad); } .pill.running { background:#dbeafe; color:var(--accent); }
.msg { margin-top:8px; font-size:13.5px; } .msg.bad { color:var(--bad); } .muted { color:var(--muted); font-size:13px; }
iframe { width:100%; height:78vh; border:1px solid var(--line); border-radius:8px; background:#fff; }
ul.files { columns:2; font-size:13px; padding-left:18px; } a { color:var(--accent); }
</style></head>
<body>
<header><h1>sportlens</h1><span>upload a video, a photo or an IMU CSV: sportlens analyze runs it and writes a report</span></header>
<main>
<section>
  <div class="card" id="token-card" hidden>
    <h2>Access token</h2>
    <input id="token" type="password" placeholder="token" style="width:70%"> <button id="token-save">Use</button>
  </div>
  <div class="card">
    <h2>New analysis</h2>
    <div class="drop" id="drop">Drop a file here or click to choose<br><span class="muted">video (MP4, MOV, MKV, AVI), image (JPEG, PNG) or IMU CSV</span></div>
    <input type="file" id="file" hidden>
    <div style="margin-top:10px">Tasks <input id="tasks" placeholder="all that apply (e.g. pose,reps)" style="width:60%"></div>
    <div style="margin-top:10px"><button id="send" disabled>Upload and analyse</button> <span id="chosen" class="muted"></span></div>
    <div class="bar"><i id="upbar"></i></div>
    <div class="msg" id="upmsg"></div>
  </div>
  <div class="card">
    <h2>Jobs</h2>
    <table><thead><tr><th>file</th><th>state</th><th>progress</th><th>created</th></tr></thead><tbody id="jobs"></tbody></table>
    <div class="muted" id="jobs-empty">no jobs yet</div>
  </div>
</section>
<section>
  <div class="card">
    <h2 id="view-title">Report</h2>
    <div id="view-state" class="muted">choose a finished job to see its report</div>
    <iframe id="report" title="report" hidden></iframe>
    <h2 style="margin-top:12px">Files</h2>
    <ul class="files" id="files"></ul>
  </div>
</section>
</main>
<script>
(function () {
"use strict";
const TOKEN_REQUIRED = __TOKEN_REQUIRED__;
const $ = (id) => document.getElementById(id);
let chosen = null, selected = null, jobs = [];
function token() { return localStorage.getItem("sportlens_token") || ""; }
function headers() { const t = token(); return t ? { "Authorization": "Bearer " + t } : {}; }
function setToken(t) { localStorage.setItem("sportlens_token", t); document.cookie = "sportlens_token=" + encodeURIComponent(t) + "; path=/; SameSite=Strict"; }
if (TOKEN_REQUIRED) { $("token-card").hidden = false; $("token").value = token(); if (token()) setToken(token()); }
$("token-save").onclick = () => { setToken($("token").value.trim()); refresh(); };
async function api(path, options) {
  const r = await fetch(path, Object.assign({ headers: headers() }, options || {}));
  if (!r.ok) { let m = r.status + ""; try { m = (await r.json()).detail || m; } catch (e) {} throw new Error(m); }
  return r.json();
}
function choose(f) { chosen = f; $("chosen").textContent = f ? f.name + " (" + (f.size / 1e6).toFixed(1) + " MB)" : ""; $("send").disabled = !f; }
$("drop").onclick = () => $("file").click();
$("file").onchange = (e) => choose(e.target.files[0] || null);
$("drop").ondragover = (e) => { e.preventDefault(); $("drop").classList.add("over"); };
$("drop").ondragleave = () => $("drop").classList.remove("over");
$("drop").ondrop = (e) => { e.preventDefault(); $("drop").classList.remove("over"); choose(e.dataTransfer.files[0] || null); };
$("send").onclick = () => {
  if (!chosen) return;
  const form = new FormData(); form.append("file", chosen);
  const tasks = $("tasks").value.trim(); if (tasks) form.append("tasks", tasks);
  const xhr = new XMLHttpRequest();
  xhr.open("POST", "/api/jobs");
  const h = headers(); for (const k in h) xhr.setRequestHeader(k, h[k]);
  xhr.upload.onprogress = (e) => { if (e.lengthComputable) $("upbar").style.width = (100 * e.loaded / e.total).toFixed(1) + "%"; };
  xhr.onload = () => {
    let body = {}; try { body = JSON.parse(xhr.responseText); } catch (e) {}
    if (xhr.status >= 200 && xhr.status < 300) { $("upmsg").className = "msg"; $("upmsg").textContent = "queued: job " + body.id; selected = body.id; refresh(); }
    else { $("upmsg").className = "msg bad"; $("upmsg").textContent = "upload refused (" + xhr.status + "): " + (body.detail || xhr.statusText); }
    $("send").disabled = false;
  };
  xhr.onerror = () => { $("upmsg").className = "msg bad"; $("upmsg").textContent = "upload failed: the service is not reachable"; $("send").disabled = false; };
  $("send").disabled = true; $("upbar").style.width = "0"; $("upmsg").textContent = "uploading...";
  xhr.send(form);
};
function row(job) {
  const tr = document.createElement("tr"); tr.className = "job" + (job.id === selected ? " sel" : ""); tr.dataset.id = job.id;
  const pct = Math.round(100 * job.progress);
  tr.innerHTML = "<td></td><td><span class='pill " + job.state + "'>" + job.state + "</span></td><td><div class='bar'><i style='width:" + pct + "%'></i></div><span class='muted'></span></td><td class='muted'></td>";
  tr.children[0].textContent = job.filename;
  tr.children[2].querySelector("span").textContent = job.state === "failed" ? (job.error || "") : job.stage || "";
  tr.children[3].textContent = (job.created || "").replace("T", " ").slice(0, 19);
  tr.onclick = () => { selected = job.id; show(); render(); };
  return tr;
}
function render() {
  const body = $("jobs"); body.textContent = "";
  jobs.forEach((j) => body.appendChild(row(j)));
  $("jobs-empty").hidden = jobs.length > 0;
}
let shown = null;
async function show() {
  const job = jobs.find((j) => j.id === selected);
  if (!job) return;
  $("view-title").textContent = "Report: " + job.filename;
  if (job.state !== "done") {
    $("view-state").textContent = job.state === "failed" ? "failed: " + (job.error || "") : job.state + " (" + Math.round(100 * job.progress) + " %) " + (job.stage || "");
    $("report").hidden = true; shown = null;
  }
  if (shown === job.id + job.state) return;
  shown = job.id + job.state;
  const files = await api("/api/jobs/" + job.id + "/files");
  const list = $("files"); list.textContent = "";
  files.forEach((f) => { const li = document.createElement("li"); const a = document.createElement("a"); a.href = "/api/jobs/" + job.id + "/files/" + f.name; a.textContent = f.name; a.download = f.name.split("/").pop(); li.appendChild(a); list.appendChild(li); });
  if (job.state === "done" && files.some((f) => f.name === "report.html")) {
    $("view-state").textContent = ""; $("report").hidden = false; $("report").src = "/api/jobs/" + job.id + "/files/report.html";
  }
}
async function refresh() {
  try { jobs = await api("/api/jobs"); render(); if (selected) await show(); }
  catch (e) { $("jobs-empty").hidden = false; $("jobs-empty").textContent = "cannot list jobs: " + e.message; }
}
window.sportlensPage = { refresh: refresh, state: () => ({ jobs: jobs, selected: selected }) };
refresh(); setInterval(refresh, 1000);
})();
</script>
</body></html>
"""
