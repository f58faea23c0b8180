"""Fill the conversation facts' pre-aggregates for the events written before they were kept
(docs/operations.md "Upgrading a large database"):

- ``ConversationAssignments``: one row per conversation with an assignment to a person, from the
  events' recorded positions (``conversation_assignment``), in one aggregate over the events;
- ``AssignmentFactDaily`` is counted in the workspace's timezone by the day rollup's rebuild: the
  rollup states are marked not ready, so the reports read the raw events (exact) until the beat's
  reconcile (or ``rebuild_assignment_rollups``) has rebuilt both.

Rerunnable: the table is emptied first; the events are immutable.
"""

from django.db import migrations

from assignments.rollups import conversation_assignments_fill_sql


def backfill(apps, schema_editor):
    apps.get_model("assignments", "ConversationAssignments").objects.all().delete()
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(conversation_assignments_fill_sql(workspace=False))
    apps.get_model("assignments", "AssignmentRollupState").objects.update(ready=False)


class Migration(migrations.Migration):
    dependencies = [
        ("assignments", "0005_assignment_facts"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
