"""Round robin under concurrent inbound messages: the pool's cursor lock keeps it fair."""

import threading
from collections import Counter

import pytest
from django.db import connection, connections, transaction

from assignments.models import AssignmentEvent, AssignmentSource
from contacts.services import conversation_open
from tests.factories import ContactFactory
from workflows.routing import assignee_pick
from workflows.services import workflow_create, workflow_trigger_conversation_opened

THREADS = 8


def run_in_threads(target, count=THREADS):
    barrier = threading.Barrier(count)
    errors = []

    def worker(index):
        try:
            barrier.wait()
            target(index)
        except Exception as exc:  # surfaced by the assertion below
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_round_robin_picks_are_even(workspace, sales_team, sales_agents):
    picks = []
    lock = threading.Lock()

    def pick(_):
        for _ in range(3):
            with transaction.atomic():
                user = assignee_pick(workspace=workspace, team=sales_team)
            with lock:
                picks.append(user.pk)

    # when 8 workers pick from the same team at once, 3 times each
    run_in_threads(pick)

    # then every member got the same share (24 picks over 3 members)
    assert connection.vendor == "postgresql"
    counts = Counter(picks)
    assert sorted(counts) == sorted(u.pk for u in sales_agents)
    assert max(counts.values()) - min(counts.values()) <= 1, counts


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_first_picks_create_one_cursor(workspace, sales_team, sales_agents):
    # No cursor exists yet: eight first picks race to create it.
    picks = []

    def pick(_):
        picks.append(assignee_pick(workspace=workspace, team=sales_team).pk)

    run_in_threads(pick)

    counts = Counter(picks)
    assert max(counts.values()) - min(counts.values()) <= 1, counts


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("strategy", ["round_robin", "fewest_open"])
def test_concurrent_inbound_conversations_are_assigned_evenly(workspace, sales_team, sales_agents, alice, strategy):
    # given a workflow assigning new conversations to the sales team, and 8 contacts writing in at once
    workflow_create(
        workspace=workspace, name="Ventas", enabled=True, created_by=alice,
        steps=[{"type": "assign_to", "mode": "team", "team": sales_team.pk, "strategy": strategy}],
    )
    contacts = [ContactFactory(workspace=workspace) for _ in range(THREADS)]

    def inbound(index):
        with transaction.atomic():
            conversation, opened = conversation_open(contact=contacts[index])
        assert opened
        workflow_trigger_conversation_opened(conversation=conversation)

    run_in_threads(inbound)

    # then every contact was assigned once, by the workflow, evenly over the team
    events = AssignmentEvent.objects.filter(workspace=workspace)
    assert events.count() == THREADS
    assert set(events.values_list("source", flat=True)) == {AssignmentSource.WORKFLOW}
    counts = Counter(events.values_list("new_assignee_id", flat=True))
    assert sorted(counts) == sorted(u.pk for u in sales_agents)
    assert max(counts.values()) - min(counts.values()) <= 1, counts
