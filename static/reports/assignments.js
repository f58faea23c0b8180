// Reportes → Asignaciones on the report shell (report_shell.js): metric cards, stacked bars,
// pie and the log. Every component reads the report API (api.md) with the page's query string.
(function () {
  "use strict";

  window.ReportShell.start((R) => {
  const { cfg, S, el, interpolate, dot, sourceColour, fmtInt, fmtPct, fmtStamp, fmtRangeShort, trendFmt, ANIMATION,
    navigate, withChanges, stateMessage, showMessage, slot, charts, destroyChart, numbersTable, bucketLabel,
    filterButton, person, pager, contactName, queryString } = R;
  const sourceLabel = R.optionLabel.source;
  const filterLabel = Object.fromEntries(cfg.filters.map((f) => [f.param, f.label]));
  const legend = (items) => R.legend(items, narrowToSource);
  const narrowToBucket = (bucket, interval, range, source) => R.narrowToBucket(bucket, interval, range, source ? { source: [source] } : null);

  function narrowToSource(source) {
    navigate(withChanges({ source: [source] }));
  }

  function renderSummary(data) {
    const message = stateMessage(data);
    if (message) { showMessage("metrics", message); showMessage("pie", message); return; }
    renderMetrics(data);
    renderPie(data);
  }
  function trendNode(data) {
    const previous = data.previous_period;
    if (!previous) return null;
    const vs = interpolate(S.trendVs, { range: fmtRangeShort(previous.start, previous.end) });
    if (!previous.total) return el("p", { className: "trend" }, el("span", { className: "muted", text: S.trendNoPrevious }));
    const change = (data.total - previous.total) / previous.total;
    const direction = change > 0.0005 ? "up" : change < -0.0005 ? "down" : "same";
    const arrow = { up: "▲", down: "▼", same: "=" }[direction];
    const pct = trendFmt.format(Math.abs(change));
    const spoken = direction === "same" ? S.trendSame : interpolate(direction === "up" ? S.trendUp : S.trendDown, { pct });
    return el("p", { className: "trend trend-" + direction },
      el("span", { className: "trend-value", "aria-hidden": "true", text: arrow + " " + pct }),
      el("span", { className: "sr-only", text: spoken }),
      el("span", { className: "muted trend-vs", title: fmtInt(previous.total), text: vs + " (" + fmtInt(previous.total) + ")" }));
  }
  function renderMetrics(data) {
    const cards = el("ul", { className: "cards", role: "list" });
    cards.append(el("li", { className: "card card-total" },
      el("p", { className: "card-label", text: S.total }),
      el("p", { className: "card-value", dataset: { total: data.total }, text: fmtInt(data.total) }),
      trendNode(data)));
    data.by_source.forEach((row) => {
      cards.append(el("li", { className: "card card-source" }, el("button", {
        type: "button", className: "card-button", dataset: { source: row.source },
        title: interpolate(S.cardFilter, { source: row.label }),
        onclick: () => narrowToSource(row.source),
      },
      el("span", { className: "card-label" }, dot(row.source), row.label),
      el("span", { className: "card-value", dataset: { count: row.count }, text: fmtInt(row.count) }),
      el("span", { className: "card-percent", text: fmtPct(row.percent) }))));
    });
    slot("metrics").replaceChildren(cards);
  }

  function renderPie(data) {
    destroyChart("pie");
    const canvas = el("canvas", { id: "pie-chart", role: "img", "aria-label": S.pieAria });
    const rows = data.by_source;
    slot("pie").replaceChildren(
      el("div", { className: "chart-box chart-box-pie" }, canvas),
      legend(rows.map((r) => ({ source: r.source, label: r.label, extra: fmtInt(r.count) + " · " + fmtPct(r.percent) }))),
      numbersTable(S.tablePie, [filterLabel.source, S.count, S.percent],
        rows.map((r) => [r.label, fmtInt(r.count), fmtPct(r.percent)])));
    if (!window.Chart) return;
    charts.pie = new window.Chart(canvas, {
      type: "doughnut",
      data: {
        labels: rows.map((r) => r.label),
        datasets: [{ data: rows.map((r) => r.count), backgroundColor: rows.map((r) => sourceColour(r.source)), borderWidth: 1 }],
      },
      options: {
        responsive: true, maintainAspectRatio: false, cutout: "55%", animation: ANIMATION,
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: (ctx) => " " + rows[ctx.dataIndex].label + ": " + fmtInt(rows[ctx.dataIndex].count) + " (" + fmtPct(rows[ctx.dataIndex].percent) + ")" } },
        },
        onHover: (event, elements) => { event.native.target.classList.toggle("clickable", elements.length > 0); },
        onClick: (event, elements) => { if (elements.length) narrowToSource(rows[elements[0].index].source); },
      },
    });
    charts.pie.$sources = rows.map((r) => r.source);
  }

  function renderTimeseries(data) {
    destroyChart("bar");
    const message = stateMessage(data);
    if (message) { showMessage("bar", message); return; }
    const buckets = data.buckets || [];
    const interval = data.interval;
    const present = cfg.sources.map((s) => s.value).filter((source) => buckets.some((b) => (b.counts[source] || 0) > 0));
    const totals = Object.fromEntries(present.map((source) => [source, buckets.reduce((n, b) => n + (b.counts[source] || 0), 0)]));
    present.sort((a, b) => totals[b] - totals[a]);
    const intervalName = { hour: S.bucketHour, day: S.bucketDay, week: S.bucketWeek, month: S.bucketMonth }[interval] || interval;
    const canvas = el("canvas", { id: "bar-chart", role: "img", "aria-label": S.barAria });
    const head = [intervalName].concat(present.map((s) => sourceLabel[s]), [S.total]);
    const rows = buckets.map((b) => [
      el("button", { type: "button", className: "link-button", title: interpolate(S.narrowToBucket, { bucket: bucketLabel(b.start, interval, true) }),
        dataset: { bucket: b.start }, onclick: () => narrowToBucket(b, interval, data.range, null) }, bucketLabel(b.start, interval, true)),
    ].concat(present.map((s) => fmtInt(b.counts[s] || 0)), [fmtInt(b.total)]));
    slot("bar").replaceChildren(
      el("div", { className: "chart-box" }, canvas),
      legend(present.map((s) => ({ source: s, label: sourceLabel[s] }))),
      numbersTable(S.tableBar, head, rows));
    if (!window.Chart) return;
    charts.bar = new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: buckets.map((b) => bucketLabel(b.start, interval, false)),
        datasets: present.map((source) => ({
          label: sourceLabel[source], source, data: buckets.map((b) => b.counts[source] || 0),
          backgroundColor: sourceColour(source), borderWidth: 0, maxBarThickness: 48,
        })),
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: ANIMATION,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { stacked: true, grid: { display: false }, ticks: { autoSkip: true, maxRotation: 0 } },
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0, callback: (value) => fmtInt(value) } },
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            filter: (item) => item.raw > 0,
            callbacks: {
              title: (items) => (items.length ? bucketLabel(buckets[items[0].dataIndex].start, interval, true) : ""),
              label: (ctx) => " " + ctx.dataset.label + ": " + fmtInt(ctx.raw),
              footer: (items) => (items.length ? S.total + ": " + fmtInt(buckets[items[0].dataIndex].total) : ""),
            },
          },
        },
        onHover: (event, elements) => { event.native.target.classList.toggle("clickable", elements.length > 0); },
        onClick: (event) => {
          // The segment under the pointer: its source and its bucket's days.
          const hit = charts.bar.getElementsAtEventForMode(event, "point", { intersect: true }, false);
          if (hit.length) {
            narrowToBucket(buckets[hit[0].index], interval, data.range, present[hit[0].datasetIndex]);
            return;
          }
          const column = charts.bar.getElementsAtEventForMode(event, "index", { intersect: false }, false);
          if (column.length) narrowToBucket(buckets[column[0].index], interval, data.range, null);
        },
      },
    });
    charts.bar.$buckets = buckets;
  }

  function renderLog(data) {
    const message = stateMessage(data);
    if (message) { showMessage("log", message); return; }
    const head = document.getElementById("log-head").content.cloneNode(true);
    const tbody = el("tbody", {}, (data.results || []).map((row) => el("tr", { dataset: { id: row.id } },
      el("td", { className: "col-timestamp" }, el("time", { datetime: row.timestamp, text: fmtStamp(row.timestamp) })),
      el("td", {}, row.conversation_id ? filterButton("conversation", row.conversation_id) : S.empty),
      el("td", {}, filterButton("contact", row.contact_id)),
      el("td", { className: "wrap", text: row.contact_name || S.empty }),
      el("td", { className: "person", text: person(row.previous_assignee) }),
      el("td", { className: "person", text: person(row.new_assignee) }),
      el("td", { dataset: { source: row.source } }, dot(row.source), row.source_label || sourceLabel[row.source] || row.source),
      el("td", { className: "person", text: person(row.assigned_by) }))));
    (data.results || []).forEach((row) => (contactName[String(row.contact_id)] = contactName[String(row.contact_id)] || row.contact_name));
    const table = el("table", { className: "data log-table" }, head, tbody);
    slot("log").replaceChildren(el("div", { className: "table-scroll log-scroll", tabindex: "0", "aria-labelledby": "log-title" }, table), pager(data));
  }

  // The line under the cards: distinct contacts and conversations of the same events, in a
  // request of its own (counted on the events, so the cards never wait for it).
  function renderDistinct(data) {
    const message = stateMessage(data);
    const distinct = data.distinct || { contacts: 0, conversations: 0 };
    if (message) { slot("distinct").replaceChildren(); return; }
    const item = (key, label, value) => el("span", { className: "distinct-item", dataset: { distinct: key, value } },
      el("span", { className: "distinct-label", text: label + ": " }), el("strong", { text: fmtInt(value) }));
    slot("distinct").replaceChildren(el("p", { className: "distinct", title: S.distinctHelp },
      item("contacts", S.distinctContacts, distinct.contacts), " · ",
      item("conversations", S.distinctConversations, distinct.conversations)));
  }

  // "CSV" / "CSV para Excel" by the bar chart: the same period, filters and interval as the bars.
  function updateCsvLinks() {
    const qs = queryString(R.getState(), { page: false });
    document.querySelectorAll("[data-bar-csv]").forEach((link) => {
      const params = new URLSearchParams(qs);
      if ("excel" in link.dataset) params.set("excel", "true");
      link.setAttribute("href", cfg.api.timeseriesCsv + "?" + params.toString());
    });
  }

  return {
    distinct: { url: () => cfg.api.summary + "?" + queryString(R.getState(), { page: false, interval: false }) + "&include=distinct", slots: ["distinct"], render: renderDistinct },
    summary: { url: () => cfg.api.summary + "?" + queryString(R.getState(), { page: false, interval: false }), slots: ["metrics", "pie"], render: renderSummary },
    timeseries: { url: () => { updateCsvLinks(); return cfg.api.timeseries + "?" + queryString(R.getState(), { page: false }); }, slots: ["bar"], render: renderTimeseries },
    log: { url: () => cfg.api.log + "?" + queryString(R.getState(), { interval: false }) + "&page_size=" + cfg.pageSize, slots: ["log"], render: renderLog },
  };
  });
})();
