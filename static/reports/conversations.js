// Reportes → Conversaciones on the report shell (report_shell.js): cards (opened, closed, open at
// period end, with the trend), opened vs closed bars, the pie of opening sources, closing sources
// and the log of the conversations opened in the period (docs/reports.md "Conversaciones").
(function () {
  "use strict";

  window.ReportShell.start((R) => {
    const { cfg, S, el, interpolate, dot, sourceColour, fmtInt, fmtPct, fmtStamp, fmtRangeShort, trendFmt, ANIMATION,
      navigate, withChanges, stateMessage, showMessage, slot, charts, destroyChart, legend, numbersTable, bucketLabel,
      narrowToBucket, filterButton, person, pager, queryString, trendNode } = R;
    const SERIES = [{ key: "opened", label: S.opened }, { key: "closed", label: S.closed }];

    function shareCards(rows, param) {
      return rows.map((row) => el("li", { className: "card card-source" }, el("button", {
        type: "button", className: "card-button", dataset: { source: row.source, param },
        title: interpolate(S.cardFilter, { source: row.label }),
        onclick: () => navigate(withChanges({ [param]: [row.source] })),
      }, el("span", { className: "card-label" }, dot(row.source), row.label),
      el("span", { className: "card-value", dataset: { count: row.count }, text: fmtInt(row.count) }),
      el("span", { className: "card-percent", text: fmtPct(row.percent) }))));
    }
    function renderSummary(data) {
      const message = stateMessage(data);
      if (message) { showMessage("metrics", message); showMessage("pie", message); return; }
      const cards = el("ul", { className: "cards", role: "list" });
      data.metrics.forEach((metric) => {
        if (metric.state === "not_applicable") {
          cards.append(el("li", { className: "card card-total", dataset: { metric: metric.key } },
            el("p", { className: "card-label", text: metric.label }),
            el("p", { className: "state-message", dataset: { state: "not_applicable" }, text: S.notApplicable })));
          return;
        }
        cards.append(el("li", { className: "card card-total", dataset: { metric: metric.key } },
          el("p", { className: "card-label", text: metric.label }),
          el("p", { className: "card-value", dataset: { value: metric.value }, text: fmtInt(metric.value) }),
          trendNode(metric, data.previous_period)));
      });
      const opened = el("ul", { className: "cards", role: "list", "aria-label": S.openedBySource }, shareCards(data.opened_by_source, "opening_source"));
      const closed = el("ul", { className: "cards", role: "list", "aria-label": S.closedBySource }, shareCards(data.closed_by_source, "closing_source"));
      slot("metrics").replaceChildren(cards,
        el("h3", { className: "cards-title", text: S.openedBySource }), opened,
        el("h3", { className: "cards-title", text: S.closedBySource }), closed);
      renderPie(data.opened_by_source);
    }
    function renderPie(rows) {
      destroyChart("pie");
      if (!rows.length) { showMessage("pie", S.noData); return; }
      const canvas = el("canvas", { id: "pie-chart", role: "img", "aria-label": S.pieAria });
      slot("pie").replaceChildren(el("div", { className: "chart-box chart-box-pie" }, canvas),
        legend(rows.map((r) => ({ source: r.source, label: r.label, extra: fmtInt(r.count) + " · " + fmtPct(r.percent) })),
          (source) => navigate(withChanges({ opening_source: [source] }))),
        numbersTable(S.tablePie, [S.source, S.count, S.percent], rows.map((r) => [r.label, fmtInt(r.count), fmtPct(r.percent)])));
      if (!window.Chart) return;
      charts.pie = new window.Chart(canvas, {
        type: "doughnut",
        data: { labels: rows.map((r) => r.label), datasets: [{ data: rows.map((r) => r.count), backgroundColor: rows.map((r) => sourceColour(r.source)), borderWidth: 1 }] },
        options: { responsive: true, maintainAspectRatio: false, cutout: "55%", animation: ANIMATION, plugins: { legend: { display: false } },
          onClick: (event, elements) => { if (elements.length) navigate(withChanges({ opening_source: [rows[elements[0].index].source] })); } },
      });
    }
    function renderTimeseries(data) {
      R.renderSeriesChart(data, [
        { label: S.opened, colour: "opened", kind: "count", value: (b) => b.opened },
        { label: S.closed, colour: "closed", kind: "count", value: (b) => b.closed },
      ]);
    }
    function byWhom(value) {
      if (!value) return S.empty;
      return value.user ? value.label + " · " + (value.user.name || "#" + value.user.id) : value.label;
    }
    function renderLog(data) {
      const message = stateMessage(data);
      if (message) { showMessage("log", message); return; }
      const head = document.getElementById("log-head").content.cloneNode(true);
      const tbody = el("tbody", {}, (data.results || []).map((row) => el("tr", { dataset: { id: row.conversation_id } },
        el("td", { className: "col-timestamp" }, el("time", { datetime: row.opened_at, text: fmtStamp(row.opened_at) })),
        el("td", {}, String(row.conversation_id)),
        el("td", { className: "wrap" }, filterButton("contact", row.contact_id), " ", row.contact_name),
        el("td", { className: "wrap", text: row.channel ? row.channel.name : S.noChannel }),
        el("td", { dataset: { source: row.opened_by.source } }, dot(row.opened_by.source), byWhom(row.opened_by)),
        el("td", {}, row.closed_at ? el("time", { datetime: row.closed_at, text: fmtStamp(row.closed_at) }) : S.empty),
        el("td", { dataset: { source: row.closed_by ? row.closed_by.source : "" } }, row.closed_by ? dot(row.closed_by.source) : null, byWhom(row.closed_by)),
        el("td", { className: "wrap", text: person(row.assignee) }),
        el("td", { className: "wrap", text: row.closing_note || S.empty }))));
      (data.results || []).forEach((row) => (R.contactName[String(row.contact_id)] = R.contactName[String(row.contact_id)] || row.contact_name));
      slot("log").replaceChildren(el("div", { className: "table-scroll log-scroll", tabindex: "0", "aria-labelledby": "log-title" },
        el("table", { className: "data log-table" }, head, tbody)), pager(data));
    }
    return {
      summary: { url: () => cfg.api.summary + "?" + queryString(R.getState(), { page: false, interval: false }), slots: ["metrics", "pie"], render: renderSummary },
      timeseries: { url: () => cfg.api.timeseries + "?" + queryString(R.getState(), { page: false }), slots: ["bar"], render: renderTimeseries },
      log: { url: () => cfg.api.log + "?" + queryString(R.getState(), { interval: false }) + "&page_size=" + cfg.pageSize, slots: ["log"], render: renderLog },
    };
  });
})();
