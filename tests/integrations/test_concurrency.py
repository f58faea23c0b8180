"""Concurrent inbound messages and bot hand-overs (PostgreSQL: real row locks)."""

import threading

import pytest
from django.db import connection

from assignments.models import AssignmentEvent
from contacts.models import Contact, Conversation, Message
from integrations.services import channel_create, channel_inbound_receive, dialogflow_contact_assign
from tests.factories import ContactFactory, TeamFactory, member


def run_at_once(target, count):
    barrier = threading.Barrier(count)
    errors = []

    def worker(index):
        try:
            barrier.wait(timeout=10)
            target(index)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_first_messages_of_a_new_contact_make_one_contact_and_conversation(workspace):
    channel, _ = channel_create(workspace=workspace, name="Chat")

    run_at_once(lambda i: channel_inbound_receive(channel=channel, phone="+5215512340000", text=f"hola {i}"), 6)

    assert Contact.objects.filter(workspace=workspace).count() == 1
    assert Conversation.objects.count() == 1
    assert Message.objects.count() == 6


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_bot_handovers_share_the_team_evenly(workspace):
    agents = [member(workspace, email=f"agent{i}@acme.example", name=f"Agent {i}") for i in range(3)]
    team = TeamFactory(workspace=workspace, name="Ventas")
    team.members.add(*agents)
    contacts = [ContactFactory(workspace=workspace) for _ in range(9)]

    run_at_once(lambda i: dialogflow_contact_assign(contact=contacts[i], team=team), 9)

    counts = {agent.pk: AssignmentEvent.objects.filter(new_assignee=agent, source="bot").count() for agent in agents}
    assert sorted(counts.values()) == [3, 3, 3]
