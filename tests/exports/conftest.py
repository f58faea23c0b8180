"""Fixtures of the Data Export tests: bulk-written assignment events and export helpers.

Tests write ``AssignmentEvent`` rows directly with ``bulk_create`` (production code goes
through ``contact_assign``) so a 12,000-event log takes a fraction of a second.
"""

import csv
import io
import random
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Workspace
from assignments.models import AssignmentEvent, AssignmentSource
from tests.factories import ContactFactory, ConversationFactory, build_event


@pytest.fixture
def workspace(workspace):
    """Alice's workspace, created long ago so every preset lies inside its data."""
    Workspace.objects.filter(pk=workspace.pk).update(created_at=timezone.now() - timedelta(days=800))
    workspace.refresh_from_db()
    return workspace


def make_events(workspace, count, *, users, contacts, conversations=(), days=25, seed=7, now=None, batch=5000):
    """``count`` events spread over the last ``days`` days, newest at ``now``.

    Every third event shares its timestamp with the previous ones, so the export's keyset
    batches must break ties by id. Sources, assignees (including unassignments), the assigning
    user (source ``user`` only), contacts and conversations vary deterministically.
    """
    rng = random.Random(seed)
    now = now or timezone.now()
    step = timedelta(days=days) / max(count, 1)
    sources = list(AssignmentSource.values)
    events = []
    at = now
    for index in range(count):
        if index % 3 == 0:  # the other two of every three keep the previous instant (ties)
            at = now - step * index
        source = rng.choice(sources)
        new = rng.choice([*users, None])
        previous = rng.choice([*users, None])
        by = rng.choice(users) if source == AssignmentSource.USER else None
        contact = rng.choice(contacts)
        conversation = rng.choice([*conversations, None]) if conversations else None
        events.append(build_event(workspace, at, source=source, new=new, previous=previous, by=by,
                                  contact=contact, conversation=conversation))
        if len(events) >= batch:
            AssignmentEvent.objects.bulk_create(events)
            events = []
    if events:
        AssignmentEvent.objects.bulk_create(events)


@pytest.fixture
def contacts(workspace):
    return [ContactFactory(workspace=workspace) for _ in range(6)]


@pytest.fixture
def conversations(contacts):
    return [ConversationFactory(contact=c) for c in contacts[:3]]


def read_csv(data: bytes) -> list[list[str]]:
    """Parse an export with Python's csv reader (BOM tolerated)."""
    text = data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def download(client, export_id) -> bytes:
    response = client.get(f"/api/v1/exports/{export_id}/download")
    assert response.status_code == 200, response.content[:500]
    return b"".join(response.streaming_content)


@pytest.fixture(autouse=True)
def _own_temp_dir(settings, tmp_path):
    """Each test's temporary export files in a folder of its own, so checks that "no partial
    file is left" cannot see another run's files."""
    folder = tmp_path / "export-tmp"
    folder.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)

