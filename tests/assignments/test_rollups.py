import random
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from accounts.models import Membership
from assignments.models import AssignmentDailyCount, AssignmentSource
from assignments.rollups import rollup_is_ready, rollup_rebuild, rollup_snapshot
from assignments.services import contact_assign
from tests.factories import ContactFactory, WorkspaceFactory, member


def _random_history(workspace, *, events=200, seed=3, start=datetime(2026, 3, 1, tzinfo=UTC)):
    rng = random.Random(seed)
    agents = [member(workspace, Membership.Role.AGENT) for _ in range(4)]
    contacts = [ContactFactory(workspace=workspace) for _ in range(15)]
    at = start
    for _ in range(events):
        at += timedelta(minutes=rng.randrange(5, 400))
        source = rng.choice(AssignmentSource.values)
        by = rng.choice(agents) if source == AssignmentSource.USER else None
        contact_assign(contact=rng.choice(contacts), assignee=rng.choice(agents + [None]), source=source,
                       assigned_by=by, at=at)
    return agents


@pytest.fixture
def ny_workspace(db):
    # America/New_York: the history crosses the March DST change.
    return WorkspaceFactory(timezone="America/New_York")


def test_rebuilding_changes_nothing(ny_workspace):
    _random_history(ny_workspace)
    before = rollup_snapshot(workspace=ny_workspace)

    rollup_rebuild(workspace=ny_workspace)

    assert before and rollup_snapshot(workspace=ny_workspace) == before
    assert rollup_is_ready(workspace=ny_workspace)


def test_rollup_totals_equal_events_per_local_day(ny_workspace):
    _random_history(ny_workspace)
    from assignments.models import AssignmentEvent

    by_day: dict = {}
    for event in AssignmentEvent.objects.filter(workspace=ny_workspace):
        day = event.created_at.astimezone(ny_workspace.tzinfo).date()
        by_day[day] = by_day.get(day, 0) + 1
    rollup: dict = {}
    for row in AssignmentDailyCount.objects.filter(workspace=ny_workspace, dimension="all"):
        rollup[row.day] = rollup.get(row.day, 0) + row.count
    assert rollup == by_day


def test_agent_dimensions_add_up(ny_workspace):
    agents = _random_history(ny_workspace, events=120)
    from assignments.models import AssignmentEvent

    agent = agents[0]
    expected = AssignmentEvent.objects.filter(workspace=ny_workspace, new_assignee=agent).count() + \
        AssignmentEvent.objects.filter(workspace=ny_workspace, previous_assignee=agent).count()
    counted = sum(
        AssignmentDailyCount.objects.filter(workspace=ny_workspace, dimension__in=["new", "prev"], key=agent.pk)
        .values_list("count", flat=True)
    )
    assert counted == expected > 0


def test_timezone_change_rebuilds_rollup(client, ny_workspace, django_capture_on_commit_callbacks):
    owner = member(ny_workspace, Membership.Role.OWNER)
    _random_history(ny_workspace, events=60)
    rollup_rebuild(workspace=ny_workspace)
    client.force_login(owner)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/settings/general/", {"name": ny_workspace.name, "timezone": "Asia/Tokyo",
                                                       "language": "es"})
    assert response.status_code == 302
    ny_workspace.refresh_from_db()
    # the rebuild task ran (in-process) in the new timezone
    assert rollup_is_ready(workspace=ny_workspace)
    before = rollup_snapshot(workspace=ny_workspace)
    rollup_rebuild(workspace=ny_workspace)
    assert rollup_snapshot(workspace=ny_workspace) == before


def test_rebuild_command_check(ny_workspace, capsys):
    _random_history(ny_workspace, events=40)
    AssignmentDailyCount.objects.filter(workspace=ny_workspace, dimension="all").update(count=999)

    call_command("rebuild_assignment_rollups", str(ny_workspace.pk), "--check")

    out = capsys.readouterr().out
    assert "rollup differed" in out
    from assignments.models import AssignmentEvent

    assert sum(AssignmentDailyCount.objects.filter(workspace=ny_workspace, dimension="all")
               .values_list("count", flat=True)) == AssignmentEvent.objects.filter(workspace=ny_workspace).count()


def test_reconcile_beat_task_rebuilds_missing_and_other_timezone_rollups(ny_workspace):
    # given: one rollup up to date, one whose state is missing, one whose timezone was changed
    # outside the settings page (no rebuild enqueued)
    from accounts.models import Workspace
    from assignments.models import AssignmentRollupState
    from assignments.tasks import rollups_reconcile_task

    _random_history(ny_workspace, events=40)
    rollup_rebuild(workspace=ny_workspace)
    up_to_date = AssignmentRollupState.objects.get(workspace=ny_workspace).rebuilt_at
    missing, moved = WorkspaceFactory(timezone="Europe/Madrid"), WorkspaceFactory(timezone="Asia/Kolkata")
    _random_history(missing, events=30, seed=5)
    _random_history(moved, events=30, seed=7)
    rollup_rebuild(workspace=moved)
    Workspace.objects.filter(pk=moved.pk).update(timezone="Asia/Tokyo")
    moved.refresh_from_db()
    AssignmentDailyCount.objects.filter(workspace=missing).update(count=999)
    assert not rollup_is_ready(workspace=missing) and not rollup_is_ready(workspace=moved)

    # when (tasks run in-process in tests)
    enqueued = rollups_reconcile_task()

    # then: both are recounted in their current timezone; the up-to-date one is left alone
    assert enqueued == 2
    for workspace in (missing, moved):
        assert rollup_is_ready(workspace=workspace)
        before = rollup_snapshot(workspace=workspace)
        rollup_rebuild(workspace=workspace)
        assert rollup_snapshot(workspace=workspace) == before
    assert AssignmentRollupState.objects.get(workspace=ny_workspace).rebuilt_at == up_to_date
    assert rollups_reconcile_task() == 0
