"""Every report's log on a phone: one card per row, each field under its column's name, nothing
wider than the screen; on a desktop the same log is a table with its header row. The demo
workspace, in Spanish; screenshots in artifacts/."""

import pytest

from tests.browser import reports

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# The reports whose last component is a paged log (``table.log-table`` in #log-body).
REPORTS = ["assignments", "conversations", "responses", "resolutions", "messages", "contacts", "leaderboard", "users",
           "broadcasts"]

LOG = """() => {
  const table = document.querySelector('#log-body table.log-table');
  if (!table) return null;
  const heads = [...table.tHead.rows[table.tHead.rows.length - 1].cells].map((c) => c.textContent.trim());
  const rows = [...table.tBodies[0].rows].slice(0, 5);
  return {
    heads,
    headVisible: table.tHead.getBoundingClientRect().height > 2,
    rows: rows.map((row) => ({
      labels: [...row.cells].map((c) => c.dataset.label || ''),
      role: row.getAttribute('role'),
      right: row.getBoundingClientRect().right,
      height: row.getBoundingClientRect().height,
      cells: [...row.cells].map((c) => ({ left: c.getBoundingClientRect().left, width: c.getBoundingClientRect().width })),
    })),
    scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
  };
}"""


def _log(page, report, base):
    page.goto(f"{base}/reports/{report}/?period=last_30_days")
    page.wait_for_function(reports.settled(["log"]))
    return page.evaluate(LOG)


def test_the_log_is_cards_on_a_phone_and_a_table_on_a_desktop(demo, chromium, live_server, artifacts_dir):
    context, page, problems = reports.owner_page(chromium, live_server, viewport=reports.PHONE)
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    seen = 0
    for report in REPORTS:
        log = _log(page, report, live_server.url)
        if log is None or not log["rows"]:
            continue  # a log with no rows this month (the state message is checked by the report's own test)
        seen += 1
        assert not log["headVisible"], report
        assert log["scrollWidth"] <= log["innerWidth"], (report, log["scrollWidth"])
        for row in log["rows"]:
            # Every field is there, under the name of its column, one under the other.
            assert row["labels"] == log["heads"], (report, row["labels"], log["heads"])
            assert row["role"] == "row"
            assert row["right"] <= log["innerWidth"], report
            assert len({round(cell["left"]) for cell in row["cells"]}) == 1, (report, row["cells"])
            assert all(cell["width"] > log["innerWidth"] * 0.6 for cell in row["cells"]), report
        if report == "assignments":
            assert len(log["heads"]) == 8, log["heads"]
            page.locator("#log-body tbody tr").first.scroll_into_view_if_needed()
            page.screenshot(path=str(artifacts_dir / "log-cards-390.png"))
    assert seen >= 6, seen
    storage = context.storage_state()
    context.close()

    context, page, problems_desktop = reports.owner_page(chromium, live_server, viewport=reports.DESKTOP,
                                                        storage_state=storage)
    log = _log(page, "assignments", live_server.url)
    assert log["headVisible"] and log["rows"]
    for row in log["rows"]:
        lefts = [cell["left"] for cell in row["cells"]]
        assert lefts == sorted(lefts) and len(set(lefts)) == len(lefts), lefts  # side by side: a table row
    page.locator("#log-body tbody tr").first.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts_dir / "log-table-1366.png"))
    assert not problems and not problems_desktop, problems + problems_desktop
    context.close()
