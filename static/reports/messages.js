// Reportes → Mensajes on the report shell (report_shell.js): cards (received, sent, failed, sent by
// sender kind), the per-channel table (with its failed messages), stacked bars per bucket (received; sent stacked by sender kind),
// the busiest hours of received messages (weekday × hour in the workspace timezone, an HTML table
// with its numbers) and the log of the messages (docs/reports.md "Mensajes").
(function () {
  "use strict";

  window.ReportShell.start((R) => {
    const { cfg, S, el, interpolate, fmtInt, fmtStamp, navigate, withChanges, stateMessage, showMessage, slot,
      pager, queryString, trendNode, dot } = R;
    const SENT = ["user", "workflow", "bot", "api", "broadcast"];
    const senderLabel = Object.fromEntries(S.senderLabels.split("|").map((pair) => pair.split("=")));
    const deliveryLabel = Object.fromEntries(S.deliveryLabels.split("|").map((pair) => pair.split("=")));
    const weekdays = S.weekdays.split("|");

    function card(key, label, figure, previousRange, sourceKey) {
      const node = el("li", { className: "card card-total", dataset: { metric: key } },
        el("p", { className: "card-label" }, sourceKey ? dot(sourceKey) : null, label));
      if (figure.state === "not_applicable") {
        node.append(el("p", { className: "state-message", dataset: { state: "not_applicable" }, text: S.notApplicable }));
        return node;
      }
      node.append(el("p", { className: "card-value", dataset: { value: figure.value }, text: fmtInt(figure.value) }),
        trendNode(figure, previousRange));
      return node;
    }
    function renderSummary(data) {
      const message = stateMessage(data);
      if (message) { ["metrics", "pie", "heatmap"].forEach((name) => showMessage(name, message)); return; }
      const range = data.previous_period;
      slot("metrics").replaceChildren(el("ul", { className: "cards", role: "list" },
        card("received", S.received, data.received, range, "contact"),
        card("sent", S.sent, data.sent, range),
        card("failed", S.failed, data.failed, range),
        ...data.sent_by_kind.map((k) => card("sent_" + k.kind, k.label, { state: data.sent.state, value: k.value, previous: k.previous }, range, k.kind))));
      renderChannels(data.channels);
      renderHeatmap(data.heatmap);
    }
    function renderChannels(rows) {
      if (!rows.length) { showMessage("pie", S.noData); return; }
      const head = el("thead", {}, el("tr", {}, [S.channel, S.received, S.sent, S.failed].map((h, i) => el("th", { scope: "col", className: i ? "num" : "" }, h))));
      const body = el("tbody", {}, rows.map((row) => el("tr", { dataset: { channel: row.channel ? row.channel.id : "none" } },
        el("th", { scope: "row", className: "wrap" }, el("button", { type: "button", className: "link-button",
          title: interpolate(S.cardFilter, { source: row.channel ? row.channel.name : S.noChannel }),
          onclick: () => navigate(withChanges({ channel: [row.channel ? String(row.channel.id) : "none"] })) },
        row.channel ? row.channel.name : S.noChannel)),
        el("td", { className: "num", dataset: { received: row.received } }, fmtInt(row.received)),
        el("td", { className: "num", dataset: { sent: row.sent } }, fmtInt(row.sent)),
        el("td", { className: "num" + (row.failed ? " delivery-failed" : ""), dataset: { failed: row.failed } }, fmtInt(row.failed)))));
      slot("pie").replaceChildren(el("div", { className: "table-scroll", tabindex: "0", "aria-labelledby": "pie-title" },
        el("table", { className: "data channels-table" }, head, body)));
    }
    function renderHeatmap(map) {
      if (map.state !== "ok") { showMessage("heatmap", stateMessage(map) || S.noData); return; }
      const max = Math.max(1, ...map.cells.flat());
      const hours = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, "0"));
      const head = el("thead", {}, el("tr", {}, el("th", { scope: "col", text: S.weekday }),
        ...hours.map((h) => el("th", { scope: "col", className: "num", text: h }))));
      const body = el("tbody", {}, map.cells.map((row, d) => el("tr", { dataset: { weekday: d + 1 } },
        el("th", { scope: "row", text: weekdays[d] }),
        ...row.map((n, h) => {
          const cell = el("td", {
            className: "num heat" + (n ? "" : " heat-zero") + (n / max > 0.55 ? " heat-strong" : ""), dataset: { hour: h, count: n },
            title: interpolate(S.heatmapCell, { day: weekdays[d], hour: hours[h] + ":00", count: fmtInt(n) }),
          }, fmtInt(n));
          // Through the CSSOM: the Content Security Policy refuses inline style attributes.
          if (n) cell.style.setProperty("--heat", (0.12 + 0.88 * n / max).toFixed(3));
          return cell;
        }))));
      slot("heatmap").replaceChildren(el("div", { className: "table-scroll", tabindex: "0", "aria-labelledby": "heatmap-title" },
        el("table", { className: "data heatmap-table" }, el("caption", { className: "muted", text: interpolate(S.heatmapCaption, { timezone: map.timezone }) }), head, body)));
    }
    function renderTimeseries(data) {
      R.renderSeriesChart(data, [{ label: S.received, colour: "contact", kind: "count", stack: "received", value: (b) => b.received }]
        .concat(SENT.map((k) => ({ label: interpolate(S.sentBy, { kind: senderLabel[k] }), colour: k, kind: "count", stack: "sent", value: (b) => b.sent_by_kind[k] }))));
    }
    function deliveryCell(row) {
      if (!row.delivery_status) return el("td", { dataset: { delivery: "" } }, el("span", { className: "muted", text: S.noAuthor }));
      const failed = row.delivery_status === "failed";
      return el("td", { className: "wrap", dataset: { delivery: row.delivery_status } },
        el("span", { className: "delivery delivery-" + row.delivery_status, text: deliveryLabel[row.delivery_status] || row.delivery_status }),
        failed && row.delivery_error ? el("span", { className: "delivery-error", text: " · " + row.delivery_error }) : null);
    }
    function renderLog(data) {
      const message = stateMessage(data);
      if (message) { showMessage("log", message); return; }
      const head = document.getElementById("log-head").content.cloneNode(true);
      const tbody = el("tbody", {}, (data.results || []).map((row) => el("tr", { dataset: { id: row.id, direction: row.direction, sender: row.sender_kind } },
        el("td", { className: "col-timestamp" }, el("time", { datetime: row.created_at, text: fmtStamp(row.created_at) })),
        el("td", {}, String(row.conversation_id)),
        el("td", { className: "wrap" }, row.contact_name),
        el("td", { className: "wrap", text: row.channel ? row.channel.name : S.noChannel }),
        el("td", { text: S[row.direction] }),
        el("td", {}, dot(row.sender_kind), senderLabel[row.sender_kind] || row.sender_kind),
        el("td", { className: "wrap" }, row.author
          ? el("button", { type: "button", className: "link-button", dataset: { agent: row.author.id },
            title: interpolate(S.cardFilter, { source: row.author.name }),
            onclick: () => navigate(withChanges({ agent: [String(row.author.id)] })) }, row.author.name)
          : el("span", { className: "muted", text: S.noAuthor })),
        deliveryCell(row))));
      slot("log").replaceChildren(el("div", { className: "table-scroll log-scroll", tabindex: "0", "aria-labelledby": "log-title" },
        el("table", { className: "data log-table" }, head, tbody)), pager(data));
    }
    return {
      summary: { url: () => cfg.api.summary + "?" + queryString(R.getState(), { page: false, interval: false }), slots: ["metrics", "pie", "heatmap"], render: renderSummary },
      timeseries: { url: () => cfg.api.timeseries + "?" + queryString(R.getState(), { page: false }), slots: ["bar"], render: renderTimeseries },
      log: { url: () => cfg.api.log + "?" + queryString(R.getState(), { interval: false }) + "&page_size=" + cfg.pageSize, slots: ["log"], render: renderLog },
    };
  });
})();
