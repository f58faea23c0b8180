// Reportes → Usuarios on the report shell (report_shell.js): cards (time online / away / offline and
// untracked), stacked bars of time per status, the current status of everyone (live: polled every
// cfg.livePollSeconds, paused while the tab is hidden), the per-agent and per-team tables and the
// timeline per day (docs/reports.md "Usuarios").
(function () {
  "use strict";

  window.ReportShell.start((R) => {
    const { cfg, S, el, interpolate, fmtDay, fmtDuration, navigate, withChanges, stateMessage, showMessage, slot,
      pager, queryString, trendNode, dot } = R;
    const STATUSES = ["online", "away", "offline"];
    const statusLabel = Object.fromEntries(S.statusLabels.split("|").map((pair) => pair.split("=")));
    const LOCALE = cfg.language === "en" ? "en" : "es";
    const clockFmt = new Intl.DateTimeFormat(LOCALE, { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: cfg.timezone });
    const sinceFmt = new Intl.DateTimeFormat(LOCALE, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: cfg.timezone });
    const pctFmt = new Intl.NumberFormat(LOCALE, { style: "percent", maximumFractionDigits: 1 });

    function agentButton(agent) {
      return el("button", { type: "button", className: "link-button", dataset: { agent: agent.id },
        title: interpolate(S.cardFilter, { source: agent.name }),
        onclick: () => navigate(withChanges({ agent: [String(agent.id)] })) }, agent.name);
    }
    function statusCell(status) {
      return el("td", { dataset: { status } }, dot(status), statusLabel[status] || status);
    }
    function table(className, labelledBy, headers, rows) {
      const head = el("thead", {}, el("tr", {}, headers.map((h) => el("th", { scope: "col", className: h.num ? "num" : "" }, h.text))));
      return el("div", { className: "table-scroll", tabindex: "0", "aria-labelledby": labelledBy },
        el("table", { className: "data " + className }, head, el("tbody", {}, rows)));
    }
    const secondsCell = (seconds, key) => el("td", { className: "num", dataset: { [key]: seconds } }, fmtDuration(seconds));

    // ------------------------------------------------------------ summary: cards and tables
    function card(key, label, value, previous, range) {
      return el("li", { className: "card card-total", dataset: { metric: key } },
        el("p", { className: "card-label" }, dot(key), label),
        el("p", { className: "card-value", dataset: { value }, text: fmtDuration(value) }),
        previous === null ? el("p", { className: "muted", text: S.untrackedHelp })
          : trendNode({ value, previous }, range, { format: fmtDuration }));
    }
    function renderSummary(data) {
      pollLive();
      const message = stateMessage(data);
      if (message) { ["metrics", "agents", "teams"].forEach((name) => showMessage(name, message)); return; }
      slot("metrics").replaceChildren(el("ul", { className: "cards", role: "list" },
        ...data.statuses.map((f) => card(f.status, f.label, f.value, f.previous, data.previous_period)),
        card("untracked", S.untracked, data.untracked_seconds, null, data.previous_period)));
      renderAgents(data.agents);
      renderTeams(data);
    }
    function renderAgents(rows) {
      if (!rows.length) { showMessage("agents", S.noData); return; }
      slot("agents").replaceChildren(table("agents-table", "agents-title",
        [{ text: S.agent }, { text: S.status }].concat(STATUSES.map((s) => ({ text: statusLabel[s], num: true })),
          [{ text: S.untracked, num: true }, { text: S.onlineShare, num: true }]),
        rows.map((row) => el("tr", { dataset: { agent: row.agent.id } },
          el("th", { scope: "row", className: "wrap" }, agentButton(row.agent)),
          statusCell(row.status),
          secondsCell(row.online_seconds, "online"), secondsCell(row.away_seconds, "away"),
          secondsCell(row.offline_seconds, "offline"), secondsCell(row.untracked_seconds, "untracked"),
          el("td", { className: "num", text: row.online_share === null ? S.empty : pctFmt.format(row.online_share / 100) })))));
    }
    function renderTeams(data) {
      if (data.teams_state !== "ok") { showMessage("teams", stateMessage({ state: data.teams_state }) || S.noData); return; }
      slot("teams").replaceChildren(table("teams-table", "teams-title",
        [{ text: S.team }, { text: S.agents, num: true }].concat(STATUSES.map((s) => ({ text: statusLabel[s], num: true })),
          [{ text: S.untracked, num: true }]),
        data.teams.map((row) => el("tr", { dataset: { team: row.team.id } },
          el("th", { scope: "row", className: "wrap" }, el("button", { type: "button", className: "link-button",
            title: interpolate(S.cardFilter, { source: row.team.name }),
            onclick: () => navigate(withChanges({ team: [String(row.team.id)] })) }, row.team.name)),
          el("td", { className: "num", text: String(row.agents) }),
          secondsCell(row.online_seconds, "online"), secondsCell(row.away_seconds, "away"),
          secondsCell(row.offline_seconds, "offline"), secondsCell(row.untracked_seconds, "untracked")))));
    }

    // ------------------------------------------------------------ live: the current status
    let liveTimer = null, liveController = null;
    async function loadLive() {
      if (liveController) liveController.abort();
      const controller = (liveController = new AbortController());
      slot("pie").setAttribute("aria-busy", "true");
      try {
        const response = await fetch(cfg.api.live + "?" + queryString(R.getState(), { page: false, interval: false }),
          { headers: { Accept: "application/json" }, credentials: "same-origin", signal: controller.signal });
        const data = await response.json();
        if (!response.ok) throw new Error(data && data.message ? data.message : interpolate(S.errorStatus, { status: response.status }));
        renderLive(data);
      } catch (error) {
        if (error.name === "AbortError") return;
        slot("pie").replaceChildren(el("div", { className: "component-error", role: "alert" },
          el("p", { className: "error-title", text: S.errorTitle }), el("p", { text: error.message || S.errorNetwork }),
          el("button", { type: "button", className: "btn", dataset: { action: "retry" }, text: S.retry, onclick: pollLive })));
      } finally {
        if (liveController === controller) slot("pie").setAttribute("aria-busy", "false");
      }
    }
    function renderLive(data) {
      const counts = el("ul", { className: "live-counts", role: "list" },
        STATUSES.map((s) => el("li", { dataset: { count: s, value: data.counts[s] } }, dot(s), statusLabel[s] + ": " + data.counts[s])));
      const updated = el("p", { className: "muted", id: "live-updated", dataset: { at: data.generated_at } },
        interpolate(S.liveUpdated, { time: clockFmt.format(new Date(data.generated_at)) }));
      const rows = data.agents.map((row) => el("tr", { dataset: { agent: row.agent.id, status: row.status } },
        el("th", { scope: "row", className: "wrap" }, row.agent.name),
        statusCell(row.status),
        el("td", { text: row.since ? sinceFmt.format(new Date(row.since)) : S.never }),
        el("td", { className: "num", dataset: { conversations: row.conversations }, text: String(row.conversations) })));
      slot("pie").replaceChildren(el("div", { className: "live-head" }, counts, updated),
        rows.length ? table("live-table", "pie-title", [{ text: S.agent }, { text: S.status }, { text: S.since }, { text: S.conversations, num: true }], rows)
          : el("p", { className: "state-message", dataset: { state: "no_data" }, text: S.noData }));
    }
    // Poll while the tab is visible; a hidden tab stops (no requests), a visible one asks at once.
    function pollLive() {
      clearInterval(liveTimer);
      liveTimer = null;
      if (document.hidden) return;
      loadLive();
      liveTimer = setInterval(loadLive, (cfg.livePollSeconds || 15) * 1000);
    }
    document.addEventListener("visibilitychange", () => {
      if (document.hidden) {
        clearInterval(liveTimer);
        liveTimer = null;
        if (liveController) liveController.abort();
      } else {
        pollLive();
      }
    });

    // ------------------------------------------------------------ bars
    function renderTimeseries(data) {
      R.renderSeriesChart(data, STATUSES.map((s) => ({
        label: statusLabel[s], colour: s, kind: "time", type: "bar", stack: "status", value: (b) => b[s + "_seconds"],
      })));
    }

    // ------------------------------------------------------------ timeline per day
    // Segments placed on the local day [day_start, day_end) (23, 24 or 25 real hours).
    function timelineBar(row) {
      const origin = Date.parse(row.day_start), span = Math.max(Date.parse(row.day_end) - origin, 1);
      const bar = el("div", { className: "day-timeline", role: "img" });
      const parts = row.segments.map((segment) => {
        const a = Date.parse(segment.start), b = Date.parse(segment.end);
        const text = interpolate(S.segment, { status: statusLabel[segment.status], from: clockFmt.format(new Date(a)), to: clockFmt.format(new Date(b)) });
        const piece = el("span", { className: "src-" + segment.status, dataset: { status: segment.status }, title: text });
        // Through the CSSOM: the Content Security Policy refuses inline style attributes.
        piece.style.setProperty("--x", (100 * (a - origin) / span).toFixed(3));
        piece.style.setProperty("--w", (100 * (b - a) / span).toFixed(3));
        bar.append(piece);
        return text;
      });
      bar.setAttribute("aria-label", parts.join(", ") || S.untracked);
      return bar;
    }
    function renderLog(data) {
      const message = stateMessage(data);
      if (message) { showMessage("log", message); return; }
      const head = document.getElementById("log-head").content.cloneNode(true);
      const tbody = el("tbody", {}, (data.results || []).map((row) => el("tr", { dataset: { day: row.day, agent: row.agent.id } },
        el("td", { className: "col-timestamp" }, el("time", { datetime: row.day, text: fmtDay(row.day) })),
        el("td", { className: "wrap" }, agentButton(row.agent)),
        secondsCell(row.online_seconds, "online"), secondsCell(row.away_seconds, "away"), secondsCell(row.offline_seconds, "offline"),
        el("td", { className: "num", text: String(row.changes) }),
        el("td", {}, timelineBar(row)))));
      slot("log").replaceChildren(el("div", { className: "table-scroll log-scroll", tabindex: "0", "aria-labelledby": "log-title" },
        el("table", { className: "data log-table" }, head, tbody)), pager(data));
    }
    // Every component of one view is read as of the same instant (cards = bars = tables = the
    // timeline to the second); a new period or filter takes a new instant, a page of the log not.
    let asOfKey = null, asOf = null;
    function asOfParam() {
      const key = queryString(R.getState(), { page: false });
      if (key !== asOfKey) { asOfKey = key; asOf = new Date().toISOString(); }
      return "&as_of=" + encodeURIComponent(asOf);
    }
    return {
      summary: { url: () => cfg.api.summary + "?" + queryString(R.getState(), { page: false, interval: false }) + asOfParam(), slots: ["metrics", "agents", "teams"], render: renderSummary },
      timeseries: { url: () => cfg.api.timeseries + "?" + queryString(R.getState(), { page: false }) + asOfParam(), slots: ["bar"], render: renderTimeseries },
      log: { url: () => cfg.api.log + "?" + queryString(R.getState(), { interval: false }) + "&page_size=" + cfg.pageSize + asOfParam(), slots: ["log"], render: renderLog },
    };
  });
})();
