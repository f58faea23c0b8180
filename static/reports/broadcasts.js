// Reportes → Transmisiones on the report shell (report_shell.js): cards with their rates, the
// funnel (horizontal bars, with its numbers table), sends per bucket, failed and skipped
// recipients by reason, one row per broadcast and the log of the recipients
// (docs/reports.md "Transmisiones").
(function () {
  "use strict";

  window.ReportShell.start((R) => {
    const { cfg, S, el, interpolate, fmtInt, fmtStamp, navigate, withChanges, stateMessage, showMessage, slot,
      pager, queryString, trendNode, dot, charts, destroyChart, numbersTable, sourceColour, ANIMATION } = R;
    const CARDS = ["recipients", "sent", "delivered", "read", "replied", "failed", "skipped"];
    const COLUMNS = ["recipients", "sent", "delivered", "read", "replied", "failed", "skipped"];
    const labels = (text) => Object.fromEntries(text.split("|").map((pair) => pair.split("=")));
    const statusLabel = labels(S.statusLabels);
    const reasonLabel = labels(S.reasonLabels);
    const broadcastStatusLabel = labels(S.broadcastStatusLabels);
    const rateFmt = new Intl.NumberFormat(cfg.language === "en" ? "en" : "es", { style: "percent", maximumFractionDigits: 2 });
    const fmtRate = (rate) => (rate === null || rate === undefined ? S.empty : rateFmt.format(rate / 100));
    const rateText = (figure) => (figure.rate_of ? interpolate(figure.rate_of === "sent" ? S.rateOfSent : S.rateOfRecipients,
      { rate: fmtRate(figure.rate) }) : "");
    const colour = (key) => "bc_" + key;

    function card(figure, range) {
      const node = el("li", { className: "card card-total", dataset: { metric: figure.key } },
        el("p", { className: "card-label" }, dot(colour(figure.key)), figure.label),
        el("p", { className: "card-value", dataset: { value: figure.value }, text: fmtInt(figure.value) }));
      if (figure.rate_of) node.append(el("p", { className: "card-rate muted", dataset: { rate: figure.rate === null ? "" : figure.rate }, text: rateText(figure) }));
      node.append(trendNode(figure, range));
      return node;
    }
    function renderSummary(data) {
      const message = stateMessage(data);
      if (message) { ["metrics", "pie", "reasons", "per-broadcast"].forEach((name) => showMessage(name, message)); return; }
      const byKey = Object.fromEntries(data.counts.map((c) => [c.key, c]));
      slot("metrics").replaceChildren(el("ul", { className: "cards", role: "list" },
        CARDS.map((key) => card(byKey[key], data.previous_period))));
      renderFunnel(data.funnel);
      renderReasons(data.reasons);
      renderBroadcasts(data.broadcasts);
    }
    function renderFunnel(stages) {
      destroyChart("pie");
      const canvas = el("canvas", { id: "funnel-chart", role: "img", "aria-label": S.funnelAria });
      slot("pie").replaceChildren(el("div", { className: "chart-box chart-box-funnel" }, canvas),
        numbersTable(S.tableFunnel, [S.stage, S.count, S.rate], stages.map((s) => [s.label, fmtInt(s.value), s.rate_of ? rateText(s) : S.empty])));
      if (!window.Chart) return;
      charts.pie = new window.Chart(canvas, {
        type: "bar",
        data: { labels: stages.map((s) => s.label),
          datasets: [{ data: stages.map((s) => s.value), backgroundColor: stages.map((s) => sourceColour(colour(s.key))), borderWidth: 0, maxBarThickness: 28 }] },
        options: { indexAxis: "y", responsive: true, maintainAspectRatio: false, animation: ANIMATION,
          scales: { x: { beginAtZero: true, ticks: { precision: 0, maxTicksLimit: 5, callback: (v) => fmtInt(v) } }, y: { grid: { display: false } } },
          plugins: { legend: { display: false }, tooltip: { callbacks: { label: (item) => {
            const s = stages[item.dataIndex];
            return fmtInt(s.value) + (s.rate_of ? " · " + rateText(s) : "");
          } } } } },
      });
    }
    function table(className, labelledBy, head, rows) {
      return el("div", { className: "table-scroll", tabindex: "0", "aria-labelledby": labelledBy },
        el("table", { className: "data " + className },
          el("thead", {}, el("tr", {}, head.map((h, i) => el("th", { scope: "col", className: i >= head.numericFrom ? "num" : "" }, h)))),
          el("tbody", {}, rows)));
    }
    function renderReasons(rows) {
      if (!rows.length) { slot("reasons").replaceChildren(el("p", { className: "state-message", dataset: { state: "none" }, text: S.noFailures })); return; }
      const head = Object.assign([S.status, S.reason, S.count, S.percent], { numericFrom: 2 });
      slot("reasons").replaceChildren(table("reasons-table", "reasons-title", head, rows.map((r) =>
        el("tr", { dataset: { status: r.status, reason: r.reason } },
          el("td", {}, dot(colour(r.status)), el("button", { type: "button", className: "link-button",
            title: interpolate(S.cardFilter, { source: statusLabel[r.status] || r.status }),
            onclick: () => navigate(withChanges({ status: [r.status] })) }, statusLabel[r.status] || r.status)),
          el("td", { className: "wrap", text: r.label }),
          el("td", { className: "num", dataset: { count: r.count } }, fmtInt(r.count)),
          el("td", { className: "num" }, fmtRate(r.percent))))));
    }
    function renderBroadcasts(rows) {
      if (!rows.length) { showMessage("per-broadcast", S.noData); return; }
      const head = Object.assign([S.broadcast, S.channel, S.status, S.startedAt].concat(COLUMNS.map((k) => S["count_" + k])), { numericFrom: 4 });
      slot("per-broadcast").replaceChildren(table("broadcasts-table", "per-broadcast-title", head, rows.map((r) =>
        el("tr", { dataset: { broadcast: r.broadcast.id } },
          el("th", { scope: "row", className: "wrap" }, el("button", { type: "button", className: "link-button",
            title: interpolate(S.cardFilter, { source: r.broadcast.name }),
            onclick: () => navigate(withChanges({ broadcast: [String(r.broadcast.id)] })) }, r.broadcast.name),
            " ", el("a", { href: "/broadcasts/" + r.broadcast.id + "/", className: "muted", dataset: { detail: r.broadcast.id },
              title: S.openBroadcast, "aria-label": interpolate(S.openBroadcastNamed, { name: r.broadcast.name }) }, "↗")),
          el("td", { className: "wrap", text: r.channel.name }),
          el("td", { text: broadcastStatusLabel[r.status] || r.status }),
          el("td", { className: "col-timestamp" }, r.started_at ? el("time", { datetime: r.started_at, text: fmtStamp(r.started_at) }) : S.empty),
          ...COLUMNS.map((k) => el("td", { className: "num", dataset: { [k]: r.counts[k] },
            title: r.rates[k] !== undefined ? fmtRate(r.rates[k]) : null }, fmtInt(r.counts[k])))))));
    }
    function renderTimeseries(data) {
      R.renderSeriesChart(data, [
        { label: S.count_sent, colour: colour("sent"), kind: "count", value: (b) => b.counts.sent },
        { label: S.count_failed, colour: colour("failed"), kind: "count", value: (b) => b.counts.failed },
        { label: S.count_delivered, colour: colour("delivered"), kind: "count", type: "line", value: (b) => b.counts.delivered },
        { label: S.count_read, colour: colour("read"), kind: "count", type: "line", value: (b) => b.counts.read },
        { label: S.count_replied, colour: colour("replied"), kind: "count", type: "line", value: (b) => b.counts.replied },
      ]);
    }
    const stamp = (value) => el("td", { className: "col-timestamp" }, value ? el("time", { datetime: value, text: fmtStamp(value) }) : el("span", { className: "muted", text: S.empty }));
    function renderLog(data) {
      const message = stateMessage(data);
      if (message) { showMessage("log", message); return; }
      const head = document.getElementById("log-head").content.cloneNode(true);
      const tbody = el("tbody", {}, (data.results || []).map((row) => el("tr", { dataset: { id: row.id, status: row.status } },
        el("td", { className: "col-timestamp" }, el("time", { datetime: row.at, text: fmtStamp(row.at) })),
        el("td", { className: "wrap" }, row.broadcast.name),
        el("td", { className: "wrap" }, row.contact_name),
        el("td", {}, dot(colour(row.status)), statusLabel[row.status] || row.status),
        el("td", { className: "wrap", title: row.detail || null }, row.reason ? reasonLabel[row.reason] || row.reason : S.empty),
        stamp(row.sent_at), stamp(row.delivered_at), stamp(row.read_at), stamp(row.replied_at), stamp(row.failed_at))));
      slot("log").replaceChildren(el("div", { className: "table-scroll log-scroll", tabindex: "0", "aria-labelledby": "log-title" },
        el("table", { className: "data log-table" }, head, tbody)), pager(data));
    }
    return {
      summary: { url: () => cfg.api.summary + "?" + queryString(R.getState(), { page: false, interval: false }), slots: ["metrics", "pie", "reasons", "per-broadcast"], render: renderSummary },
      timeseries: { url: () => cfg.api.timeseries + "?" + queryString(R.getState(), { page: false }), slots: ["bar"], render: renderTimeseries },
      log: { url: () => cfg.api.log + "?" + queryString(R.getState(), { interval: false }) + "&page_size=" + cfg.pageSize, slots: ["log"], render: renderLog },
    };
  });
})();
