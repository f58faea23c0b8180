"""Give the events written before ``conversation_assignment`` and ``first_assignment_seconds``
were recorded the values ``contact_assign`` now records (docs/reports.md "Asignaciones: time to
first assignment, reassignments, assignment to close"), computed once by the same rules from the
immutable events and the conversations' ``opened_at``. Batched by conversation id; only rows
whose two new columns are still empty are touched, so a rerun changes nothing.

A conversation deleted with its contact has no ``opened_at`` left: its events get their
positions but no first wait.
"""

from datetime import timedelta

from django.db import migrations

BATCH = 20_000  # conversation ids per statement


def _positions_sql(events: str) -> str:
    # The position among the conversation's assignments to a person, by (created_at, id), and
    # whether the event is the conversation's first one made while the contact was unassigned.
    return f"""
        UPDATE {events} SET conversation_assignment = (
            SELECT count(*) FROM {events} p
            WHERE p.workspace_id = {events}.workspace_id AND p.conversation_id = {events}.conversation_id
              AND p.new_assignee_id IS NOT NULL
              AND (p.created_at < {events}.created_at OR (p.created_at = {events}.created_at AND p.id <= {events}.id))
        )
        WHERE conversation_id >= %s AND conversation_id < %s AND new_assignee_id IS NOT NULL
          AND conversation_assignment IS NULL"""


def backfill(apps, schema_editor):
    AssignmentEvent = apps.get_model("assignments", "AssignmentEvent")
    Conversation = apps.get_model("contacts", "Conversation")
    events = AssignmentEvent._meta.db_table
    ids = AssignmentEvent.objects.exclude(conversation_id=None).order_by()
    low = ids.order_by("conversation_id").values_list("conversation_id", flat=True).first()
    high = ids.order_by("-conversation_id").values_list("conversation_id", flat=True).first()
    if low is None:
        return
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for start in range(low, high + 1, BATCH):
            cursor.execute(_positions_sql(events), [start, start + BATCH])
            # The first event of each conversation of the batch; a first wait when it assigned a
            # person to an unassigned contact.
            firsts = {}
            for event_id, conversation_id, previous_id, new_id, at in (
                AssignmentEvent.objects.filter(conversation_id__gte=start, conversation_id__lt=start + BATCH)
                .order_by("conversation_id", "created_at", "id")
                .values_list("id", "conversation_id", "previous_assignee_id", "new_assignee_id", "created_at")
            ):
                if conversation_id not in firsts:
                    firsts[conversation_id] = (event_id, previous_id, new_id, at)
            opened = dict(Conversation.objects.filter(pk__in=list(firsts)).values_list("pk", "opened_at"))
            updates = []
            for conversation_id, (event_id, previous_id, new_id, at) in firsts.items():
                if previous_id is None and new_id is not None and conversation_id in opened:
                    wait = max(0, (at - opened[conversation_id]) // timedelta(seconds=1))
                    updates.append(AssignmentEvent(pk=event_id, first_assignment_seconds=wait))
            AssignmentEvent.objects.bulk_update(updates, ["first_assignment_seconds"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("assignments", "0003_conversation_assignment"),
        ("contacts", "0005_conversation_rollup"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
