"""Reportes → Mensajes in a real browser, on the demo workspace made through the real services:
the cards, the stacked bars, the heat map and the log agree; a filter changes them; Spanish and
English; desktop and phone widths (the phone page is loaded at 390 px, not resized).
Screenshots in artifacts/."""

import pytest

from accounts.models import Workspace
from tests.browser import reports

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


SLOTS = ['metrics', 'bar', 'pie', 'heatmap', 'log']

SNAPSHOT = """() => {
  const value = (key) => Number(document.querySelector(`#metrics-body [data-metric=${key}] [data-value]`)?.dataset.value ?? -1);
  const bar = Chart.getChart('bar-chart');
  const sum = (a) => a.reduce((x, y) => x + (y || 0), 0);
  const barSum = (stack) => bar ? sum(bar.data.datasets.filter((d) => d.stack === stack).map((d) => sum(d.data))) : -1;
  const cells = (sel, attr) => sum([...document.querySelectorAll(sel)].map((e) => Number(e.dataset[attr])));
  const summary = document.getElementById('log-summary');
  return {
    received: value('received'), sent: value('sent'), failed: value('failed'),
    channelsFailed: cells('#pie-body td[data-failed]', 'failed'),
    logFailed: document.querySelectorAll('#log-body td[data-delivery=failed] .delivery-failed').length,
    kinds: ['user', 'workflow', 'bot', 'api', 'broadcast'].map((k) => value('sent_' + k)),
    barReceived: barSum('received'), barSent: barSum('sent'), stacked: bar ? !!bar.options.scales.x.stacked : false,
    heat: cells('#heatmap-body td[data-count]', 'count'), heatCells: document.querySelectorAll('#heatmap-body td[data-count]').length,
    channelsReceived: cells('#pie-body td[data-received]', 'received'), channelsSent: cells('#pie-body td[data-sent]', 'sent'),
    logCount: summary ? Number(summary.dataset.count) : -1,
    title: document.getElementById('report-title').textContent,
    scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
  };
}"""




def settle(page):
    return reports.settle(page, SLOTS, SNAPSHOT)


def agree(snap):
    assert snap["received"] == snap["barReceived"] == snap["heat"] == snap["channelsReceived"], snap
    assert snap["sent"] == snap["barSent"] == sum(snap["kinds"]) == snap["channelsSent"], snap
    assert snap["logCount"] == min(snap["received"] + snap["sent"], 10000), snap
    assert snap["heatCells"] == 7 * 24 and snap["stacked"], snap
    assert 0 <= snap["failed"] == snap["channelsFailed"] <= snap["sent"], snap


@pytest.mark.parametrize("language, title", [("es", "Mensajes"), ("en", "Messages")])
def test_messages_report_in_the_browser(demo, live_server, chromium, artifacts_dir, language, title):
    Workspace.objects.filter(pk=demo.pk).update(language=language)
    context, page, problems = reports.owner_page(chromium, live_server)
    page.goto(f"{live_server.url}/reports/messages/?period=last_30_days")

    month = settle(page)
    assert month["title"] == title
    assert month["received"] > 0 and month["sent"] > 0, month
    # the demo's channels reported a few failures: the card, the table's column and the log show them
    assert month["failed"] >= 3, month
    agree(month)
    assert month["logFailed"] >= 1, month  # the newest channel messages failed (seed_demo)
    page.screenshot(path=str(artifacts_dir / f"messages-{language}.png"), full_page=True)

    # Clicking a channel in the table narrows the report to it.
    page.click("#pie-body tbody tr .link-button >> nth=0")
    page.wait_for_function("() => new URLSearchParams(location.search).get('channel')")
    one = settle(page)
    agree(one)
    assert one["received"] + one["sent"] <= month["received"] + month["sent"]

    # Direction "out": received cannot match, the heat map is empty.
    page.goto(f"{live_server.url}/reports/messages/?period=last_30_days&direction=out")
    out = settle(page)
    assert out["received"] == 0 and out["sent"] == month["sent"], out

    # Only a person's messages.
    page.goto(f"{live_server.url}/reports/messages/?period=last_30_days&sender_kind=user")
    users = settle(page)
    assert users["sent"] == month["kinds"][0], users
    storage = context.storage_state()
    context.close()

    # Phone width, loaded at 390 px: nothing wider than the screen.
    phone_context, phone_page, phone_problems = reports.owner_page(chromium, live_server, viewport=reports.PHONE,
                                                                   storage_state=storage)
    phone_page.goto(f"{live_server.url}/reports/messages/?period=last_30_days")
    phone = settle(phone_page)
    agree(phone)
    phone_page.screenshot(path=str(artifacts_dir / f"messages-{language}-phone.png"), full_page=True)
    reports.assert_fits_the_screen(phone_page, phone)
    assert not problems and not phone_problems, problems + phone_problems
    phone_context.close()
