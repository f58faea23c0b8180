"""Reportes → Tabla de Clasificación in a real browser, on the demo workspace made through the
real services: the cards add up the board's rows, the chart shows the best-ranked rows' values,
a column header sorts the board (and the URL keeps it); Spanish at 1366 px, English loaded at
390 px (not resized). Screenshots in artifacts/."""

import pytest

from accounts.models import Workspace
from tests.browser import reports

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SLOTS = ["metrics", "bar", "log"]

SNAPSHOT = """() => {
  const card = (key) => Number(document.querySelector(`#metrics-body [data-metric=${key}] [data-value]`)?.dataset.value ?? -1);
  const column = (key) => [...document.querySelectorAll(`#log-body td[data-column=${key}]`)].map((e) => e.dataset.value === '' ? null : Number(e.dataset.value));
  const sum = (a) => a.reduce((x, y) => x + (y || 0), 0);
  const bar = Chart.getChart('bar-chart');
  const ranks = [...document.querySelectorAll('#log-body td[data-rank]')].map((e) => Number(e.dataset.rank));
  const counts = {};
  for (const key of ['assigned', 'closed', 'messages_sent', 'online_seconds']) counts[key] = [card(key), sum(column(key))];
  return {
    counts, ranks, closedColumn: column('closed'), messages: column('messages_sent'),
    chart: bar ? bar.data.datasets[0].data : null,
    rows: document.querySelectorAll('#log-body tbody tr').length,
    logCount: Number(document.getElementById('log-summary')?.dataset.count ?? -1),
    title: document.getElementById('report-title').textContent,
    header: document.querySelector('#log-body th[aria-sort]')?.textContent,
    scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
  };
}"""


def settle(page):
    return reports.settle(page, SLOTS, SNAPSHOT)


def agree(snap):
    for key, (card, rows) in snap["counts"].items():
        # Time online runs up to each request's own "now": the summary and the board may be
        # fetched a second or two apart while someone is online.
        assert card == rows if key != "online_seconds" else abs(card - rows) <= 5, (key, snap)
    assert snap["rows"] == snap["logCount"] > 0, snap


def test_leaderboard_in_the_browser(demo, live_server, chromium, artifacts_dir):
    context, page, problems = reports.owner_page(chromium, live_server)
    page.goto(f"{live_server.url}/reports/leaderboard/?period=last_30_days")
    board = settle(page)
    assert board["title"] == "Tabla de Clasificación"
    assert board["counts"]["closed"][0] > 0, board
    agree(board)
    # Ranked on Cerradas: the table is in rank order, the chart shows the first rows' Cerradas.
    assert board["closedColumn"] == sorted(board["closedColumn"], reverse=True)
    assert board["chart"] == board["closedColumn"][:10], board
    page.screenshot(path=str(artifacts_dir / "leaderboard-es.png"), full_page=True)

    # A column header sorts the board (best first), the URL keeps it, the ranks follow the column.
    page.click("#log-body button[data-sort=messages_sent]")
    page.wait_for_function("() => new URLSearchParams(location.search).get('sort') === '-messages_sent'")
    by_messages = settle(page)
    agree(by_messages)
    assert by_messages["messages"] == sorted(by_messages["messages"], reverse=True)
    assert by_messages["chart"] == by_messages["messages"][:10] and by_messages["ranks"][0] == 1
    assert by_messages["header"].startswith("Mensajes enviados")
    # Again: the other direction.
    page.click("#log-body button[data-sort=messages_sent]")
    page.wait_for_function("() => new URLSearchParams(location.search).get('sort') === 'messages_sent'")
    assert settle(page)["messages"] == sorted(by_messages["messages"])
    storage = context.storage_state()
    context.close()

    # English, loaded at phone width: nothing wider than the screen, the same numbers.
    Workspace.objects.filter(pk=demo.pk).update(language="en")
    phone_context, phone_page, phone_problems = reports.owner_page(chromium, live_server, viewport=reports.PHONE,
                                                                   storage_state=storage)
    phone_page.goto(f"{live_server.url}/reports/leaderboard/?period=last_30_days")
    phone = settle(phone_page)
    assert phone["title"] == "Leaderboard"
    assert {k: v for k, v in phone["counts"].items() if k != "online_seconds"} == {
        k: v for k, v in board["counts"].items() if k != "online_seconds"}
    phone_page.screenshot(path=str(artifacts_dir / "leaderboard-en-phone.png"), full_page=True)
    reports.assert_fits_the_screen(phone_page, phone)
    assert not problems and not phone_problems, problems + phone_problems
    phone_context.close()
