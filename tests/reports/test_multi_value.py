"""report.md "Filters": several values per filter, given repeated (``source=api&source=user``) or
as a comma-separated list (``source=api,user``) in the API, the page's query string and Data
Export; values of one filter combine with OR, and the day rollup still serves them."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest
import time_machine
from django.http import QueryDict

from accounts.context import Actor
from accounts.models import Membership
from assignments.models import AssignmentSource
from assignments.rollups import rollup_rebuild
from exports.forms import form_state
from exports.models import Export
from reports.framework.pages import report_query_state
from reports.params import report_params_parse
from reports.rollup_reads import assignment_daily_source_counts
from reports.selectors import assignment_summary, assignment_timeseries
from tests.factories import ContactFactory, ConversationFactory
from tests.reports.api_checks import assert_bad_request_names

SUMMARY = "/api/v1/reports/assignments/summary"
TIMESERIES = "/api/v1/reports/assignments/timeseries"
LOG = "/api/v1/reports/assignments/log"
NOW = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def spread(workspace, alice, bob, dave, add_event):
    """Events of the last 7 days over three contacts, three conversations, every source."""
    contacts = [ContactFactory(workspace=workspace) for _ in range(3)]
    conversations = [ConversationFactory(contact=c) for c in contacts]
    users = [alice, bob, dave]
    events = []
    for i, source in enumerate(AssignmentSource.values * 3):
        events.append(add_event(
            datetime(2026, 11, 18 + i % 7, 8 + i % 9, tzinfo=UTC), source=source, contact=contacts[i % 3],
            conversation=conversations[i % 3], new=None if i % 5 == 0 else users[i % 3], previous=users[(i + 1) % 3],
            by=users[(i // 6) % 2] if source == AssignmentSource.USER else None))
    return {"contacts": contacts, "conversations": conversations, "users": users, "events": events}


def _filter_cases(spread):
    c, v, u = spread["contacts"], spread["conversations"], spread["users"]
    return {
        "source": ["api", "workflow", "user"],
        "assignee": [str(u[1].pk), "none"],
        "assigned_by": [str(u[0].pk), str(u[1].pk)],
        "contact": [str(c[0].pk), str(c[2].pk)],
        "conversation": [str(v[1].pk), str(v[2].pk)],
    }


def test_a_comma_list_is_the_same_as_repeating_the_parameter(alice_client, spread):
    for param, values in _filter_cases(spread).items():
        repeated = "&".join(f"{param}={v}" for v in values)
        commas = f"{param}={','.join(values)}"
        mixed = f"{param}={','.join(values[:-1])}&{param}={values[-1]}"
        for path in (SUMMARY, TIMESERIES, LOG):
            answers = [alice_client.get(f"{path}?{q}") for q in (repeated, commas, mixed, commas.replace(",", ", "))]
            assert all(a.status_code == 200 for a in answers), (param, path, [a.content for a in answers])
            bodies = [a.json() for a in answers]
            for body in bodies:
                body.pop("next", None), body.pop("previous", None)
            assert bodies[0] == bodies[1] == bodies[2] == bodies[3], (param, path)


def test_values_of_one_filter_combine_with_or(alice_client, spread):
    # given every filter with two or more values
    for param, values in _filter_cases(spread).items():
        # when each value is asked alone and then all together
        alone = [alice_client.get(f"{SUMMARY}?{param}={v}").json()["total"] for v in values]
        together = alice_client.get(f"{SUMMARY}?{param}={','.join(values)}").json()["total"]
        # then the events of one value never match another's (new assignee, contact, ...), so
        # the totals add up; assigned_by and source likewise name one field of the event
        assert together == sum(alone), param
        assert together > max(alone), param


def test_several_filters_with_several_values_combine_with_and(alice_client, spread):
    cases = _filter_cases(spread)
    query = f"source={','.join(cases['source'])}&contact={','.join(cases['contact'])}"
    body = alice_client.get(f"{SUMMARY}?{query}").json()
    expected = [e for e in spread["events"] if e.source in cases["source"]
                and str(e.contact_id) in cases["contact"]]
    assert body["total"] == len(expected) > 0
    log = alice_client.get(f"{LOG}?{query}").json()
    assert sorted(r["id"] for r in log["results"]) == sorted(e.pk for e in expected)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("source=api,fax", "source"),
        ("source=api,API", "source"),
        ("assignee=abc,1", "assignee"),
        ("assignee=none,0", "assignee"),
        ("assigned_by=1,x", "assigned_by"),
        ("contact=999999,1e3", "contact"),
        ("conversation=999999999,999999998", "conversation"),
        ("contact=" + ",".join(str(i) for i in range(1, 102)), "contact"),
        ("source=api&source=" + ",".join(["api"] * 101), "source"),
    ],
)
def test_a_bad_value_in_a_list_is_a_400_naming_the_field(alice_client, spread, query, field):
    for path in (SUMMARY, TIMESERIES, LOG):
        assert_bad_request_names(alice_client.get(f"{path}?{query}"), field, (path, query))


def test_empty_items_of_a_list_are_ignored(workspace, spread):
    params = report_params_parse(workspace=workspace, data=QueryDict("source=api,,user,&assignee=,&contact=%2C"))
    assert params.sources == ("api", "user")
    assert not params.has_assignee_filter and not params.contact_ids


def test_a_stored_query_with_lists_round_trips(workspace, spread):
    cases = _filter_cases(spread)
    params = report_params_parse(workspace=workspace, data={k: ",".join(v) for k, v in cases.items()})
    again = report_params_parse(workspace=workspace, data=params.as_query())
    assert again == replace(params, preset=None)  # the stored query names the resolved dates
    assert params.sources == tuple(cases["source"]) and params.assignee_none
    assert len(params.contact_ids) == len(params.conversation_ids) == len(params.assigned_by_ids) == 2


def test_the_page_reads_comma_lists_into_one_value_each():
    state = report_query_state(QueryDict("source=api,user&source=bot&assignee=none, 7&contact=3,3"))
    assert state["source"] == ["api", "user", "bot"]
    assert state["assignee"] == ["none", "7"]
    assert state["contact"] == ["3"]


def test_the_page_keeps_every_value_in_its_configuration(alice_client, spread):
    cases = _filter_cases(spread)
    query = "&".join(f"{k}={','.join(v)}" for k, v in cases.items())
    response = alice_client.get(f"/reports/assignments/?{query}")
    assert response.status_code == 200
    state = response.context["report_config"]["state"]
    for param, values in cases.items():
        assert state[param] == values, param
    assert set(response.context["report_config"]["contactNames"]) == set(cases["contact"])


def test_data_export_takes_lists_from_a_link_and_the_api(alice_client, spread, workspace,
                                                        django_capture_on_commit_callbacks):
    cases = _filter_cases(spread)
    state = form_state(QueryDict(f"source=api,user&source=bot&assignee=none,{cases['assignee'][0]}"), "assignments")
    assert state["values"]["source"] == ["api", "user", "bot"]
    assert state["values"]["assignee"] == ["none", cases["assignee"][0]]

    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post("/api/v1/exports", {"kind": "assignments", "filters": {
            "period": "last_7_days", "source": "api,workflow", "contact": [",".join(cases["contact"])]}}, format="json")
    assert response.status_code == 202, response.content
    export = Export.objects.get(pk=response.json()["id"])
    stored = report_params_parse(workspace=workspace, data=export.filters)
    assert stored.sources == ("api", "workflow")
    assert [str(i) for i in stored.contact_ids] == cases["contact"]
    assert export.row_count == len([e for e in spread["events"] if e.source in ("api", "workflow")
                                    and str(e.contact_id) in cases["contact"]])

    bad = alice_client.post("/api/v1/exports", {"kind": "assignments", "filters": {"source": "api,fax"}},
                            format="json")
    assert_bad_request_names(bad, "filters.source")


def test_the_rollup_serves_multi_value_filters(workspace, spread, settings):
    rollup_rebuild(workspace=workspace)
    actor = Actor.for_membership(Membership.objects.get(user=spread["users"][0]))
    cases = _filter_cases(spread)
    served = [{"source": cases["source"]}, {"assignee": cases["assignee"]}, {"assigned_by": cases["assigned_by"]},
              {"source": cases["source"], "assignee": cases["assignee"]},
              {"source": cases["source"], "assigned_by": cases["assigned_by"]}]
    for extra in served:
        params = report_params_parse(workspace=workspace, data={k: ",".join(v) for k, v in extra.items()})
        assert assignment_daily_source_counts(workspace=workspace, actor=actor, params=params) is not None, extra
        settings.REPORTS_USE_ROLLUP = True
        fast = (assignment_summary(workspace=workspace, actor=actor, params=params),
                assignment_timeseries(workspace=workspace, actor=actor, params=params))
        settings.REPORTS_USE_ROLLUP = False
        raw = (assignment_summary(workspace=workspace, actor=actor, params=params),
               assignment_timeseries(workspace=workspace, actor=actor, params=params))
        settings.REPORTS_USE_ROLLUP = True
        assert fast == raw and fast[0].total > 0, extra
