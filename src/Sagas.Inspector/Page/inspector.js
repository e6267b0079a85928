// The saga inspector page: plain DOM, no framework, no inline script (the page is served with a strict CSP).
// Every value from the API is written with textContent, never as HTML.
"use strict";
(() => {
  const base = location.pathname.replace(/\/?$/, "/");
  const api = (path) => base + "api/" + path;
  const $ = (id) => document.getElementById(id);
  let current = null; // { type, after, query }
  let antiforgery = null;
  let deadLettersAfter = null;

  const say = (text, error) => { $("status").textContent = text; $("status").className = error ? "error" : ""; };

  async function get(path) {
    const response = await fetch(api(path), { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(await problem(response));
    return response.json();
  }

  async function problem(response) {
    try {
      const body = await response.json();
      const errors = body.errors ? " " + Object.values(body.errors).flat().join(" ") : "";
      return `${response.status} ${body.title || ""}${body.detail ? ": " + body.detail : ""}${errors}`;
    } catch { return `${response.status} ${response.statusText}`; }
  }

  function cell(row, text, className) {
    const td = row.insertCell();
    td.textContent = text ?? "";
    if (className) td.className = className;
    return td;
  }

  // The saga's diagram, drawn from its Mermaid source as SVG (no Mermaid library: the page loads nothing but this script).
  // Nodes are laid out in rows by their longest distance from the start; the current state is marked.
  const SVG = "http://www.w3.org/2000/svg";
  function parseDiagram(source) {
    const nodes = new Map(); const edges = [];
    const node = (id) => { if (!nodes.has(id)) nodes.set(id, { id, label: [id], kind: "state" }); return nodes.get(id); };
    for (const raw of source.split("\n")) {
      const line = raw.trim();
      let m;
      if ((m = /^state (\S+) <<(fork|join)>>$/.exec(line))) { node(m[1]).kind = m[2]; continue; }
      if ((m = /^(\S+) --> ([^:\s]+)(?::\s*(.*))?$/.exec(line))) {
        const from = m[1] === "[*]" ? "[start]" : m[1];
        const to = m[2] === "[*]" ? "[end]" : m[2];
        node(from); node(to);
        edges.push({ from, to, label: m[3] || "" });
        continue;
      }
      if ((m = /^(\w+): (.*)$/.exec(line))) node(m[1]).label = m[2].split("\\n");
    }
    for (const id of ["[start]", "[end]"]) if (nodes.has(id)) nodes.get(id).kind = "terminal";
    return { nodes, edges };
  }

  function drawDiagram(host, source, marked) {
    const { nodes, edges } = parseDiagram(source);
    const depth = new Map([...nodes.keys()].map((id) => [id, 0]));
    for (let pass = 0; pass < nodes.size; pass++) {
      let changed = false;
      for (const e of edges) if (depth.get(e.to) < depth.get(e.from) + 1) { depth.set(e.to, depth.get(e.from) + 1); changed = true; }
      if (!changed) break;
    }
    // Where a saga ends (Completed, Rejected, Compensated, Faulted) goes to one row above the end, wherever it is reached from.
    const last = Math.max(...depth.values());
    for (const n of nodes.values()) {
      const next = edges.filter((e) => e.from === n.id).map((e) => e.to);
      if (n.kind === "state" && next.every((t) => t === "[end]")) depth.set(n.id, Math.max(depth.get(n.id), last - 1));
    }
    const rows = [];
    for (const [id, d] of depth) (rows[d] ??= []).push(id);
    const w = 150, h = 34, gapX = 24, gapY = 36;
    const width = Math.max(...rows.map((r) => r?.length ?? 0)) * (w + gapX) + gapX;
    const at = new Map();
    rows.forEach((row, y) => {
      if (!row) return;
      // Each row in the order of where its nodes are reached from (the mean x of their predecessors): fewer crossings.
      const from = (id) => { const xs = edges.filter((e) => e.to === id && at.has(e.from)).map((e) => at.get(e.from).x); return xs.length ? xs.reduce((a, b) => a + b) / xs.length : 0; };
      row.sort((a, b) => from(a) - from(b));
      row.forEach((id, x) => at.set(id, { x: (width - row.length * (w + gapX) + gapX) / 2 + x * (w + gapX), y: gapY / 2 + y * (h + gapY) }));
    });
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", `0 0 ${width} ${rows.length * (h + gapY)}`);
    svg.setAttribute("height", String(rows.length * (h + gapY)));
    svg.setAttribute("width", String(width));
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", "saga diagram");
    const el = (name, attrs, parent) => {
      const e = document.createElementNS(SVG, name);
      for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
      (parent || svg).append(e);
      return e;
    };
    const defs = el("defs", {});
    const marker = el("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, defs);
    el("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "arrow" }, marker);
    for (const e of edges) {
      const a = at.get(e.from), b = at.get(e.to);
      const line = el("line", { x1: a.x + w / 2, y1: a.y + h, x2: b.x + w / 2, y2: b.y, class: "edge", "marker-end": "url(#arrow)" });
      const title = document.createElementNS(SVG, "title");
      title.textContent = `${e.from} → ${e.to}${e.label ? ": " + e.label : ""}`;
      line.append(title);
    }
    for (const n of nodes.values()) {
      const p = at.get(n.id);
      const g = el("g", { class: `node ${n.kind}${marked.has(n.id) ? " " + marked.get(n.id) : ""}`, "data-node": n.id });
      const title = document.createElementNS(SVG, "title");
      title.textContent = n.label.join("\n");
      g.append(title);
      if (n.kind === "fork" || n.kind === "join") { el("rect", { x: p.x, y: p.y + h / 2 - 3, width: w, height: 6 }, g); continue; }
      if (n.kind === "terminal") { el("circle", { cx: p.x + w / 2, cy: p.y + h / 2, r: 8 }, g); continue; }
      el("rect", { x: p.x, y: p.y, width: w, height: h, rx: 6 }, g);
      const text = el("text", { x: p.x + w / 2, y: p.y + h / 2 + 4, "text-anchor": "middle" }, g);
      text.textContent = n.label[0];
    }
    host.replaceChildren(svg);
  }

  // Which nodes to mark: the state the saga is in (its current step, the compensation of it, or its terminal state),
  // and the steps already done.
  function marks(summary, steps) {
    const marked = new Map();
    for (const p of steps) {
      if (p.status === "Completed") marked.set(p.name, "done");
      if (p.status === "Compensated") marked.set("Undo" + p.name, "done");
      if (p.status === "Failed") marked.set(p.name, "failed");
    }
    const current = summary.state === "Executing" ? summary.currentStep
      : summary.state === "Compensating" ? (summary.currentStep && "Undo" + summary.currentStep)
      : summary.state;
    if (current) marked.set(current, "current");
    return marked;
  }

  async function showTypes() {
    const { types } = await get("types");
    const host = $("types");
    host.replaceChildren();
    for (const t of types) {
      const box = document.createElement("div");
      box.className = "type";
      const title = document.createElement("strong");
      title.textContent = t.type;
      box.append(title, document.createElement("br"));
      const all = document.createElement("button");
      all.type = "button";
      all.textContent = "all";
      all.addEventListener("click", () => list(t.type, {}));
      box.append(all);
      for (const [state, count] of Object.entries(t.counts)) {
        const b = document.createElement("button");
        b.type = "button";
        b.dataset.state = state;
        b.textContent = `${state}: ${count}`;
        b.addEventListener("click", () => list(t.type, { state }));
        box.append(b);
      }
      if (t.oldestRunning) {
        const oldest = document.createElement("p");
        oldest.textContent = `oldest running: ${t.oldestRunning.id}, since ${new Date(t.oldestRunning.startedAt).toLocaleString()}`;
        box.append(oldest);
      }
      host.append(box);
    }
    if (types.length === 1 && !current) await list(types[0].type, {});
  }

  async function list(type, query, append) {
    const form = $("filters");
    if (!append) {
      form.state.value = query.state || "";
      form.step.value = query.step || "";
    }
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v) params.set(k, v);
    if (append && current.after) params.set("after", current.after);
    const page = await get(`types/${encodeURIComponent(type)}/sagas?${params}`);
    current = { type, query, after: page.next };
    const body = $("sagas").tBodies[0];
    if (!append) body.replaceChildren();
    for (const s of page.items) {
      const row = body.insertRow();
      row.dataset.id = s.id;
      cell(row, s.id);
      cell(row, s.state, "state-" + s.state);
      cell(row, s.currentStep);
      cell(row, new Date(s.startedAt).toLocaleString());
      cell(row, s.reason);
      row.addEventListener("click", () => detail(type, s.id));
    }
    $("more").hidden = !page.next;
    $("list").hidden = false;
    say(`${body.rows.length} ${type} saga(s) shown`);
  }

  async function detail(type, id) {
    const { saga, diagram, traceUrl } = await get(`types/${encodeURIComponent(type)}/sagas/${encodeURIComponent(id)}`);
    const s = saga.summary;
    $("detail-title").textContent = `${type} ${s.id}`;
    const facts = $("detail-facts");
    facts.replaceChildren();
    for (const [k, v] of [["State", s.state], ["Current step", s.currentStep], ["Reason", s.reason], ["Started", s.startedAt], ["Ended", s.endedAt], ["Revision", saga.version], ["Trace", saga.traceId]]) {
      const dt = document.createElement("dt"); dt.textContent = k;
      const dd = document.createElement("dd"); dd.textContent = v ?? "";
      facts.append(dt, dd);
    }
    if (traceUrl && saga.traceId) {
      const link = document.createElement("a");
      link.href = traceUrl; // made by the server from its template and the id only
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      link.id = "trace-link";
      link.textContent = saga.traceId;
      facts.lastElementChild.replaceChildren(link);
    }
    const steps = $("steps").tBodies[0];
    steps.replaceChildren();
    for (const p of saga.steps) {
      const row = steps.insertRow();
      row.dataset.step = p.name;
      for (const v of [p.name, p.kind, p.status, p.attempt, p.lastError, p.dueAt]) cell(row, v);
      const actions = row.insertCell();
      if (p.status === "WaitingRetry" || p.status === "CompensationWaitingRetry") {
        const retry = document.createElement("button");
        retry.type = "button";
        retry.textContent = "Retry now";
        retry.addEventListener("click", () => act(type, s.id, `steps/${encodeURIComponent(p.name)}/retry`));
        actions.append(retry);
      }
    }
    const history = $("history");
    history.replaceChildren();
    for (const h of saga.history) {
      const li = document.createElement("li");
      li.textContent = `${h.at}  ${h.step}  ${h.kind}${h.attempt ? " #" + h.attempt : ""}${h.reason ? "  " + h.reason : ""}`;
      history.append(li);
    }
    $("diagram").textContent = diagram;
    drawDiagram($("drawing"), diagram, marks(s, saga.steps));
    $("resume").hidden = s.state !== "Faulted";
    $("compensate").hidden = s.state !== "Executing";
    $("resume").onclick = () => act(type, s.id, "resume");
    $("compensate").onclick = () => act(type, s.id, "compensate");
    $("detail").hidden = false;
    $("detail").dataset.id = s.id;
    $("detail").dataset.state = s.state;
  }

  async function act(type, id, action) {
    const note = $("note").value.trim();
    if (!note) { say("Write a note first: it is kept in the saga's history.", true); return; }
    antiforgery ??= await get("antiforgery");
    const response = await fetch(api(`types/${encodeURIComponent(type)}/sagas/${encodeURIComponent(id)}/${action}`), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", [antiforgery.headerName]: antiforgery.token, "Idempotency-Key": crypto.randomUUID() },
      body: JSON.stringify({ note }),
    });
    if (!response.ok) { say(await problem(response), true); return; }
    say(`${action} accepted for ${id}`);
    $("note").value = "";
    watch(type, id, $("detail").dataset.state);
  }

  // After an action, the saga is shown again every second until it leaves the state it was in and is at rest again
  // (or 30 s pass, or another saga is opened).
  function watch(type, id, before) {
    const until = Date.now() + 30000;
    const tick = async () => {
      if ($("detail").dataset.id !== id || Date.now() > until) return;
      try { await detail(type, id); } catch (e) { say(e.message, true); return; }
      const now = $("detail").dataset.state;
      if (now === before || now === "Executing" || now === "Compensating") { setTimeout(tick, 1000); return; }
      await showTypes(); // at rest in a new state: the counts and the list changed too
      if (current) await list(current.type, current.query);
    };
    setTimeout(tick, 500);
  }

  async function showDeadLetters(append) {
    const params = new URLSearchParams();
    if ($("dl-all").checked) params.set("all", "true");
    if (append && deadLettersAfter) params.set("after", deadLettersAfter);
    const page = await get(`dead-letters?${params}`);
    deadLettersAfter = page.next;
    const body = $("dead-letter-rows").tBodies[0];
    if (!append) body.replaceChildren();
    for (const d of page.items) {
      const row = body.insertRow();
      row.dataset.deadLetter = d.id;
      cell(row, new Date(d.at).toLocaleString());
      cell(row, d.queue);
      cell(row, d.eventType);
      cell(row, d.eventId);
      const reasons = cell(row, "");
      const list = document.createElement("ul");
      for (const r of d.reasons) { const li = document.createElement("li"); li.textContent = r; list.append(li); }
      reasons.append(list);
      const bodyCell = cell(row, "");
      const details = document.createElement("details");
      const summary = document.createElement("summary");
      summary.textContent = `${d.contentType}, ${d.body.length} chars`;
      const pre = document.createElement("pre");
      pre.textContent = d.body;
      details.append(summary, pre);
      bodyCell.append(details);
      const status = cell(row, d.resolution ? `${d.resolution.action} (${d.resolution.note})` : "", "resolution");
      if (!d.resolution) {
        for (const [label, action] of [["Redeliver", "redeliver"], ["Discard", "discard"]]) {
          const button = document.createElement("button");
          button.type = "button";
          button.textContent = label;
          button.dataset.action = action;
          button.addEventListener("click", () => resolve(d.id, action));
          status.append(button);
        }
      }
    }
    $("dl-more").hidden = !page.next;
    $("dead-letters").hidden = false;
    say(`${body.rows.length} dead letter(s) shown`);
  }

  async function resolve(id, action) {
    const note = $("dl-note").value.trim();
    if (!note) { say("Write a note first: it is kept with the dead letter.", true); return; }
    antiforgery ??= await get("antiforgery");
    const response = await fetch(api(`dead-letters/${encodeURIComponent(id)}/${action}`), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", [antiforgery.headerName]: antiforgery.token },
      body: JSON.stringify({ note }),
    });
    if (!response.ok) { say(await problem(response), true); return; }
    $("dl-note").value = "";
    await showDeadLetters(false);
    say(`${action} done for dead letter ${id}`);
  }

  $("show-dead-letters").addEventListener("click", () => showDeadLetters(false).catch((e) => say(e.message, true)));
  $("dl-all").addEventListener("change", () => showDeadLetters(false).catch((e) => say(e.message, true)));
  $("dl-more").addEventListener("click", () => showDeadLetters(true).catch((e) => say(e.message, true)));
  $("filters").addEventListener("submit", (e) => {
    e.preventDefault();
    if (!current) return;
    const f = e.target;
    if (f.id.value.trim()) { detail(current.type, f.id.value.trim()).catch((x) => say(x.message, true)); return; }
    const startedBefore = f.startedBefore.value ? new Date(f.startedBefore.value).toISOString() : "";
    list(current.type, { state: f.state.value, step: f.step.value.trim(), startedBefore }).catch((x) => say(x.message, true));
  });
  $("more").addEventListener("click", () => list(current.type, current.query, true).catch((x) => say(x.message, true)));
  showTypes().catch((e) => say(e.message, true));
})();
