// Reportes → Respuestas on the report shell (report_shell.js): cards (first responses, responses,
// median / p90 / average first response, average response time, each in calendar time and in
// business hours), the median first response over time with the number of first responses, the
// histogram of first response times, the per-agent table and the log of the conversations first
// answered in the period (docs/reports.md "Respuestas"). Times arrive in whole seconds.
(function () {
  "use strict";

  window.ReportShell.start((R) => {
    const { cfg, S, el, interpolate, sourceColour, fmtInt, fmtStamp, ANIMATION, navigate, withChanges,
      stateMessage, showMessage, slot, charts, destroyChart, legend, numbersTable, bucketLabel, narrowToBucket,
      pager, queryString, trendNode, fmtDuration } = R;
    const note = document.getElementById("business-note");

    // A time in calendar time, with its business-hours value beneath when business hours are on.
    function durationCell(duration, businessOn) {
      const cell = el("span", { className: "duration", dataset: { calendar: duration.calendar ?? "", business: duration.business ?? "" } },
        fmtDuration(duration.calendar));
      if (businessOn) cell.append(el("span", { className: "muted duration-business", title: S.business, text: fmtDuration(duration.business) }));
      return cell;
    }
    function countCard(key, label, figure, previousRange) {
      return el("li", { className: "card card-total", dataset: { metric: key } },
        el("p", { className: "card-label", text: label }),
        el("p", { className: "card-value", dataset: { value: figure.value }, text: fmtInt(figure.value) }),
        trendNode(figure, previousRange));
    }
    function timeCard(key, label, duration, previous, previousRange, businessOn, state) {
      const card = el("li", { className: "card card-total", dataset: { metric: key } }, el("p", { className: "card-label", text: label }));
      if (state !== "ok") {
        card.append(el("p", { className: "state-message", dataset: { state }, text: stateMessage({ state }) }));
        return card;
      }
      card.append(el("p", { className: "card-value card-duration", dataset: { value: duration.calendar }, text: fmtDuration(duration.calendar) }));
      if (businessOn) card.append(el("p", { className: "card-business", dataset: { business: duration.business } }, interpolate(S.inBusinessHours, { time: fmtDuration(duration.business) })));
      card.append(trendNode({ value: duration.calendar, previous: previous.calendar }, previousRange, { format: fmtDuration, lowerIsBetter: true }));
      return card;
    }
    function renderSummary(data) {
      note.hidden = !!data.business_hours;
      note.textContent = data.business_hours ? "" : S.businessOff;
      const message = stateMessage(data);
      if (message) { ["metrics", "pie", "agents"].forEach((name) => showMessage(name, message)); return; }
      const on = data.business_hours, range = data.previous_period;
      const frt = data.first_response_time, rt = data.response_time;
      slot("metrics").replaceChildren(el("ul", { className: "cards", role: "list" },
        countCard("first_responses", S.firstResponses, data.first_responses, range),
        countCard("responses", S.responses, data.responses, range),
        timeCard("median", S.median, frt.median, frt.previous.median, range, on, frt.state),
        timeCard("p90", S.p90, frt.p90, frt.previous.p90, range, on, frt.state),
        timeCard("average", S.average, frt.average, frt.previous.average, range, on, frt.state),
        timeCard("response_average", S.responseAverage, rt.average, rt.previous_average, range, on, rt.state)));
      renderHistogram(data.distribution, on, data.first_responses.value);
      renderAgents(data.agents, on);
    }
    function renderHistogram(bins, businessOn, total) {
      destroyChart("pie");
      if (!total) { showMessage("pie", S.noData); return; }
      const series = [{ key: "calendar", label: S.calendar }].concat(businessOn ? [{ key: "business", label: S.business }] : []);
      const canvas = el("canvas", { id: "histogram-chart", role: "img", "aria-label": S.histogramAria });
      const head = [S.bin].concat(series.map((s) => s.label));
      slot("pie").replaceChildren(...[el("div", { className: "chart-box" }, canvas),
        businessOn ? legend(series.map((s) => ({ source: s.key, label: s.label })), null) : null,
        numbersTable(S.tableHistogram, head, bins.map((b) => [b.label].concat(series.map((s) => fmtInt(b[s.key])))))].filter(Boolean));
      if (!window.Chart) return;
      charts.pie = new window.Chart(canvas, {
        type: "bar",
        data: { labels: bins.map((b) => b.label),
          datasets: series.map((s) => ({ label: s.label, data: bins.map((b) => b[s.key]), backgroundColor: sourceColour(s.key), borderWidth: 0, maxBarThickness: 28 })) },
        options: { responsive: true, maintainAspectRatio: false, animation: ANIMATION, interaction: { mode: "index", intersect: false },
          scales: { x: { grid: { display: false }, ticks: { maxRotation: 45, autoSkip: false, font: { size: 11 } } }, y: { beginAtZero: true, ticks: { precision: 0, callback: (v) => fmtInt(v) } } },
          plugins: { legend: { display: false } } },
      });
    }
    function renderAgents(rows, businessOn) {
      if (!rows.length) { showMessage("agents", S.noData); return; }
      const head = el("thead", {}, el("tr", {}, [S.agent, S.responses, S.firstResponses, S.median, S.average, S.responseAverage]
        .map((h, i) => el("th", { scope: "col", className: i ? "num" : "" }, h))));
      const body = el("tbody", {}, rows.map((row) => el("tr", { dataset: { user: row.user ? row.user.id : "" } },
        el("th", { scope: "row", className: "wrap" }, row.user
          ? el("button", { type: "button", className: "link-button", title: interpolate(S.cardFilter, { source: row.user.name }),
            onclick: () => navigate(withChanges({ agent: [String(row.user.id)] })) }, row.user.name)
          : el("span", { className: "muted", text: S.deletedUser })),
        el("td", { className: "num", dataset: { responses: row.responses } }, fmtInt(row.responses)),
        el("td", { className: "num", dataset: { firstResponses: row.first_responses } }, fmtInt(row.first_responses)),
        el("td", { className: "num" }, durationCell(row.first_response_median, businessOn)),
        el("td", { className: "num" }, durationCell(row.first_response_average, businessOn)),
        el("td", { className: "num" }, durationCell(row.response_average, businessOn)))));
      slot("agents").replaceChildren(el("div", { className: "table-scroll", tabindex: "0", "aria-labelledby": "agents-title" },
        el("table", { className: "data agents-table" }, head, body)));
    }
    function renderTimeseries(data) {
      // Times first (left axis), the count of first responses last (bars, right axis).
      R.renderSeriesChart(data, [{ label: S.medianSeries, colour: "calendar", kind: "time", value: (b) => b.median.calendar }]
        .concat(data.business_hours ? [{ label: S.medianBusinessSeries, colour: "business", kind: "time", value: (b) => b.median.business }] : [])
        .concat([{ label: S.countSeries, colour: "count", kind: "count", value: (b) => b.first_responses }]));
    }
    function renderLog(data) {
      const message = stateMessage(data);
      if (message) { showMessage("log", message); return; }
      const head = document.getElementById("log-head").content.cloneNode(true);
      const tbody = el("tbody", {}, (data.results || []).map((row) => el("tr", { dataset: { id: row.conversation_id } },
        el("td", { className: "col-timestamp" }, el("time", { datetime: row.first_response_at, text: fmtStamp(row.first_response_at) })),
        el("td", {}, String(row.conversation_id)),
        el("td", { className: "wrap" }, row.contact_name),
        el("td", { className: "wrap", text: row.channel ? row.channel.name : S.noChannel }),
        el("td", {}, el("time", { datetime: row.opened_at, text: fmtStamp(row.opened_at) })),
        el("td", { className: "wrap" }, el("button", { type: "button", className: "link-button", dataset: { agent: row.responder.id },
          title: interpolate(S.cardFilter, { source: row.responder.name }),
          onclick: () => navigate(withChanges({ agent: [String(row.responder.id)] })) }, row.responder.name)),
        el("td", { dataset: { seconds: row.first_response_seconds } }, fmtDuration(row.first_response_seconds)),
        el("td", { dataset: { seconds: row.first_response_business_seconds } }, fmtDuration(row.first_response_business_seconds)))));
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
