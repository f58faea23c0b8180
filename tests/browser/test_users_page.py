"""Reportes → Usuarios in a real browser, on the demo workspace (status history made through
``agent_status_set``): the cards, the stacked bars, the per-agent table and the timeline per day
agree; the current-status table follows a status changed through the service without a reload;
Spanish and English; desktop and phone widths (the phone page is loaded at 390 px, not resized).
Screenshots in artifacts/."""

import pytest

from accounts.models import User, Workspace
from presence.services import agent_status_set
from tests.browser import reports

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SLOTS = ["metrics", "bar", "pie", "agents", "teams", "log"]

SNAPSHOT = """() => {
  const value = (key) => Number(document.querySelector(`#metrics-body [data-metric=${key}] [data-value]`)?.dataset.value ?? -1);
  const bar = Chart.getChart('bar-chart');
  const sum = (a) => a.reduce((x, y) => x + (y || 0), 0);
  const barSum = (label) => bar ? sum(bar.data.datasets.filter((d) => d.label === label).map((d) => sum(d.data))) : -1;
  const cells = (sel, attr) => sum([...document.querySelectorAll(sel)].map((e) => Number(e.dataset[attr])));
  const summary = document.getElementById('log-summary');
  const labels = bar ? bar.data.datasets.map((d) => d.label) : [];
  return {
    online: value('online'), away: value('away'), offline: value('offline'),
    barOnline: labels.length ? barSum(labels[0]) : -1, barAway: labels.length ? barSum(labels[1]) : -1,
    barOffline: labels.length ? barSum(labels[2]) : -1, stacked: bar ? !!bar.options.scales.x.stacked : false,
    agentsOnline: cells('#agents-body td[data-online]', 'online'), agentsAway: cells('#agents-body td[data-away]', 'away'),
    liveRows: document.querySelectorAll('#pie-body tr[data-agent]').length,
    logCount: summary ? Number(summary.dataset.count) : -1,
    segments: document.querySelectorAll('#log-body .day-timeline span').length,
    title: document.getElementById('report-title').textContent,
    scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
  };
}"""


def settle(page):
    return reports.settle(page, SLOTS, SNAPSHOT)


def agree(snap):
    assert snap["online"] == snap["barOnline"] == snap["agentsOnline"] > 0, snap
    assert snap["away"] == snap["barAway"] == snap["agentsAway"], snap
    assert snap["offline"] == snap["barOffline"], snap
    assert snap["stacked"] and snap["liveRows"] > 0 and snap["logCount"] > 0 and snap["segments"] > 0, snap


def live_status(luis) -> str:
    return f"() => document.querySelector('#pie-body tr[data-agent=\"{luis.pk}\"]')?.dataset.status"


def test_users_report_in_the_browser(demo, live_server, chromium, artifacts_dir, settings):
    settings.USERS_LIVE_POLL_SECONDS = 2
    luis = User.objects.get(email="luis@demo.example")
    context, page, problems = reports.owner_page(chromium, live_server)
    page.goto(f"{live_server.url}/reports/users/?period=last_7_days")

    week = settle(page)
    assert week["title"] == "Usuarios"
    agree(week)
    page.screenshot(path=str(artifacts_dir / "users-es.png"), full_page=True)

    # The current status follows a change made through the service, without a reload (the page
    # polls the live endpoint; every 2 s here instead of 15 s to keep the test quick).
    before = page.evaluate(live_status(luis))
    target = "away" if before != "away" else "online"
    page.evaluate("() => { window.__noReload = true; }")
    agent_status_set(workspace=demo, user=luis, status=target, source="api")
    page.wait_for_function(live_status(luis) + f" === '{target}'", timeout=15_000)
    assert page.evaluate("() => window.__noReload") is True

    # Clicking an agent narrows the report to them.
    page.click(f"#agents-body tr[data-agent='{luis.pk}'] .link-button")
    page.wait_for_function(f"() => new URLSearchParams(location.search).get('agent') === '{luis.pk}'")
    one = settle(page)
    assert one["liveRows"] == 1 and one["online"] <= week["online"], one

    # English.
    Workspace.objects.filter(pk=demo.pk).update(language="en")
    page.goto(f"{live_server.url}/reports/users/?period=last_7_days")
    english = settle(page)
    assert english["title"] == "Users"
    agree(english)
    page.screenshot(path=str(artifacts_dir / "users-en.png"), full_page=True)
    storage = context.storage_state()
    context.close()

    # Phone width, loaded at 390 px: nothing wider than the screen (in English, then Spanish).
    for language in ("en", "es"):
        Workspace.objects.filter(pk=demo.pk).update(language=language)
        phone_context, phone_page, phone_problems = reports.owner_page(chromium, live_server, viewport=reports.PHONE,
                                                                       storage_state=storage)
        phone_page.goto(f"{live_server.url}/reports/users/?period=last_7_days")
        phone = settle(phone_page)
        agree(phone)
        phone_page.screenshot(path=str(artifacts_dir / f"users-{language}-phone.png"), full_page=True)
        reports.assert_fits_the_screen(phone_page, phone)
        problems += phone_problems
        phone_context.close()
    assert not problems, problems
