"""GET /api/v1/reports/assignments/timeseries.csv: the bar chart's buckets as CSV (docs/reports.md
"Asignaciones: additions"), the same numbers as the JSON time series."""

import csv
import io
from datetime import UTC, datetime

import pytest
import time_machine

from accounts.models import Workspace
from assignments.models import AssignmentSource
from tests.reports.api_checks import assert_bad_request_names

CSV = "/api/v1/reports/assignments/timeseries.csv"
TIMESERIES = "/api/v1/reports/assignments/timeseries"
NOW = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)
HEADER = ["bucket_start", "interval", "timezone", "source", "source_label", "count"]


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def events(workspace, alice, bob, add_event):
    add_event(datetime(2026, 11, 20, 15, tzinfo=UTC), source=AssignmentSource.API, new=bob)
    add_event(datetime(2026, 11, 20, 16, tzinfo=UTC), source=AssignmentSource.API, new=alice)
    add_event(datetime(2026, 11, 21, 15, tzinfo=UTC), source=AssignmentSource.USER, previous=bob, new=alice, by=alice)
    add_event(datetime(2026, 11, 24, 17, tzinfo=UTC), source=AssignmentSource.CONTACT_IMPORT, new=bob)
    add_event(datetime(2026, 11, 15, 15, tzinfo=UTC), source=AssignmentSource.BOT, new=bob)  # last week


def _rows(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8")
    assert text.endswith("\r\n")
    return list(csv.reader(io.StringIO(text)))


def test_one_row_per_bucket_and_source_with_the_json_numbers(alice_client, events):
    rows = _rows(alice_client.get(f"{CSV}?period=last_7_days"))
    series = alice_client.get(f"{TIMESERIES}?period=last_7_days").json()

    assert rows[0] == HEADER
    sources = [s["source"] for s in series["sources"]]
    assert sources == ["api", "user", "contact_import"]
    assert len(rows) - 1 == len(series["buckets"]) * len(sources) == 7 * 3
    expected = [[b["start"], "day", "America/Mexico_City", s, label, str(b["counts"][s])]
                for b in series["buckets"] for s, label in ((x["source"], x["label"]) for x in series["sources"])]
    assert rows[1:] == expected
    assert rows[1][:2] == ["2026-11-18T00:00:00-06:00", "day"]
    assert {r[4] for r in rows[1:]} == {"Api", "Usuario", "Contacto importado"}
    assert sum(int(r[5]) for r in rows[1:]) == 4 == alice_client.get(
        "/api/v1/reports/assignments/summary?period=last_7_days").json()["total"]


def test_an_attachment_named_after_the_range_and_excel_gets_a_bom(alice_client, events):
    plain = alice_client.get(f"{CSV}?start=2026-11-01&end=2026-11-24")
    assert plain["Content-Disposition"] == 'attachment; filename="asignaciones-series-2026-11-01-2026-11-24.csv"'
    assert not plain.content.startswith(b"\xef\xbb\xbf")
    excel = alice_client.get(f"{CSV}?start=2026-11-01&end=2026-11-24&excel=true")
    assert excel.content.startswith(b"\xef\xbb\xbf")
    assert excel.content[3:] == plain.content
    assert alice_client.get(f"{CSV}?excel=false").content[:3] != b"\xef\xbb\xbf"


def test_filters_interval_and_hours_follow_the_chart(alice_client, bob, events):
    weeks = _rows(alice_client.get(f"{CSV}?period=last_30_days&interval=week&source=api,user"))
    assert {r[1] for r in weeks[1:]} == {"week"} and {r[3] for r in weeks[1:]} == {"api", "user"}
    assert sum(int(r[5]) for r in weeks[1:]) == 3
    hours = _rows(alice_client.get(f"{CSV}?period=today&assignee={bob.pk}"))
    assert len(hours) - 1 == 24 and {r[3] for r in hours[1:]} == {"contact_import"}
    assert [r[0] for r in hours[1:] if r[5] == "1"] == ["2026-11-24T11:00:00-06:00"]


def test_dst_offsets_in_the_bucket_labels(alice_client, workspace, add_event):
    # the fall-back day in New York: 25 hours, 01:00 twice with its two offsets
    Workspace.objects.filter(pk=workspace.pk).update(timezone="America/New_York")
    add_event(datetime(2026, 11, 1, 5, 30, tzinfo=UTC), source=AssignmentSource.API)  # 01:30 EDT
    add_event(datetime(2026, 11, 1, 6, 30, tzinfo=UTC), source=AssignmentSource.API)  # 01:30 EST
    rows = _rows(alice_client.get(f"{CSV}?start=2026-11-01&end=2026-11-01"))
    starts = [r[0] for r in rows[1:]]
    assert len(starts) == 25 and {r[2] for r in rows[1:]} == {"America/New_York"}
    assert "2026-11-01T01:00:00-04:00" in starts and "2026-11-01T01:00:00-05:00" in starts
    assert [r[0] for r in rows[1:] if r[5] == "1"] == ["2026-11-01T01:00:00-04:00", "2026-11-01T01:00:00-05:00"]


def test_states_without_events_are_the_header_only(alice_client, alice, events):
    nothing = alice_client.get(f"{CSV}?period=today&source=zapier")
    assert _rows(nothing) == [HEADER] and nothing["X-Report-State"] == "no_data"
    not_applicable = alice_client.get(f"{CSV}?source=api&assigned_by={alice.pk}")
    assert _rows(not_applicable) == [HEADER] and not_applicable["X-Report-State"] == "not_applicable"
    assert alice_client.get(CSV)["X-Report-State"] == "ok"


def test_english_labels_in_an_english_workspace(alice_client, workspace, events):
    Workspace.objects.filter(pk=workspace.pk).update(language="en")
    rows = _rows(alice_client.get(CSV))
    assert {r[4] for r in rows[1:]} == {"API", "User", "Contact import"}


@pytest.mark.parametrize(("query", "field"), [
    ("interval=year", "interval"), ("source=fax", "source"), ("source=api,fax", "source"), ("excel=maybe", "excel"),
    ("excel=true&excel=false", "excel"), ("period=forever", "period"), ("start=2026-01-01", "end"),
    ("contact=999999", "contact"), ("start=2025-01-01&end=2026-01-01&interval=hour", "interval"),
])
def test_bad_input_is_a_json_400(alice_client, events, query, field):
    response = alice_client.get(f"{CSV}?{query}", HTTP_ACCEPT="text/csv")
    assert response["Content-Type"].startswith("application/json")
    assert_bad_request_names(response, field, query)


def test_who_may_download(anon_client, charlie_client, bob_client, token_client, alice, events):
    assert anon_client.get(CSV).status_code == 401
    # Charlie's own workspace has no events; an Acme id in the filter is a 400, not Acme's data
    assert _rows(charlie_client.get(CSV)) == [HEADER]
    assert charlie_client.get(f"{CSV}?assignee={alice.pk}").status_code == 400
    # an agent gets the buckets of their own events (new or previous assignee)
    agent = _rows(bob_client.get(CSV))
    assert sum(int(r[5]) for r in agent[1:]) == 3
    assert sum(int(r[5]) for r in _rows(token_client.get(CSV))[1:]) == 4
