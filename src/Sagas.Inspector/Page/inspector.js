// The saga inspector page: plain DOM, no framework, no inline script (the page is served with a strict CSP).
// Every value from the API is written with textContent, never as HTML.
"use strict";
(() => {
  const base = location.pathname.replace(/\/?$/, "/");
  const api = (path) => base + "api/" + path;
  const $ = (id) => document.getElementById(id);
  let current = null; // { type, after, query }
  let antiforgery = null;

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
    const { saga, diagram } = await get(`types/${encodeURIComponent(type)}/sagas/${encodeURIComponent(id)}`);
    const s = saga.summary;
    $("detail-title").textContent = `${type} ${s.id}`;
    const facts = $("detail-facts");
    facts.replaceChildren();
    for (const [k, v] of [["State", s.state], ["Current step", s.currentStep], ["Reason", s.reason], ["Started", s.startedAt], ["Ended", s.endedAt], ["Revision", saga.version]]) {
      const dt = document.createElement("dt"); dt.textContent = k;
      const dd = document.createElement("dd"); dd.textContent = v ?? "";
      facts.append(dt, dd);
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
    setTimeout(() => detail(type, id).catch((e) => say(e.message, true)), 500);
  }

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
