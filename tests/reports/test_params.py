"""report.md "Filters": parsing and validation of the report parameters."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.http import QueryDict

from accounts.models import Membership
from assignments.models import AssignmentSource
from crm.api import ApiError
from reports.params import ReportParams, report_params_parse
from reports.periods import ReportPeriod
from tests.factories import ContactFactory, ConversationFactory, member

NOW = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_no_parameters_means_last_7_days_and_no_filters(workspace):
    params = report_params_parse(workspace=workspace, data=QueryDict(""))

    assert params == ReportParams(period=ReportPeriod(date(2026, 11, 18), date(2026, 11, 24), "America/Mexico_City"),
                                  preset="last_7_days")
    assert not params.has_filters


def test_repeatable_filters_from_a_querydict(workspace, alice, bob, contact, conversation):
    query = QueryDict(
        f"period=last_30_days&source=api&source=user&source=api&assignee={bob.pk}&assignee=none"
        f"&assigned_by={alice.pk}&contact={contact.pk}&conversation={conversation.pk}&interval=week"
        "&page=3&page_size=10&unknown=1"
    )

    params = report_params_parse(workspace=workspace, data=query)

    assert params.sources == ("api", "user")
    assert params.assignee_ids == (bob.pk,) and params.assignee_none
    assert params.assigned_by_ids == (alice.pk,)
    assert params.contact_ids == (contact.pk,)
    assert params.conversation_ids == (conversation.pk,)
    assert params.interval == "week"
    assert params.preset == "last_30_days"
    assert params.period.start == date(2026, 10, 26)


def test_a_plain_dict_of_scalars_and_lists_as_an_export_stores_it(workspace, bob, contact):
    data = {"start": "2026-01-01", "end": "2026-03-31", "source": "zapier", "assignee": [bob.pk, "none"],
            "contact": [str(contact.pk)], "conversation": []}

    params = report_params_parse(workspace=workspace, data=data)

    assert (params.period.start, params.period.end) == (date(2026, 1, 1), date(2026, 3, 31))
    assert params.sources == ("zapier",)
    assert params.assignee_ids == (bob.pk,) and params.assignee_none
    assert params.contact_ids == (contact.pk,)
    assert params.preset is None


def test_as_query_round_trips(workspace, alice, bob, contact, conversation):
    params = report_params_parse(workspace=workspace, data={
        "period": "this_month", "source": ["user", "bot"], "assignee": ["none", bob.pk], "assigned_by": alice.pk,
        "contact": contact.pk, "conversation": conversation.pk, "interval": "day",
    })

    query = params.as_query()
    again = report_params_parse(workspace=workspace, data=query)
    via_url = report_params_parse(workspace=workspace, data=QueryDict(mutable=True) | query)

    assert query["start"] == ["2026-11-01"] and query["end"] == ["2026-11-24"]
    assert query["assignee"] == [str(bob.pk), "none"]
    assert all(isinstance(v, list) and all(isinstance(x, str) for x in v) for v in query.values())
    for parsed in (again, via_url):
        assert parsed.period == params.period
        assert (parsed.sources, parsed.assignee_ids, parsed.assignee_none, parsed.assigned_by_ids, parsed.contact_ids,
                parsed.conversation_ids, parsed.interval) == (
            params.sources, params.assignee_ids, params.assignee_none, params.assigned_by_ids, params.contact_ids,
            params.conversation_ids, params.interval)


def test_the_stored_query_keeps_meaning_the_same_days_tomorrow(workspace):
    query = report_params_parse(workspace=workspace, data={"period": "today"}).as_query()

    with time_machine.travel(datetime(2026, 11, 26, 18, 0, tzinfo=UTC), tick=False):
        later = report_params_parse(workspace=workspace, data=query)

    assert later.period.start == later.period.end == date(2026, 11, 24)


def test_empty_values_are_ignored(workspace):
    params = report_params_parse(workspace=workspace, data=QueryDict("source=&assignee=&period=&contact="))
    assert not params.has_filters and params.preset == "last_7_days"


def test_a_former_member_named_by_events_is_still_a_valid_filter(workspace, add_event):
    # given a user who assigned contacts and then left the workspace
    former = member(workspace, Membership.Role.AGENT, email="old@acme.example")
    add_event(NOW, source=AssignmentSource.USER, new=former, by=former)
    Membership.objects.filter(user=former).delete()

    params = report_params_parse(workspace=workspace, data={"assignee": former.pk, "assigned_by": former.pk})

    assert params.assignee_ids == (former.pk,) and params.assigned_by_ids == (former.pk,)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("source=email", "source"),
        ("source=API", "source"),
        ("source=api&source=fax", "source"),
        ("assignee=abc", "assignee"),
        ("assignee=-1", "assignee"),
        ("assignee=0", "assignee"),
        ("assignee=1.5", "assignee"),
        ("assignee=99999999999999999999999", "assignee"),
        ("assignee=9223372036854775808", "assignee"),
        ("assignee=%EF%BC%91", "assignee"),  # a full-width digit
        ("assignee=999999", "assignee"),
        ("assigned_by=x", "assigned_by"),
        ("assigned_by=999999", "assigned_by"),
        ("contact=999999", "contact"),
        ("contact=1e3", "contact"),
        ("conversation=999999", "conversation"),
        ("conversation=%00", "conversation"),
        ("interval=year", "interval"),
        ("period=today&period=yesterday", "period"),
        ("period=forever", "period"),
        ("start=2026-01-01&start=2026-01-02&end=2026-01-03", "start"),
        ("start=2026-01-01", "end"),
        ("start=2026-01-05&end=2026-01-01", "end"),
        ("start=2020-01-01&end=2026-01-01", "end"),
        ("period=today&start=2026-01-01&end=2026-01-02", "period"),
        ("&".join(f"source=api&contact={i}" for i in range(1, 102)), "contact"),
    ],
)
def test_bad_parameters_are_400_naming_the_field(workspace, query, field):
    with pytest.raises(ApiError) as caught:
        report_params_parse(workspace=workspace, data=QueryDict(query))

    assert caught.value.status_code == 400
    assert field in caught.value.errors, caught.value.errors


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"source": ["api", 3]}, "source"),
        ({"source": {"x": 1}}, "source"),
        ({"assignee": [True]}, "assignee"),
        ({"contact": [1.5]}, "contact"),
        ({"contact": [[1]]}, "contact"),
        ({"period": ["today", "yesterday"]}, "period"),
        ({"period": {"start": "x"}}, "period"),
        ({"start": 20260101, "end": "2026-01-02"}, "start"),
        ({"interval": True}, "interval"),
    ],
)
def test_bad_json_filters_are_400_naming_the_field(workspace, data, field):
    with pytest.raises(ApiError) as caught:
        report_params_parse(workspace=workspace, data=data)

    assert field in caught.value.errors


def test_every_bad_field_is_reported_at_once(workspace):
    with pytest.raises(ApiError) as caught:
        report_params_parse(workspace=workspace, data=QueryDict("source=fax&contact=abc&interval=year&period=x"))

    assert set(caught.value.errors) == {"source", "contact", "interval", "period"}


def test_ids_of_another_workspace_are_400_naming_the_field(workspace, other_workspace, charlie):
    """report.md: an id that does not exist in the workspace is a 400 naming the field — another
    workspace's ids included, with the same message as an id that exists nowhere (nothing leaks)."""
    their_contact = ContactFactory(workspace=other_workspace)
    their_conversation = ConversationFactory(contact=their_contact)

    for field, value in [("assignee", charlie.pk), ("assigned_by", charlie.pk), ("contact", their_contact.pk),
                         ("conversation", their_conversation.pk)]:
        with pytest.raises(ApiError) as caught:
            report_params_parse(workspace=workspace, data={field: value})
        assert list(caught.value.errors) == [field]
        assert caught.value.status_code == 400
