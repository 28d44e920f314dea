// taskito dashboard: a hash-routed page over the JSON API, refreshed every 2 s.
// Each view renders into #view only when its data changed, so refreshes never flicker.
"use strict";

const REFRESH_MS = 2000;
const TOKEN_KEY = "taskito-dashboard-token";
const $ = (sel) => document.querySelector(sel);
const esc = (v) => String(v ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const when = (ms) => (ms ? new Date(ms).toLocaleString() : "");
const ago = (ms) => (ms ? `${Math.max(0, Math.round((Date.now() - ms) / 1000))} s ago` : "");
const badge = (s) => `<span class="badge b-${esc(s)}">${esc(s)}</span>`;
const jobLink = (id) => `<a href="#/job/${encodeURIComponent(id)}" class="mono">${esc(id)}</a>`;

class Unauthorized extends Error {}

async function api(path, method = "GET") {
  const headers = {};
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = `Bearer ${token}`;
  const init = { method, headers };
  // The server refuses changes without a JSON body type: no HTML form of another site can send one.
  if (method !== "GET") { headers["Content-Type"] = "application/json"; init.body = "{}"; }
  const res = await fetch(path, init);
  if (res.status === 401) throw new Unauthorized();
  const body = await res.json();
  if (!res.ok) throw new Error(body.error || res.statusText);
  return body;
}

// -- charts (inline SVG) --------------------------------------------------------------------

function chart(series, key, unit, color) {
  const w = 600, h = 160, pad = 28;
  const n = Math.max(1, Math.round((series.now - series.since) / series.bucket_ms));
  const byStart = new Map(series.buckets.map((b) => [b.start, b]));
  const points = [];
  for (let i = 0; i < n; i++) {
    const b = byStart.get(series.since + i * series.bucket_ms);
    // A bucket without completions is 0 jobs/s, but has no latency: a gap in that line.
    points.push(b ? b[key] : key === "per_second" ? 0 : null);
  }
  const max = Math.max(1e-9, ...points.filter((v) => v != null));
  const x = (i) => pad + (i * (w - pad - 4)) / Math.max(1, n - 1);
  const y = (v) => h - pad + 4 - (v / max) * (h - pad - 8);
  let line = "";
  points.forEach((v, i) => {
    if (v == null) return;
    const joined = i > 0 && points[i - 1] != null;
    line += `${joined ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
    if (!joined && (i === n - 1 || points[i + 1] == null)) line += `h2`; // a lone point stays visible
  });
  const area = key === "per_second" ? `${line}L${x(n - 1).toFixed(1)},${y(0)}L${x(0)},${y(0)}Z` : "";
  return `<svg viewBox="0 0 ${w} ${h}" preserveAspectRatio="none" role="img">
    <line x1="${pad}" y1="${y(0)}" x2="${w}" y2="${y(0)}" stroke="currentColor" opacity=".2"/>
    <text x="2" y="12" font-size="11" fill="currentColor" opacity=".7">${max.toFixed(max < 10 ? 1 : 0)} ${unit}</text>
    <text x="2" y="${h - 6}" font-size="11" fill="currentColor" opacity=".7">-10 min</text>
    <text x="${w - 30}" y="${h - 6}" font-size="11" fill="currentColor" opacity=".7">now</text>
    ${area ? `<path d="${area}" fill="${color}" opacity=".15"/>` : ""}<path d="${line}" fill="none" stroke="${color}" stroke-width="2"/>
  </svg>`;
}

// -- views: each returns {load(): Promise<data>, render(data): html} -------------------------

const views = {
  overview: {
    load: () => api("/api/overview"),
    render(o) {
      const c = o.counts;
      const cards = ["pending", "running", "completed", "failed", "dead", "cancelled"]
        .map((k) => `<div class="card"><div class="muted">${k}</div><div class="n" data-count="${k}">${c[k]}</div></div>`)
        .join("");
      const workers = `<div class="card"><div class="muted">workers</div><div class="n">${o.workers.active}</div>
        <div class="muted">${o.workers.stale} stale</div></div>`;
      const queues = o.queues.map((q) => `<tr><td>${esc(q.queue)}</td><td>${q.pending}</td><td>${q.running}</td></tr>`).join("");
      return `<div class="cards">${cards}${workers}</div>
        <div class="charts">
          <div class="card chart"><div class="muted">Throughput (completed jobs/s, 10 s buckets)</div>${chart(o.series, "per_second", "jobs/s", "#16a34a")}</div>
          <div class="card chart"><div class="muted">Latency (average run time)</div>${chart(o.series, "avg_run_ms", "ms", "#2563eb")}</div>
        </div>
        <h2>Queues</h2><table><tr><th>queue</th><th>pending</th><th>running</th></tr>${queues || '<tr><td colspan="3" class="muted">no pending or running jobs</td></tr>'}</table>`;
    },
  },

  jobs: {
    state: { status: "", queue: "", task: "", cursors: [] },
    load() {
      const s = this.state;
      const p = new URLSearchParams({ limit: "20" });
      for (const k of ["status", "queue", "task"]) if (s[k]) p.set(k, s[k]);
      if (s.cursors.length) p.set("cursor", s.cursors[s.cursors.length - 1]);
      return api(`/api/jobs?${p}`);
    },
    render(jobs) {
      const s = this.state;
      const rows = jobs.map((j) => `<tr data-job="${esc(j.id)}"><td>${jobLink(j.id)}</td><td>${esc(j.task_name)}</td>
        <td>${esc(j.queue)}</td><td>${badge(j.status)}</td><td>${j.retry_count}/${j.max_retries}</td>
        <td>${when(j.created_at)}</td><td class="mono">${esc((j.error || "").split("\n").slice(-2).join(" ")).slice(0, 120)}</td></tr>`).join("");
      const opts = ["", "pending", "running", "complete", "failed", "dead", "cancelled"]
        .map((o) => `<option value="${o}" ${o === s.status ? "selected" : ""}>${o || "any status"}</option>`).join("");
      return `<form class="filters" id="job-filters">
          <select name="status">${opts}</select>
          <input name="queue" placeholder="queue" value="${esc(s.queue)}">
          <input name="task" placeholder="task name" value="${esc(s.task)}">
          <button type="submit">Filter</button></form>
        <table><tr><th>id</th><th>task</th><th>queue</th><th>status</th><th>retries</th><th>created</th><th>error</th></tr>
        ${rows || '<tr><td colspan="7" class="muted">no jobs</td></tr>'}</table>
        <div class="pager"><button id="newer" ${s.cursors.length ? "" : "disabled"}>&larr; Newer</button>
          <span class="muted">page ${s.cursors.length + 1}</span>
          <button id="older" ${jobs.length < 20 ? "disabled" : ""} data-cursor="${jobs.length ? `${jobs[jobs.length - 1].created_at}:${esc(jobs[jobs.length - 1].id)}` : ""}">Older &rarr;</button></div>`;
    },
  },

  job: {
    id: "",
    async load() {
      const [job, logs, replays] = await Promise.all([
        api(`/api/jobs/${encodeURIComponent(this.id)}`),
        api(`/api/jobs/${encodeURIComponent(this.id)}/logs`),
        api(`/api/jobs/${encodeURIComponent(this.id)}/replay-history`),
      ]);
      return { job, logs, replays };
    },
    render({ job: j, logs, replays }) {
      const progress = j.progress == null ? "" : `<span class="progress"><i style="width:${Math.min(100, j.progress)}%"></i></span> ${j.progress}%`;
      const errors = j.errors.map((e) => `<tr><td>${e.attempt}</td><td>${when(e.failed_at)}</td><td><pre>${esc(e.error)}</pre></td></tr>`).join("");
      const logRows = logs.map((l) => `<tr><td>${when(l.logged_at)}</td><td>${esc(l.level)}</td><td>${esc(l.message)}</td></tr>`).join("");
      const replayRows = replays.map((r) => `<tr><td>${jobLink(r.replay_job_id)}</td><td>${when(r.replayed_at)}</td><td>${esc(r.replay_error || "")}</td></tr>`).join("");
      const cancellable = j.status === "pending" || j.status === "running";
      return `<h2>Job <span class="mono">${esc(j.id)}</span> ${badge(j.status)}</h2>
        <p><button data-action="replay" data-id="${esc(j.id)}">Replay</button>
          ${cancellable ? `<button class="danger" data-action="cancel" data-id="${esc(j.id)}">Cancel</button>` : ""}</p>
        <dl><dt>task</dt><dd>${esc(j.task_name)}</dd><dt>queue</dt><dd>${esc(j.queue)}</dd>
          <dt>priority</dt><dd>${j.priority}</dd><dt>attempt</dt><dd>${j.attempt} (retries ${j.retry_count}/${j.max_retries})</dd>
          <dt>progress</dt><dd>${progress}</dd><dt>created</dt><dd>${when(j.created_at)}</dd>
          <dt>scheduled</dt><dd>${when(j.scheduled_at)}</dd><dt>started</dt><dd>${when(j.started_at)}</dd>
          <dt>finished</dt><dd>${when(j.completed_at)}</dd><dt>unique key</dt><dd>${esc(j.unique_key || "")}</dd>
          <dt>metadata</dt><dd class="mono">${esc(j.metadata || "")}</dd>
          <dt>depends on</dt><dd>${j.dependencies.map(jobLink).join(", ")}</dd></dl>
        <h2>Arguments</h2><pre>${esc(j.args_preview)}</pre>
        ${j.result_preview != null ? `<h2>Result</h2><pre>${esc(j.result_preview)}</pre>` : ""}
        ${j.error ? `<h2>Error</h2><pre>${esc(j.error)}</pre>` : ""}
        <h2>Attempt history</h2><table><tr><th>attempt</th><th>failed at</th><th>error</th></tr>${errors || '<tr><td colspan="3" class="muted">no failed attempts</td></tr>'}</table>
        <h2>Logs</h2><table><tr><th>at</th><th>level</th><th>message</th></tr>${logRows || '<tr><td colspan="3" class="muted">no logs</td></tr>'}</table>
        ${replayRows ? `<h2>Replays</h2><table><tr><th>replay</th><th>at</th><th>error</th></tr>${replayRows}</table>` : ""}`;
    },
  },

  dead: {
    load: () => api("/api/dead-letters?limit=100"),
    render(dead) {
      const rows = dead.map((d) => `<tr data-dead="${esc(d.id)}"><td>${jobLink(d.original_job_id)}</td><td>${esc(d.task_name)}</td>
        <td>${esc(d.queue)}</td><td>${when(d.failed_at)}</td><td class="mono">${esc((d.error || "").split("\n").slice(-2).join(" ")).slice(0, 160)}</td>
        <td><button class="primary" data-action="retry" data-id="${esc(d.id)}">Retry</button></td></tr>`).join("");
      return `<p><button class="danger" data-action="purge">Purge all dead letters</button></p>
        <table><tr><th>job</th><th>task</th><th>queue</th><th>failed</th><th>error</th><th></th></tr>
        ${rows || '<tr><td colspan="6" class="muted">no dead letters</td></tr>'}</table>`;
    },
  },

  workers: {
    load: () => api("/api/workers"),
    render(ws) {
      const rows = ws.map((w) => `<tr><td class="mono">${esc(w.worker_id)}</td><td>${badge(w.status)}</td>
        <td>${esc(w.hostname)}</td><td>${esc(w.pid)}</td><td>${esc(w.queues)}</td><td>${esc(w.threads)}</td>
        <td title="${when(w.last_heartbeat)}">${ago(w.last_heartbeat)}</td><td>${when(w.started_at)}</td></tr>`).join("");
      return `<table><tr><th>worker</th><th>status</th><th>host</th><th>pid</th><th>queues</th><th>threads</th><th>last heartbeat</th><th>started</th></tr>
        ${rows || '<tr><td colspan="8" class="muted">no workers</td></tr>'}</table>`;
    },
  },

  breakers: {
    load: () => api("/api/circuit-breakers"),
    render(bs) {
      const rows = bs.map((b) => `<tr><td>${esc(b.task_name)}</td><td>${badge(b.state)}</td><td>${esc(b.failure_count)} / ${esc(b.threshold)}</td>
        <td>${when(b.last_failure_at)}</td><td>${when(b.opened_at)}</td></tr>`).join("");
      return `<table><tr><th>task</th><th>state</th><th>failures</th><th>last failure</th><th>opened</th></tr>
        ${rows || '<tr><td colspan="5" class="muted">no circuit breakers</td></tr>'}</table>`;
    },
  },

  periodic: {
    load: () => api("/api/periodic"),
    render(ps) {
      const rows = ps.map((p) => `<tr><td>${esc(p.name ?? p.task_name)}</td><td class="mono">${esc(p.cron_expr ?? p.cron ?? p.schedule)}</td>
        <td>${esc(p.task_name ?? p.task)}</td><td>${esc(p.queue ?? "")}</td><td class="mono">${esc(p.args_preview ?? "")}</td>
        <td>${when(p.next_run ?? p.next_run_at)}</td></tr>`).join("");
      return `<table><tr><th>name</th><th>schedule</th><th>task</th><th>queue</th><th>arguments</th><th>next run</th></tr>
        ${rows || '<tr><td colspan="6" class="muted">no periodic schedules</td></tr>'}</table>`;
    },
  },
};

// -- routing, refresh, actions ----------------------------------------------------------------

let current = "overview";
let lastHtml = "";
let timer = null;

function route() {
  const [, name = "overview", arg = ""] = location.hash.split("/");
  current = views[name] ? name : "overview";
  if (current === "job") views.job.id = decodeURIComponent(arg);
  document.querySelectorAll("nav a").forEach((a) => a.classList.toggle("active", a.dataset.view === current));
  lastHtml = "";
  refresh();
}

async function refresh() {
  clearTimeout(timer);
  const name = current;
  try {
    const data = await views[name].load();
    if (name !== current) return;
    const html = views[name].render(data);
    if (html !== lastHtml) {
      const focused = document.activeElement && document.activeElement.name;
      $("#view").innerHTML = html;
      lastHtml = html;
      if (focused) document.querySelector(`#view [name="${focused}"]`)?.focus();
    }
    $("#status").textContent = `updated ${new Date().toLocaleTimeString()}`;
    $("#status").className = "muted";
  } catch (err) {
    if (err instanceof Unauthorized) return askToken();
    $("#status").textContent = `error: ${err.message}`;
    $("#status").className = "error";
  }
  timer = setTimeout(refresh, REFRESH_MS);
}

function askToken() {
  $("#login").hidden = false;
  $("#login-error").textContent = sessionStorage.getItem(TOKEN_KEY) ? "That token was refused." : "";
  $("#token").focus();
}

$("#login-form").addEventListener("submit", (e) => {
  e.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $("#token").value);
  $("#login").hidden = true;
  refresh();
});

document.addEventListener("submit", (e) => {
  if (e.target.id !== "job-filters") return;
  e.preventDefault();
  const f = new FormData(e.target);
  Object.assign(views.jobs.state, { status: f.get("status"), queue: f.get("queue").trim(), task: f.get("task").trim(), cursors: [] });
  lastHtml = "";
  refresh();
});

document.addEventListener("click", async (e) => {
  const el = e.target.closest("button");
  if (!el) return;
  const s = views.jobs.state;
  if (el.id === "older") { s.cursors.push(el.dataset.cursor); return refresh(); }
  if (el.id === "newer") { s.cursors.pop(); return refresh(); }
  const { action, id } = el.dataset;
  if (!action) return;
  const paths = {
    retry: `/api/dead-letters/${encodeURIComponent(id)}/retry`,
    purge: "/api/dead-letters/purge",
    cancel: `/api/jobs/${encodeURIComponent(id)}/cancel`,
    replay: `/api/jobs/${encodeURIComponent(id)}/replay`,
  };
  if (action === "purge" && !confirm("Delete every dead letter?")) return;
  try {
    const out = await api(paths[action], "POST");
    const next = out.new_job_id || out.replay_job_id;
    $("#status").textContent = next ? `${action}: new job ${next}` : `${action}: done`;
    if (action === "replay" && next) { location.hash = `#/job/${next}`; return; }
  } catch (err) {
    if (err instanceof Unauthorized) return askToken();
    $("#status").textContent = `error: ${err.message}`;
    $("#status").className = "error";
  }
  refresh();
});

window.addEventListener("hashchange", route);
route();
