"""Reportes → Mensajes in a real browser, on the demo workspace made through the real services:
the cards, the stacked bars, the heat map and the log agree; a filter changes them; Spanish and
English; desktop and phone widths (the phone page is loaded at 390 px, not resized).
Screenshots in artifacts/."""

import pytest
from django.core.management import call_command

from accounts.models import Workspace

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

OWNER, PASSWORD = "ana@demo.example", "demo1234"

SETTLED = """() => ['metrics', 'bar', 'pie', 'heatmap', 'log'].every(
    (name) => document.getElementById(name + '-body').getAttribute('aria-busy') === 'false')"""

SNAPSHOT = """() => {
  const value = (key) => Number(document.querySelector(`#metrics-body [data-metric=${key}] [data-value]`)?.dataset.value ?? -1);
  const bar = Chart.getChart('bar-chart');
  const sum = (a) => a.reduce((x, y) => x + (y || 0), 0);
  const barSum = (stack) => bar ? sum(bar.data.datasets.filter((d) => d.stack === stack).map((d) => sum(d.data))) : -1;
  const cells = (sel, attr) => sum([...document.querySelectorAll(sel)].map((e) => Number(e.dataset[attr])));
  const summary = document.getElementById('log-summary');
  return {
    received: value('received'), sent: value('sent'),
    kinds: ['user', 'workflow', 'bot', 'api', 'broadcast'].map((k) => value('sent_' + k)),
    barReceived: barSum('received'), barSent: barSum('sent'), stacked: bar ? !!bar.options.scales.x.stacked : false,
    heat: cells('#heatmap-body td[data-count]', 'count'), heatCells: document.querySelectorAll('#heatmap-body td[data-count]').length,
    channelsReceived: cells('#pie-body td[data-received]', 'received'), channelsSent: cells('#pie-body td[data-sent]', 'sent'),
    logCount: summary ? Number(summary.dataset.count) : -1,
    title: document.getElementById('report-title').textContent,
    scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
  };
}"""

WIDE = """() => [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > innerWidth + 1
    && !e.closest('.table-scroll, .report-menu, .chart-box')).slice(0, 5)
    .map((e) => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


@pytest.fixture
def demo(db):
    call_command("seed_demo", "--contacts", "40", "--events", "300", "--days", "30", "--seed", "5")
    return Workspace.objects.get(name="Demo Tienda")


def settle(page):
    page.wait_for_function(SETTLED)
    return page.evaluate(SNAPSHOT)


def agree(snap):
    assert snap["received"] == snap["barReceived"] == snap["heat"] == snap["channelsReceived"], snap
    assert snap["sent"] == snap["barSent"] == sum(snap["kinds"]) == snap["channelsSent"], snap
    assert snap["logCount"] == min(snap["received"] + snap["sent"], 10000), snap
    assert snap["heatCells"] == 7 * 24 and snap["stacked"], snap


def login(context, live_server):
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", OWNER)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    return page


@pytest.mark.parametrize("language, title", [("es", "Mensajes"), ("en", "Messages")])
def test_messages_report_in_the_browser(demo, live_server, chromium, artifacts_dir, language, title):
    Workspace.objects.filter(pk=demo.pk).update(language=language)
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, reduced_motion="reduce")
    page = login(context, live_server)
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{live_server.url}/reports/messages/?period=last_30_days")

    month = settle(page)
    assert month["title"] == title
    assert month["received"] > 0 and month["sent"] > 0, month
    agree(month)
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
    phone_context = chromium.new_context(viewport={"width": 390, "height": 844}, reduced_motion="reduce",
                                         storage_state=storage)
    phone_page = phone_context.new_page()
    phone_page.on("pageerror", lambda error: problems.append(str(error)))
    phone_page.goto(f"{live_server.url}/reports/messages/?period=last_30_days")
    phone = settle(phone_page)
    agree(phone)
    phone_page.screenshot(path=str(artifacts_dir / f"messages-{language}-phone.png"), full_page=True)
    assert phone["scrollWidth"] <= phone["innerWidth"], (phone, phone_page.evaluate(WIDE))
    assert not problems, problems
    phone_context.close()
