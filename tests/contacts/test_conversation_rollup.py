"""The Conversaciones rollup's write path (contacts/rollups.py): counted in the same transaction
as the event, rolled back with it, exact under concurrent closes, rebuilt after a timezone
change (docs/performance.md "Conversaciones")."""

import threading
from datetime import UTC, date, datetime

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from accounts.models import Membership, Workspace
from accounts.services import workspace_create
from contacts.models import ConversationDailyCount, ConversationRollupState
from contacts.rollups import (
    rollup_is_ready,
    rollup_open_snapshot,
    rollup_rebuild,
    rollup_snapshot,
    rollup_state_start,
)
from contacts.services import conversation_close, conversation_open
from contacts.tasks import conversation_rollups_reconcile_task
from tests.factories import ContactFactory, ConversationFactory, WorkspaceFactory, member

AT = datetime(2026, 3, 8, 6, 30, tzinfo=UTC)  # 01:30 EST, the night New York springs forward


@pytest.fixture
def ny(db):
    workspace = WorkspaceFactory(timezone="America/New_York")
    rollup_state_start(workspace=workspace)
    return workspace


def test_open_and_close_count_per_local_day_and_move_the_opened_row(ny):
    contact = ContactFactory(workspace=ny)
    conversation, _ = conversation_open(contact=contact, at=AT, channel_id=7)
    assert rollup_snapshot(workspace=ny) == {(date(2026, 3, 8), "opened", "contact", "", 7): 1}

    conversation_close(conversation=conversation, source="bot", at=datetime(2026, 3, 9, 4, 30, tzinfo=UTC))

    # 00:30 EDT on 9 March: the close's local day; the opened row now carries the closing source
    assert rollup_snapshot(workspace=ny) == {
        (date(2026, 3, 8), "opened", "contact", "bot", 7): 1,
        (date(2026, 3, 9), "closed", "contact", "bot", 7): 1,
    }
    before = rollup_snapshot(workspace=ny)
    rollup_rebuild(workspace=ny)
    assert rollup_snapshot(workspace=ny) == before


def test_open_now_moves_with_opens_and_closes_in_their_transaction(ny):
    first, _ = conversation_open(contact=ContactFactory(workspace=ny), at=AT, channel_id=7)
    conversation_open(contact=ContactFactory(workspace=ny), at=AT, channel_id=7)
    conversation_open(contact=ContactFactory(workspace=ny), at=AT, source="api")
    assert rollup_open_snapshot(workspace=ny) == {("contact", 7): 2, ("api", 0): 1}

    conversation_close(conversation=first, source="bot", at=datetime(2026, 3, 9, 4, 30, tzinfo=UTC))
    conversation_close(conversation=first, source="bot", at=datetime(2026, 3, 9, 5, tzinfo=UTC))  # idempotent
    old = ConversationFactory(contact=ContactFactory(workspace=ny), opened_at=datetime(2024, 1, 1, tzinfo=UTC))
    conversation_close(conversation=old, source="workflow", at=AT)  # never counted open: moves nothing
    with pytest.raises(RuntimeError), transaction.atomic():
        conversation_open(contact=ContactFactory(workspace=ny), at=AT, channel_id=7)
        raise RuntimeError("the caller fails after opening")

    assert rollup_open_snapshot(workspace=ny) == {("contact", 7): 1, ("api", 0): 1}
    rollup_rebuild(workspace=ny)
    assert rollup_open_snapshot(workspace=ny) == {("contact", 7): 1, ("api", 0): 1}


def test_a_close_of_a_conversation_opened_before_lifecycle_recording_has_no_opening_source(ny):
    conversation = ConversationFactory(contact=ContactFactory(workspace=ny), opened_at=datetime(2024, 1, 1, tzinfo=UTC))

    conversation_close(conversation=conversation, source="workflow", at=AT)

    assert rollup_snapshot(workspace=ny) == {(date(2026, 3, 8), "closed", "", "workflow", 0): 1}


def test_a_rolled_back_open_or_close_writes_no_count(ny):
    contact = ContactFactory(workspace=ny)
    with pytest.raises(RuntimeError), transaction.atomic():
        conversation_open(contact=contact, at=AT)
        raise RuntimeError("the caller fails after opening")
    assert not ConversationDailyCount.objects.filter(workspace=ny).exists()

    conversation, _ = conversation_open(contact=contact, at=AT)
    before = rollup_snapshot(workspace=ny)
    with pytest.raises(RuntimeError), transaction.atomic():
        conversation_close(conversation=conversation, source="api", at=AT)
        raise RuntimeError("the caller fails after closing")
    assert rollup_snapshot(workspace=ny) == before


def test_a_new_workspace_starts_with_a_ready_rollup(db):
    workspace = workspace_create(name="Nueva", timezone="Europe/Madrid", language="es",
                                 owner_email="owner@nueva.example", owner_password="x" * 12)
    state = ConversationRollupState.objects.get(workspace=workspace)
    assert state.ready and state.timezone == "Europe/Madrid" and rollup_is_ready(workspace=workspace)


def test_a_timezone_change_rebuilds_the_rollup(client, ny, django_capture_on_commit_callbacks):
    owner = member(ny, Membership.Role.OWNER)
    conversation, _ = conversation_open(contact=ContactFactory(workspace=ny), at=AT)
    conversation_close(conversation=conversation, source="api", at=datetime(2026, 3, 8, 20, tzinfo=UTC))
    client.force_login(owner)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/settings/general/", {"name": ny.name, "timezone": "Asia/Tokyo", "language": "es"})

    assert response.status_code == 302
    ny.refresh_from_db()
    assert rollup_is_ready(workspace=ny)  # the rebuild task ran (in-process) in Tokyo days
    assert rollup_snapshot(workspace=ny) == {(date(2026, 3, 8), "opened", "contact", "api", 0): 1,
                                             (date(2026, 3, 9), "closed", "contact", "api", 0): 1}


def test_the_beat_task_rebuilds_missing_and_other_timezone_rollups(ny):
    conversation_open(contact=ContactFactory(workspace=ny), at=AT)
    missing, moved = WorkspaceFactory(timezone="Europe/Madrid"), WorkspaceFactory(timezone="Asia/Kolkata")
    rollup_state_start(workspace=moved)
    conversation_open(contact=ContactFactory(workspace=missing), at=AT)
    conversation_open(contact=ContactFactory(workspace=moved), at=AT)
    Workspace.objects.filter(pk=moved.pk).update(timezone="Asia/Tokyo")
    moved.refresh_from_db()
    untouched = ConversationRollupState.objects.get(workspace=ny).rebuilt_at

    assert conversation_rollups_reconcile_task() >= 2  # tasks run in-process in tests

    for workspace in (missing, moved):
        assert rollup_is_ready(workspace=workspace)
        assert sum(rollup_snapshot(workspace=workspace).values()) == 1
    assert ConversationRollupState.objects.get(workspace=ny).rebuilt_at == untouched


def test_rebuild_command_check(ny, capsys):
    conversation_open(contact=ContactFactory(workspace=ny), at=AT)
    ConversationDailyCount.objects.filter(workspace=ny).update(count=5)

    call_command("rebuild_conversation_rollups", str(ny.pk), "--check")

    assert "rollup differed" in capsys.readouterr().out
    assert sum(rollup_snapshot(workspace=ny).values()) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_closes_count_every_close_once():
    # given: 12 conversations opened the same local day, same sources and channel (one hot row)
    workspace = WorkspaceFactory(timezone="America/New_York")
    rollup_state_start(workspace=workspace)
    conversations = [conversation_open(contact=ContactFactory(workspace=workspace), at=AT, channel_id=3)[0]
                     for _ in range(12)]
    errors = []

    def close(index):
        try:
            barrier.wait(timeout=10)
            conversation_close(conversation=conversations[index], source="api", at=datetime(2026, 3, 9, 15, tzinfo=UTC))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    # when: they all close at once (and some twice: a close is idempotent)
    threads = [threading.Thread(target=close, args=(i % 12,)) for i in range(16)]
    barrier = threading.Barrier(16)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # then
    assert not errors, errors
    assert rollup_snapshot(workspace=workspace) == {
        (date(2026, 3, 8), "opened", "contact", "api", 3): 12,
        (date(2026, 3, 9), "closed", "contact", "api", 3): 12,
    }
    before = rollup_snapshot(workspace=workspace)
    rollup_rebuild(workspace=workspace)
    assert rollup_snapshot(workspace=workspace) == before
    assert rollup_open_snapshot(workspace=workspace) == {}
