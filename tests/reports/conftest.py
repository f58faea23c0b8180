"""Fixtures of the report tests: a workspace whose data starts long ago, and an event writer.

Report tests write ``AssignmentEvent`` rows directly (production code never does: it goes
through ``contact_assign``) so they can place events at exact instants, e.g. in both 01:00 hours
of a fall-back day, and bulk-insert thousands for the log cap.
"""

from datetime import UTC, datetime

import pytest

from accounts.models import Workspace
from tests.factories import ContactFactory, ConversationFactory, build_event  # noqa: F401 (re-exported)

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


@pytest.fixture
def workspace(workspace):
    """Alice's workspace (America/Mexico_City), created in 2020 so no range is before its data."""
    Workspace.objects.filter(pk=workspace.pk).update(created_at=LONG_AGO)
    workspace.refresh_from_db()
    return workspace


@pytest.fixture
def contact(workspace):
    return ContactFactory(workspace=workspace, first_name="José", last_name="Pérez")


@pytest.fixture
def conversation(contact):
    return ConversationFactory(contact=contact)


@pytest.fixture
def add_event(workspace, contact):
    """Write one event: ``add_event(at, source=..., new=user, previous=user, by=user, ...)``."""

    def add(at, *, target_workspace=None, **kwargs):
        kwargs.setdefault("contact", contact)
        event = build_event(target_workspace or workspace, at, **kwargs)
        event.save()
        return event

    return add
