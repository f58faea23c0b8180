"""Reportes → Contactos in a real browser, on the demo workspace made through the real services:
the cards, the bars, the origin and channel tables and the log agree; a filter changes them;
Spanish and English; desktop and phone widths (the phone page is loaded at 390 px, not resized).
Screenshots in artifacts/."""

import pytest

from accounts.models import Workspace
from tests.browser import reports

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SLOTS = ["metrics", "bar", "pie", "channels", "log"]

SNAPSHOT = """() => {
  const value = (key) => Number(document.querySelector(`#metrics-body [data-metric=${key}] [data-value]`)?.dataset.value ?? -1);
  const bar = Chart.getChart('bar-chart');
  const sum = (a) => a.reduce((x, y) => x + (y || 0), 0);
  const series = (i) => bar ? bar.data.datasets[i].data : [];
  const cells = (sel, attr) => sum([...document.querySelectorAll(sel)].map((e) => Number(e.dataset[attr])));
  const summary = document.getElementById('log-summary');
  return {
    new: value('new'), active: value('active'), returning: value('returning'), firstSeen: value('first_seen'),
    barNew: sum(series(0)), barActiveMax: Math.max(0, ...series(1)), barFirstSeen: sum(series(2)),
    originsNew: cells('#pie-body td[data-new]', 'new'), originsActive: cells('#pie-body td[data-active]', 'active'),
    channelsNew: cells('#channels-body td[data-new]', 'new'),
    channelsReturning: cells('#channels-body td[data-returning]', 'returning'),
    logCount: summary ? Number(summary.dataset.count) : -1,
    title: document.getElementById('report-title').textContent,
    scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
  };
}"""


def settle(page):
    return reports.settle(page, SLOTS, SNAPSHOT)


def agree(snap):
    assert snap["new"] == snap["barNew"] == snap["originsNew"] == snap["channelsNew"], snap
    assert snap["firstSeen"] == snap["barFirstSeen"], snap
    assert snap["active"] == snap["originsActive"] and snap["barActiveMax"] <= snap["active"], snap
    assert snap["returning"] == snap["channelsReturning"], snap
    assert snap["logCount"] == min(snap["new"] + snap["returning"], 10000), snap


@pytest.mark.parametrize("language, title", [("es", "Contactos"), ("en", "Contacts")])
def test_contacts_report_in_the_browser(demo, live_server, chromium, artifacts_dir, language, title):
    Workspace.objects.filter(pk=demo.pk).update(language=language)
    context, page, problems = reports.owner_page(chromium, live_server)
    page.goto(f"{live_server.url}/reports/contacts/?period=last_30_days")

    month = settle(page)
    assert month["title"] == title
    assert month["new"] > 0 and month["active"] > 0 and month["returning"] > 0, month
    agree(month)
    page.screenshot(path=str(artifacts_dir / f"contacts-{language}.png"), full_page=True)

    # Clicking an origin in the table narrows the report to it.
    page.click("#pie-body tbody tr .link-button >> nth=0")
    page.wait_for_function("() => new URLSearchParams(location.search).get('origin')")
    one = settle(page)
    agree(one)
    assert one["new"] <= month["new"] and one["active"] <= month["active"], one

    # Agregar filtro → Creado por → Importación.
    page.goto(f"{live_server.url}/reports/contacts/?period=last_30_days")
    settle(page)
    reports.add_filter(page, "origin", "import")
    imported = settle(page)
    agree(imported)
    assert imported["new"] < month["new"], imported
    storage = context.storage_state()
    context.close()

    # Phone width, loaded at 390 px: nothing wider than the screen.
    phone_context, phone_page, phone_problems = reports.owner_page(chromium, live_server, viewport=reports.PHONE,
                                                                   storage_state=storage)
    phone_page.goto(f"{live_server.url}/reports/contacts/?period=last_30_days")
    phone = settle(phone_page)
    agree(phone)
    phone_page.screenshot(path=str(artifacts_dir / f"contacts-{language}-phone.png"), full_page=True)
    reports.assert_fits_the_screen(phone_page, phone)
    assert not problems and not phone_problems, problems + phone_problems
    phone_context.close()
