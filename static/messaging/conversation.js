// Mensajes: poll the open conversation for new messages every few seconds (no websocket).
// The page passes {messagesUrl, lastMessageId, pollSeconds} with json_script (strict CSP).
(function () {
  const dataEl = document.getElementById("conversation-poll");
  const list = document.getElementById("message-list");
  if (!dataEl || !list) return;
  const config = JSON.parse(dataEl.textContent);
  let lastId = config.lastMessageId || 0;
  let failures = 0;

  function scrollToEnd() {
    list.scrollTop = list.scrollHeight;
  }

  // "2026-11-24T10:30:05-06:00", already in the workspace timezone → "24 nov 2026 10:30"
  // ("Nov 24, 2026 10:30" in English), the app's date format (templates/_datetime.html).
  // The day is formatted in UTC so that the browser's own timezone cannot move it.
  const dayFormat = new Intl.DateTimeFormat(document.documentElement.lang || "es", {
    day: "numeric", month: "short", year: "numeric", timeZone: "UTC",
  });
  function formatTime(iso) {
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso || "");
    if (!m) return "";
    return `${dayFormat.format(new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])))} ${m[4]}:${m[5]}`;
  }

  function render(message) {
    if (list.querySelector(`[data-message-id="${message.id}"]`)) return;
    const empty = list.querySelector(".message-empty");
    if (empty) empty.remove();
    const item = document.createElement("li");
    item.className = `message message-${message.direction}`;
    item.dataset.messageId = String(message.id);
    const text = document.createElement("div");
    text.className = "message-text";
    text.textContent = message.text;
    const meta = document.createElement("div");
    meta.className = "message-meta";
    if (message.direction === "out" && message.author) {
      meta.append(`${message.author.name} · `);
    }
    const time = document.createElement("time");
    time.dateTime = message.created_at;
    time.textContent = formatTime(message.created_at);
    meta.append(time);
    item.append(text, meta);
    list.append(item);
  }

  async function poll() {
    try {
      const url = `${config.messagesUrl}?after=${encodeURIComponent(lastId)}&page_size=100`;
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (response.status === 404 || response.status === 401 || response.status === 403) {
        return; // reassigned away, logged out or removed: stop polling.
      }
      if (response.ok) {
        const body = await response.json();
        const nearEnd = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
        for (const message of body.results) {
          render(message);
          lastId = Math.max(lastId, message.id);
        }
        if (body.results.length && nearEnd) scrollToEnd();
        failures = 0;
      } else {
        failures += 1;
      }
    } catch (error) {
      failures += 1;
    }
    // Back off when the server is unreachable, up to a minute.
    const delay = Math.min(60, (config.pollSeconds || 5) * 2 ** Math.min(failures, 4));
    window.setTimeout(poll, delay * 1000);
  }

  scrollToEnd();
  window.setTimeout(poll, (config.pollSeconds || 5) * 1000);

  // Ctrl/Cmd + Enter sends the reply.
  const reply = document.getElementById("reply-text");
  if (reply) {
    reply.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        reply.form.requestSubmit();
      }
    });
  }
})();
