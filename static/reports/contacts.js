// Reportes → Contactos on the report shell (report_shell.js): cards (new, active, returning, first
// seen, with the trend), new contacts per bucket with the active and first seen contacts of each
// bucket, the doughnut and table of origins, the table of creation channels and the log of the
// period's new and returning contacts (docs/reports.md "Contactos").
(function () {
  "use strict";

  window.ReportShell.start((R) => {
    const { cfg, S, el, interpolate, dot, sourceColour, fmtInt, fmtPct, fmtStamp, ANIMATION, navigate, withChanges,
      stateMessage, showMessage, slot, charts, destroyChart, legend, pager, queryString, trendNode } = R;
    const CARDS = [["new", S.new], ["active", S.active], ["returning", S.returning], ["first_seen", S.firstSeen]];

    function renderSummary(data) {
      const message = stateMessage(data);
      if (message) { ["metrics", "pie", "channels"].forEach((name) => showMessage(name, message)); return; }
      slot("metrics").replaceChildren(el("ul", { className: "cards", role: "list" }, CARDS.map(([key, label]) =>
        el("li", { className: "card card-total", dataset: { metric: key } },
          el("p", { className: "card-label" }, dot(key), label),
          el("p", { className: "card-value", dataset: { value: data[key].value }, text: fmtInt(data[key].value) }),
          trendNode(data[key], data.previous_period)))));
      renderOrigins(data.origins);
      renderChannels(data.channels);
    }
    function countsTable(label, rows, name, pick) {
      const head = el("thead", {}, el("tr", {}, [label, S.new, S.active, S.returning].map((h, i) =>
        el("th", { scope: "col", className: i ? "num" : "" }, h))));
      const body = el("tbody", {}, rows.map((row) => el("tr", { dataset: { key: row.key } },
        el("th", { scope: "row", className: "wrap" }, row.dot ? dot(row.dot) : null, el("button", {
          type: "button", className: "link-button", title: interpolate(S.cardFilter, { source: row.label }),
          onclick: () => navigate(withChanges(pick(row))) }, row.label)),
        ...["new", "active", "returning"].map((k) => el("td", { className: "num", dataset: { [k]: row[k] } }, fmtInt(row[k]))))));
      return el("div", { className: "table-scroll", tabindex: "0", "aria-labelledby": name + "-title" },
        el("table", { className: "data counts-table" }, head, body));
    }
    function renderOrigins(rows) {
      destroyChart("pie");
      if (!rows.length) { showMessage("pie", S.noData); return; }
      const items = rows.map((r) => ({ key: r.origin, dot: r.origin, label: r.label, new: r.new, active: r.active, returning: r.returning }));
      const pick = (row) => ({ origin: [row.key] });
      const withNew = rows.filter((r) => r.new);
      const canvas = el("canvas", { id: "pie-chart", role: "img", "aria-label": S.pieAria });
      slot("pie").replaceChildren(
        withNew.length ? el("div", { className: "chart-box chart-box-pie" }, canvas) : el("span"),
        legend(withNew.map((r) => ({ source: r.origin, label: r.label, extra: fmtInt(r.new) + " · " + fmtPct(r.percent) })),
          (origin) => navigate(withChanges({ origin: [origin] }))),
        countsTable(S.origin, items, "pie", pick));
      if (!window.Chart || !withNew.length) return;
      charts.pie = new window.Chart(canvas, {
        type: "doughnut",
        data: { labels: withNew.map((r) => r.label), datasets: [{ data: withNew.map((r) => r.new), backgroundColor: withNew.map((r) => sourceColour(r.origin)), borderWidth: 1 }] },
        options: { responsive: true, maintainAspectRatio: false, cutout: "55%", animation: ANIMATION, plugins: { legend: { display: false } },
          onClick: (event, elements) => { if (elements.length) navigate(withChanges({ origin: [withNew[elements[0].index].origin] })); } },
      });
    }
    function renderChannels(rows) {
      if (!rows.length) { showMessage("channels", S.noData); return; }
      const items = rows.map((r) => ({ key: r.channel ? r.channel.id : "none", label: r.channel ? r.channel.name : S.noChannel,
        new: r.new, active: r.active, returning: r.returning }));
      slot("channels").replaceChildren(countsTable(S.channel, items, "channels", (row) => ({ channel: [String(row.key)] })));
    }
    function renderTimeseries(data) {
      R.renderSeriesChart(data, [
        { label: S.new, colour: "new", kind: "count", value: (b) => b.new },
        { label: S.active, colour: "active", kind: "count", type: "line", value: (b) => b.active },
        { label: S.firstSeen, colour: "first_seen", kind: "count", type: "line", value: (b) => b.first_seen },
      ]);
    }
    function renderLog(data) {
      const message = stateMessage(data);
      if (message) { showMessage("log", message); return; }
      const head = document.getElementById("log-head").content.cloneNode(true);
      const tbody = el("tbody", {}, (data.results || []).map((row) => el("tr", { dataset: { id: row.id, origin: row.origin, returning: row.returning } },
        el("td", { className: "col-timestamp" }, el("time", { datetime: row.created_at, text: fmtStamp(row.created_at) })),
        el("td", { className: "wrap" }, "#" + row.id + " " + row.name),
        el("td", {}, dot(row.origin), row.origin_label),
        el("td", { className: "wrap", text: row.channel ? row.channel.name : S.noChannel }),
        el("td", {}, row.first_seen_at ? el("time", { datetime: row.first_seen_at, text: fmtStamp(row.first_seen_at) })
          : el("span", { className: "muted", text: S.never })),
        el("td", { className: "wrap", text: row.assignee ? row.assignee.name : S.unassigned }),
        el("td", { className: "num", text: fmtInt(row.messages) }),
        el("td", { text: row.returning ? S.yes : S.no }))));
      slot("log").replaceChildren(el("div", { className: "table-scroll log-scroll", tabindex: "0", "aria-labelledby": "log-title" },
        el("table", { className: "data log-table" }, head, tbody)), pager(data));
    }
    return {
      summary: { url: () => cfg.api.summary + "?" + queryString(R.getState(), { page: false, interval: false }), slots: ["metrics", "pie", "channels"], render: renderSummary },
      timeseries: { url: () => cfg.api.timeseries + "?" + queryString(R.getState(), { page: false }), slots: ["bar"], render: renderTimeseries },
      log: { url: () => cfg.api.log + "?" + queryString(R.getState(), { interval: false }) + "&page_size=" + cfg.pageSize, slots: ["log"], render: renderLog },
    };
  });
})();
