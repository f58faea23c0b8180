// Reportes → Resoluciones on the report shell (report_shell.js): cards (resolved, first-contact
// resolution, reopened; median / p90 / average resolution time in calendar time and in business
// hours), resolved per bucket with their median time, the pie of closing sources, the per-agent
// table and the log of the conversations resolved in the period (docs/reports.md "Resoluciones").
// Times arrive in whole seconds.
(function () {
  "use strict";

  window.ReportShell.start((R) => {
    const { cfg, S, el, interpolate, dot, sourceColour, fmtInt, fmtPct, fmtStamp, ANIMATION, navigate, withChanges,
      stateMessage, showMessage, slot, charts, destroyChart, legend, numbersTable, bucketLabel, narrowToBucket,
      filterButton, person, pager, queryString, trendNode, fmtDuration } = R;
    const note = document.getElementById("business-note");
    const fmtRate = (value) => (value === null || value === undefined ? S.empty : fmtPct(value));

    function metricCard(metric, range, options) {
      const opts = options || {};
      const card = el("li", { className: "card card-total", dataset: { metric: metric.key } },
        el("p", { className: "card-label", text: metric.label }));
      if (metric.state !== "ok") {
        card.append(el("p", { className: "state-message", dataset: { state: metric.state }, text: stateMessage(metric) }));
        return card;
      }
      const format = metric.unit === "seconds" ? fmtDuration : metric.unit === "percent" ? fmtRate : fmtInt;
      card.append(el("p", { className: "card-value", dataset: { value: metric.value }, text: format(metric.value) }));
      if (opts.detail) card.append(el("p", { className: "card-business", text: opts.detail }));
      if (metric.previous !== null) card.append(trendNode(metric, range, { format, lowerIsBetter: opts.lowerIsBetter }));
      return card;
    }
    function renderSummary(data) {
      note.hidden = !!data.business_hours;
      note.textContent = data.business_hours ? "" : S.businessOff;
      const message = stateMessage(data);
      if (message) { ["metrics", "pie", "agents"].forEach((name) => showMessage(name, message)); return; }
      const m = Object.fromEntries(data.metrics.map((metric) => [metric.key, metric]));
      const range = data.previous_period, on = data.business_hours;
      const of = (key) => interpolate(S.ofResolved, { count: fmtInt(m[key].value), total: fmtInt(m.resolved.value) });
      const timeCard = (key) => metricCard(m[key], range, { lowerIsBetter: true,
        detail: on && m["business_" + key].state === "ok" ? interpolate(S.inBusinessHours, { value: fmtDuration(m["business_" + key].value) }) : null });
      slot("metrics").replaceChildren(
        el("ul", { className: "cards", role: "list" },
          metricCard(m.resolved, range),
          metricCard(m.fcr_rate, range, { detail: of("fcr") }),
          metricCard(m.reopened, range, { lowerIsBetter: true, detail: fmtRate(m.reopened_rate.value) })),
        el("h3", { className: "cards-title", text: S.times }),
        el("ul", { className: "cards", role: "list", "aria-label": S.times }, timeCard("median"), timeCard("p90"), timeCard("average")));
      renderPie(data.by_closing_source);
      renderAgents(data.agents, on);
    }
    function renderPie(rows) {
      destroyChart("pie");
      if (!rows.length) { showMessage("pie", S.noData); return; }
      const pick = (source) => navigate(withChanges({ closing_source: [source] }));
      const canvas = el("canvas", { id: "pie-chart", role: "img", "aria-label": S.pieAria });
      slot("pie").replaceChildren(el("div", { className: "chart-box chart-box-pie" }, canvas),
        legend(rows.map((r) => ({ source: r.source, label: r.label, extra: fmtInt(r.count) + " · " + fmtPct(r.percent) })), pick),
        numbersTable(S.tablePie, [S.source, S.count, S.percent], rows.map((r) => [r.label, fmtInt(r.count), fmtPct(r.percent)])));
      if (!window.Chart) return;
      charts.pie = new window.Chart(canvas, {
        type: "doughnut",
        data: { labels: rows.map((r) => r.label), datasets: [{ data: rows.map((r) => r.count), backgroundColor: rows.map((r) => sourceColour(r.source)), borderWidth: 1 }] },
        options: { responsive: true, maintainAspectRatio: false, cutout: "55%", animation: ANIMATION, plugins: { legend: { display: false } },
          onClick: (event, elements) => { if (elements.length) pick(rows[elements[0].index].source); } },
      });
    }
    function durationCell(calendar, business, businessOn) {
      const cell = el("span", { className: "duration", dataset: { calendar: calendar ?? "", business: business ?? "" } }, fmtDuration(calendar));
      if (businessOn) cell.append(el("span", { className: "muted duration-business", text: fmtDuration(business) }));
      return cell;
    }
    function renderAgents(rows, businessOn) {
      if (!rows.length) { showMessage("agents", S.noData); return; }
      const head = el("thead", {}, el("tr", {}, [S.agent, S.resolved, S.median, S.average, S.fcrRate, S.reopened]
        .map((h, i) => el("th", { scope: "col", className: i ? "num" : "" }, h))));
      const body = el("tbody", {}, rows.map((row) => el("tr", { dataset: { user: row.assignee ? row.assignee.id : "none" } },
        el("th", { scope: "row", className: "wrap" }, el("button", { type: "button", className: "link-button",
          title: interpolate(S.cardFilter, { source: row.assignee ? row.assignee.name : S.unassigned }),
          onclick: () => navigate(withChanges({ assignee: [row.assignee ? String(row.assignee.id) : "none"] })) },
        row.assignee ? row.assignee.name : S.unassigned)),
        el("td", { className: "num", dataset: { resolved: row.resolved } }, fmtInt(row.resolved)),
        el("td", { className: "num" }, durationCell(row.median_seconds, row.business_median_seconds, businessOn)),
        el("td", { className: "num" }, durationCell(row.average_seconds, row.business_average_seconds, businessOn)),
        el("td", { className: "num", title: interpolate(S.ofResolved, { count: fmtInt(row.fcr), total: fmtInt(row.resolved) }) }, fmtRate(row.fcr_rate)),
        el("td", { className: "num" }, fmtInt(row.reopened)))));
      slot("agents").replaceChildren(el("div", { className: "table-scroll", tabindex: "0", "aria-labelledby": "agents-title" },
        el("table", { className: "data agents-table" }, head, body)));
    }
    function renderTimeseries(data) {
      R.renderSeriesChart(data, [
        { label: S.resolved, colour: "count", kind: "count", value: (b) => b.resolved },
        { label: S.medianLine, colour: "calendar", kind: "time", value: (b) => b.median_seconds },
        { label: S.businessMedian, colour: "business", kind: "time", value: (b) => b.business_median_seconds },
      ]);
    }
    function closedBy(value) {
      return value.user ? value.label + " · " + (value.user.name || "#" + value.user.id) : value.label;
    }
    function renderLog(data) {
      const message = stateMessage(data);
      if (message) { showMessage("log", message); return; }
      const head = document.getElementById("log-head").content.cloneNode(true);
      const yesNo = (flag) => (flag ? S.yes : S.no);
      const tbody = el("tbody", {}, (data.results || []).map((row) => el("tr", { dataset: { id: row.conversation_id } },
        el("td", { className: "col-timestamp" }, el("time", { datetime: row.closed_at, text: fmtStamp(row.closed_at) })),
        el("td", {}, String(row.conversation_id)),
        el("td", { className: "wrap", text: row.contact_name }),
        el("td", { className: "wrap", text: row.channel ? row.channel.name : S.noChannel }),
        el("td", {}, row.opened_at ? el("time", { datetime: row.opened_at, text: fmtStamp(row.opened_at) }) : S.empty),
        el("td", { dataset: { source: row.closed_by.source } }, dot(row.closed_by.source), closedBy(row.closed_by)),
        el("td", { className: "wrap" }, row.assignee ? filterButton("assignee", row.assignee.id) : null, " ", person(row.assignee)),
        el("td", { dataset: { seconds: row.resolution_seconds ?? "" } }, fmtDuration(row.resolution_seconds)),
        el("td", { dataset: { seconds: row.business_seconds ?? "" } }, fmtDuration(row.business_seconds)),
        el("td", {}, fmtInt(row.assignments)),
        el("td", { dataset: { fcr: row.fcr } }, yesNo(row.fcr)),
        el("td", { dataset: { reopened: row.reopened } }, yesNo(row.reopened)),
        el("td", { className: "wrap", text: row.closing_note || S.empty }))));
      slot("log").replaceChildren(el("div", { className: "table-scroll log-scroll", tabindex: "0", "aria-labelledby": "log-title" },
        el("table", { className: "data log-table" }, head, tbody)), pager(data));
    }
    return {
      summary: { url: () => cfg.api.summary + "?" + queryString(R.getState(), { page: false, interval: false }), slots: ["metrics", "pie", "agents"], render: renderSummary },
      timeseries: { url: () => cfg.api.timeseries + "?" + queryString(R.getState(), { page: false }), slots: ["bar"], render: renderTimeseries },
      log: { url: () => cfg.api.log + "?" + queryString(R.getState(), { interval: false }) + "&page_size=" + cfg.pageSize, slots: ["log"], render: renderLog },
    };
  });
})();
