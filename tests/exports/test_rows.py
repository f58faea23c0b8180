"""The exported rows are exactly the report's filtered event set (the same selector), newest
first, for several filter combinations and beyond the report log's 10,000-row cap."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.context import Actor
from accounts.models import Membership
from assignments.models import AssignmentEvent
from exports.models import Export
from reports.params import report_params_parse
from reports.periods import workspace_today
from reports.selectors import assignment_event_list
from tests.exports.conftest import download, make_events, read_csv

pytestmark = pytest.mark.django_db

EVENTS = 12_500


def expected_rows(workspace, user, filters) -> list[list[str]]:
    """The report's event set for ``filters``, formatted independently of the export code."""
    actor = Actor.for_membership(Membership.objects.get(workspace=workspace, user=user))
    params = report_params_parse(workspace=workspace, data=filters)
    events = assignment_event_list(workspace=workspace, actor=actor, params=params).order_by("-created_at", "-id")
    tz = workspace.tzinfo

    def ident(value):
        return "" if value is None else str(value)

    def guard(text):
        # OWASP: a text cell a spreadsheet would run as a formula gets a leading quote
        return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text

    def name(user_id, kept):
        return "" if user_id is None else guard(kept or f"#{user_id}")

    return [
        [
            e.created_at.astimezone(tz).isoformat(timespec="seconds"),
            ident(e.conversation_id), str(e.contact_id), guard(e.contact_name or f"#{e.contact_id}"),
            ident(e.previous_assignee_id), name(e.previous_assignee_id, e.previous_assignee_name),
            ident(e.new_assignee_id), name(e.new_assignee_id, e.new_assignee_name),
            e.source, ident(e.assigned_by_id), name(e.assigned_by_id, e.assigned_by_name),
        ]
        for e in events.iterator(chunk_size=2000)
    ]


@pytest.fixture
def big_log(workspace, alice, bob, dave, contacts, conversations, other_workspace, charlie):
    make_events(workspace, EVENTS, users=[alice, bob, dave], contacts=contacts, conversations=conversations)
    # Another tenant's events in the same period must never leak into Alice's export.
    from tests.factories import ContactFactory

    make_events(other_workspace, 300, users=[charlie], contacts=[ContactFactory(workspace=other_workspace)])


def test_export_equals_the_report_event_set_for_filter_combinations(
    settings, workspace, alice, bob, dave, contacts, conversations, big_log, alice_client,
    django_capture_on_commit_callbacks,
):
    # Small keyset batches, so batch boundaries fall inside runs of equal timestamps.
    settings.EXPORT_BATCH_SIZE = 1_000
    today = workspace_today(workspace)
    combos = [
        {"period": "last_30_days"},
        {"period": "last_30_days", "source": ["user", "api"]},
        {"start": (today - timedelta(days=12)).isoformat(), "end": (today - timedelta(days=2)).isoformat(),
         "assignee": [str(dave.pk), "none"]},
        {"period": "last_30_days", "assigned_by": [str(alice.pk), str(bob.pk)]},
        {"period": "last_14_days", "contact": [str(contacts[0].pk), str(contacts[1].pk)],
         "conversation": [str(conversations[0].pk)]},
        {"period": "last_30_days", "source": "workflow", "assignee": "none"},
    ]
    sizes = []
    for filters in combos:
        # when
        with django_capture_on_commit_callbacks(execute=True):
            response = alice_client.post("/api/v1/exports", {"kind": "assignments", "filters": filters}, format="json")
        assert response.status_code == 202, response.content
        export = Export.objects.get(pk=response.json()["id"])
        # then
        assert export.status == Export.Status.SUCCEEDED, export.error
        rows = read_csv(download(alice_client, export.pk))
        expected = expected_rows(workspace, alice, filters)
        assert rows[1:] == expected, filters
        assert export.row_count == len(expected)
        sizes.append(len(expected))
    # the first combination is the whole log, past the report's 10,000-row cap
    assert sizes[0] == EVENTS > 10_000
    assert all(0 < size < EVENTS for size in sizes[1:])


def test_newest_first_with_ties_broken_by_id(settings, workspace, alice, contacts, django_capture_on_commit_callbacks):
    settings.EXPORT_BATCH_SIZE = 7
    at = timezone.now() - timedelta(hours=1)
    contact = contacts[0]
    AssignmentEvent.objects.bulk_create(
        [AssignmentEvent(workspace=workspace, created_at=at, source="api", contact_id=contact.pk,
                         contact_name=f"n{i:02d}") for i in range(30)]
    )
    membership = Membership.objects.get(user=alice)
    from exports.services import export_request

    with django_capture_on_commit_callbacks(execute=True):
        export = export_request(actor=Actor.for_membership(membership), filters={"period": "last_7_days"})
    export.refresh_from_db()
    with export.file.open("rb") as fh:
        names = [row[3] for row in read_csv(fh.read())[1:]]
    # all 30 share one timestamp: the order is id descending, none lost or repeated at batch edges
    assert names == [f"n{i:02d}" for i in reversed(range(30))]
