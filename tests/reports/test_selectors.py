"""The report's selectors: the one filtered event set, Métricas, the bar chart and the log."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.context import Actor
from accounts.models import Membership, Workspace
from assignments.models import AssignmentSource
from crm.api import ApiError
from reports.params import ReportParams
from reports.periods import ReportPeriod
from reports.selectors import (
    assignment_event_list,
    assignment_log_page,
    assignment_summary,
    assignment_timeseries,
    bucket_starts,
    percents_largest_remainder,
)
from tests.factories import ContactFactory, member

MX = "America/Mexico_City"
NY = "America/New_York"


def owner_actor(workspace):
    return Actor(workspace=workspace, role=Membership.Role.OWNER)


def agent_actor(workspace, user):
    return Actor(workspace=workspace, role=Membership.Role.AGENT, user=user)


def params_for(start, end, tz=MX, **kwargs):
    return ReportParams(period=ReportPeriod(start, end, tz), **kwargs)


@pytest.fixture
def ny_workspace(workspace):
    Workspace.objects.filter(pk=workspace.pk).update(timezone=NY)
    workspace.refresh_from_db()
    return workspace


# --- percents -------------------------------------------------------------------------------


def test_percents_add_up_to_100_with_two_decimals():
    assert percents_largest_remainder([1, 1, 1]) == [33.34, 33.33, 33.33]
    assert percents_largest_remainder([60, 42, 18, 3]) == [48.78, 34.15, 14.63, 2.44]
    assert percents_largest_remainder([]) == []
    assert percents_largest_remainder([0, 0]) == [0.0, 0.0]


@given(st.lists(st.integers(min_value=1, max_value=10**6), min_size=1, max_size=6))
@settings(max_examples=100, deadline=None)
def test_percents_always_add_up_to_100(counts):
    percents = percents_largest_remainder(sorted(counts, reverse=True))

    assert abs(sum(percents) - 100) <= 0.01
    assert all(round(p, 2) == p for p in percents)
    total = sum(counts)
    for count, percent in zip(sorted(counts, reverse=True), percents, strict=True):
        assert abs(percent - 100 * count / total) < 0.01 + 1e-9


# --- the event set --------------------------------------------------------------------------


def test_range_is_half_open_in_the_workspace_timezone(workspace, add_event):
    # 2026-11-24 in Mexico City is [06:00 UTC on the 24th, 06:00 UTC on the 25th).
    inside = [add_event(datetime(2026, 11, 24, 6, 0, tzinfo=UTC)),
              add_event(datetime(2026, 11, 25, 5, 59, 59, 999999, tzinfo=UTC))]
    add_event(datetime(2026, 11, 24, 5, 59, 59, tzinfo=UTC))
    add_event(datetime(2026, 11, 25, 6, 0, tzinfo=UTC))

    events = assignment_event_list(workspace=workspace, actor=owner_actor(workspace),
                                   params=params_for(date(2026, 11, 24), date(2026, 11, 24)))

    assert set(events) == set(inside)


def test_agent_sees_only_events_where_they_are_new_or_previous_assignee(workspace, alice, bob, add_event):
    carol = member(workspace, Membership.Role.AGENT, email="carol@acme.example", name="Carol")
    at = datetime(2026, 11, 24, 15, tzinfo=UTC)
    to_bob = add_event(at, new=bob)
    from_bob = add_event(at, previous=bob, new=carol, source=AssignmentSource.USER, by=alice)
    unassign_bob = add_event(at, previous=bob, new=None)
    add_event(at, new=carol)
    add_event(at, previous=carol, new=alice)
    add_event(at, new=None, previous=alice, source=AssignmentSource.USER, by=bob)  # bob only assigned it
    params = params_for(date(2026, 11, 24), date(2026, 11, 24))

    seen = assignment_event_list(workspace=workspace, actor=agent_actor(workspace, bob), params=params)
    narrowed = assignment_event_list(workspace=workspace, actor=agent_actor(workspace, bob),
                                     params=params_for(date(2026, 11, 24), date(2026, 11, 24), assignee_ids=(carol.pk,)))

    assert set(seen) == {to_bob, from_bob, unassign_bob}
    assert set(narrowed) == {from_bob}
    assert assignment_event_list(workspace=workspace, actor=owner_actor(workspace), params=params).count() == 6


def test_filters_and_within_or_across(workspace, alice, bob, add_event):
    at = datetime(2026, 11, 24, 15, tzinfo=UTC)
    other_contact = ContactFactory(workspace=workspace)
    a = add_event(at, source=AssignmentSource.API, new=bob)
    b = add_event(at, source=AssignmentSource.USER, new=alice, by=alice)
    c = add_event(at, source=AssignmentSource.BOT, new=None, previous=bob, contact=other_contact)
    day = (date(2026, 11, 24), date(2026, 11, 24))

    def ids(**kwargs):
        return set(assignment_event_list(workspace=workspace, actor=owner_actor(workspace), params=params_for(*day, **kwargs)))

    assert ids(sources=("api", "bot")) == {a, c}
    assert ids(assignee_none=True) == {c}
    assert ids(assignee_ids=(bob.pk,), assignee_none=True) == {a, c}
    assert ids(assigned_by_ids=(alice.pk,)) == {b}
    assert ids(contact_ids=(other_contact.pk,)) == {c}
    assert ids(sources=("api", "bot"), assignee_none=True) == {c}


def test_another_workspaces_events_never_appear(workspace, other_workspace, add_event):
    at = datetime(2026, 11, 24, 15, tzinfo=UTC)
    add_event(at, target_workspace=other_workspace, contact=ContactFactory(workspace=other_workspace))
    params = params_for(date(2026, 11, 24), date(2026, 11, 24))

    assert assignment_event_list(workspace=workspace, actor=owner_actor(workspace), params=params).count() == 0
    # An actor of another workspace gets nothing, whatever workspace a caller passes.
    assert assignment_event_list(workspace=workspace, actor=owner_actor(other_workspace), params=params).count() == 0


# --- Métricas -------------------------------------------------------------------------------


def test_summary_lists_only_present_sources_largest_first_with_labels(workspace, alice, add_event):
    at = datetime(2026, 11, 24, 15, tzinfo=UTC)
    for _ in range(3):
        add_event(at, source=AssignmentSource.WORKFLOW)
    add_event(at, source=AssignmentSource.USER, by=alice)
    add_event(at, source=AssignmentSource.CONTACT_IMPORT)
    add_event(datetime(2026, 11, 17, 15, tzinfo=UTC))  # in the previous 7 days
    params = params_for(date(2026, 11, 18), date(2026, 11, 24))

    summary = assignment_summary(workspace=workspace, actor=owner_actor(workspace), params=params)

    assert summary.state == "ok" and summary.total == 5
    assert [(s.source, s.count, s.percent) for s in summary.by_source] == [
        ("workflow", 3, 60.0), ("user", 1, 20.0), ("contact_import", 1, 20.0)]
    assert summary.previous_period == ReportPeriod(date(2026, 11, 11), date(2026, 11, 17), MX)
    assert summary.previous_total == 1


def test_source_labels_follow_the_active_language(workspace, alice, add_event):
    from django.utils import translation

    add_event(datetime(2026, 11, 24, 15, tzinfo=UTC), source=AssignmentSource.USER, by=alice)
    params = params_for(date(2026, 11, 24), date(2026, 11, 24))
    with translation.override("es"):
        es = assignment_summary(workspace=workspace, actor=owner_actor(workspace), params=params).by_source[0].label
    with translation.override("en"):
        en = assignment_summary(workspace=workspace, actor=owner_actor(workspace), params=params).by_source[0].label

    assert (es, en) == ("Usuario", "User")


def test_no_data_when_nothing_matches(workspace):
    params = params_for(date(2026, 11, 24), date(2026, 11, 24))

    assert assignment_summary(workspace=workspace, actor=owner_actor(workspace), params=params).state == "no_data"
    assert assignment_timeseries(workspace=workspace, actor=owner_actor(workspace), params=params).state == "no_data"
    assert assignment_log_page(workspace=workspace, actor=owner_actor(workspace), params=params).state == "no_data"


def test_no_data_when_the_range_ends_before_the_workspace_was_created(workspace, add_event):
    # given a workspace created on 2026-11-20 local time (even if an event predates it)
    Workspace.objects.filter(pk=workspace.pk).update(created_at=datetime(2026, 11, 20, 12, tzinfo=UTC))
    workspace.refresh_from_db()
    add_event(datetime(2026, 11, 10, 15, tzinfo=UTC))
    before = params_for(date(2026, 11, 1), date(2026, 11, 19))
    touching = params_for(date(2026, 11, 1), date(2026, 11, 20))
    actor = owner_actor(workspace)

    assert assignment_summary(workspace=workspace, actor=actor, params=before).state == "no_data"
    assert assignment_timeseries(workspace=workspace, actor=actor, params=before).state == "no_data"
    assert assignment_log_page(workspace=workspace, actor=actor, params=before).state == "no_data"
    assert assignment_summary(workspace=workspace, actor=actor, params=touching).state == "ok"


def test_assigned_by_with_a_source_filter_excluding_user_is_not_applicable(workspace, alice, add_event):
    add_event(datetime(2026, 11, 24, 15, tzinfo=UTC), source=AssignmentSource.USER, by=alice)
    day = (date(2026, 11, 24), date(2026, 11, 24))
    actor = owner_actor(workspace)
    not_applicable = params_for(*day, assigned_by_ids=(alice.pk,), sources=("api", "bot"))
    applicable = params_for(*day, assigned_by_ids=(alice.pk,), sources=("api", "user"))

    assert assignment_summary(workspace=workspace, actor=actor, params=not_applicable).state == "not_applicable"
    assert assignment_timeseries(workspace=workspace, actor=actor, params=not_applicable).state == "not_applicable"
    assert assignment_log_page(workspace=workspace, actor=actor, params=not_applicable).state == "not_applicable"
    assert assignment_summary(workspace=workspace, actor=actor, params=applicable).total == 1


# --- Gráfico de barras ----------------------------------------------------------------------


def test_hours_for_a_single_day_days_up_to_92_weeks_beyond(workspace):
    actor = owner_actor(workspace)

    def interval(days):
        start = date(2026, 1, 1)
        return assignment_timeseries(workspace=workspace, actor=actor,
                                     params=params_for(start, start + timedelta(days=days - 1))).interval

    assert (interval(1), interval(2), interval(92), interval(93), interval(366)) == ("hour", "day", "day", "week", "week")


def test_fall_back_day_has_25_hourly_buckets_and_keeps_both_one_oclocks_apart(ny_workspace, add_event):
    # 2026-11-01 in New York: 01:00 EDT (05:00 UTC) then 01:00 EST (06:00 UTC).
    add_event(datetime(2026, 11, 1, 5, 10, tzinfo=UTC), source=AssignmentSource.API)
    add_event(datetime(2026, 11, 1, 6, 10, tzinfo=UTC), source=AssignmentSource.BOT)
    add_event(datetime(2026, 11, 1, 6, 20, tzinfo=UTC), source=AssignmentSource.BOT)
    add_event(datetime(2026, 11, 2, 4, 59, tzinfo=UTC), source=AssignmentSource.API)  # 23:59 EST

    series = assignment_timeseries(workspace=ny_workspace, actor=owner_actor(ny_workspace),
                                   params=params_for(date(2026, 11, 1), date(2026, 11, 1), tz=NY))

    starts = [b.start.isoformat() for b in series.buckets]
    assert series.interval == "hour" and len(starts) == 25
    assert starts[:4] == ["2026-11-01T00:00:00-04:00", "2026-11-01T01:00:00-04:00", "2026-11-01T01:00:00-05:00",
                          "2026-11-01T02:00:00-05:00"]
    assert starts[-1] == "2026-11-01T23:00:00-05:00"
    assert [(b.total, b.counts) for b in series.buckets[1:3]] == [(1, {"bot": 0, "api": 1}), (2, {"bot": 2, "api": 0})]
    assert series.buckets[-1].total == 1
    assert sum(b.total for b in series.buckets) == 4
    assert series.sources == ["api", "bot"]  # a tie: in the product's source order


def test_spring_forward_day_has_23_hourly_buckets(ny_workspace, add_event):
    add_event(datetime(2026, 3, 8, 7, 30, tzinfo=UTC))  # 03:30 EDT, right after the jump

    series = assignment_timeseries(workspace=ny_workspace, actor=owner_actor(ny_workspace),
                                   params=params_for(date(2026, 3, 8), date(2026, 3, 8), tz=NY))

    starts = [b.start.isoformat() for b in series.buckets]
    assert len(starts) == 23
    assert starts[1:3] == ["2026-03-08T01:00:00-05:00", "2026-03-08T03:00:00-04:00"]
    assert series.buckets[2].total == 1


def test_daily_buckets_over_the_dst_week_fill_zeros_and_use_local_days(ny_workspace, add_event):
    # 2026-03-08 23:30 EDT is 03:30 UTC on the 9th: it belongs to the 8th.
    add_event(datetime(2026, 3, 9, 3, 30, tzinfo=UTC))
    add_event(datetime(2026, 3, 5, 5, 0, tzinfo=UTC))  # 00:00 EST on the 5th

    series = assignment_timeseries(workspace=ny_workspace, actor=owner_actor(ny_workspace),
                                   params=params_for(date(2026, 3, 5), date(2026, 3, 11), tz=NY))

    assert series.interval == "day"
    assert [b.start.isoformat() for b in series.buckets] == [
        "2026-03-05T00:00:00-05:00", "2026-03-06T00:00:00-05:00", "2026-03-07T00:00:00-05:00",
        "2026-03-08T00:00:00-05:00", "2026-03-09T00:00:00-04:00", "2026-03-10T00:00:00-04:00",
        "2026-03-11T00:00:00-04:00"]
    assert [b.total for b in series.buckets] == [1, 0, 0, 1, 0, 0, 0]


def test_weekly_buckets_start_on_monday(workspace, add_event):
    # 2026-01-01 is a Thursday; its week starts Monday 2025-12-29.
    add_event(datetime(2026, 1, 1, 18, tzinfo=UTC))
    add_event(datetime(2026, 1, 5, 6, 0, tzinfo=UTC))  # Monday 00:00 local: the second week
    add_event(datetime(2026, 4, 30, 18, tzinfo=UTC))

    series = assignment_timeseries(workspace=workspace, actor=owner_actor(workspace),
                                   params=params_for(date(2026, 1, 1), date(2026, 4, 30)))

    assert series.interval == "week"
    assert series.buckets[0].start.isoformat() == "2025-12-29T00:00:00-06:00"
    assert all(b.start.weekday() == 0 for b in series.buckets)
    assert len(series.buckets) == 18
    assert [series.buckets[0].total, series.buckets[1].total, series.buckets[-1].total] == [1, 1, 1]


def test_monthly_buckets_on_request(ny_workspace, add_event):
    add_event(datetime(2026, 3, 1, 4, 59, tzinfo=UTC))  # Feb 28 23:59 EST
    add_event(datetime(2026, 3, 1, 5, 0, tzinfo=UTC))  # Mar 1 00:00 EST

    series = assignment_timeseries(workspace=ny_workspace, actor=owner_actor(ny_workspace),
                                   params=params_for(date(2026, 2, 10), date(2026, 4, 2), tz=NY, interval="month"))

    assert [(b.start.isoformat(), b.total) for b in series.buckets] == [
        ("2026-02-01T00:00:00-05:00", 1), ("2026-03-01T00:00:00-05:00", 1), ("2026-04-01T00:00:00-04:00", 0)]


def test_an_interval_with_too_many_buckets_is_a_400(workspace):
    """Parsing refuses it (selectors raise nothing HTTP)."""
    from reports.params import report_params_parse

    with pytest.raises(ApiError) as caught:
        report_params_parse(workspace=workspace, data={"start": "2026-01-01", "end": "2026-06-30", "interval": "hour"})

    assert "interval" in caught.value.errors
    # 80 days of hours is fine.
    ok = params_for(date(2026, 1, 1), date(2026, 3, 21), interval="hour")
    assert len(assignment_timeseries(workspace=workspace, actor=owner_actor(workspace), params=ok).buckets) == 80 * 24


def test_bucket_starts_for_every_interval_cover_the_range():
    period = ReportPeriod(date(2026, 10, 30), date(2026, 11, 2), NY)

    assert len(bucket_starts(period, "hour")) == 4 * 24 + 1
    assert [s.day for s in bucket_starts(period, "day")] == [30, 31, 1, 2]
    assert [s.date() for s in bucket_starts(period, "week")] == [date(2026, 10, 26), date(2026, 11, 2)]
    assert [s.date() for s in bucket_starts(period, "month")] == [date(2026, 10, 1), date(2026, 11, 1)]
