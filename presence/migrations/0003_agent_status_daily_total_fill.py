"""Count the day rollup of the workspaces whose status events predate it (data migration).

Uses the historical models and the rollup's pure helpers (interval replay and the split at
local midnights), the same numbers as ``presence.rollups.rollup_rebuild``.
"""

from collections import defaultdict
from zoneinfo import ZoneInfo

from django.db import migrations


def fill(apps, schema_editor):
    from presence.rollups import seconds_between, split_by_day, timeline_intervals

    Workspace = apps.get_model("accounts", "Workspace")
    Event = apps.get_model("presence", "AgentStatusEvent")
    Total = apps.get_model("presence", "AgentStatusDailyTotal")
    State = apps.get_model("presence", "AgentStatusRollupState")
    for workspace in Workspace.objects.filter(pk__in=Event.objects.values("workspace_id")).order_by("pk"):
        tz = ZoneInfo(workspace.timezone)
        totals = defaultdict(int)
        events = (Event.objects.filter(workspace_id=workspace.pk).order_by("user_id", "created_at", "id")
                  .values_list("user_id", "new_status", "created_at").iterator(chunk_size=5000))
        for user_id, status, start, end in timeline_intervals(events):
            for day, a, b in split_by_day(start, end, tz):
                totals[(user_id, day, status)] += seconds_between(a, b)
        rows, running, key = [], 0, None
        for (u, d, s), n in sorted(totals.items(), key=lambda item: (item[0][0], item[0][2], item[0][1])):
            if n <= 0:
                continue
            running = (running if key == (u, s) else 0) + n
            key = (u, s)
            rows.append(Total(workspace_id=workspace.pk, user_id=u, day=d, status=s, seconds=n, cumulative=running))
        Total.objects.bulk_create(rows, batch_size=5000)
        State.objects.update_or_create(workspace_id=workspace.pk, defaults={"timezone": workspace.timezone})


def unfill(apps, schema_editor):
    apps.get_model("presence", "AgentStatusDailyTotal").objects.all().delete()
    apps.get_model("presence", "AgentStatusRollupState").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("presence", "0002_agent_status_daily_total")]
    operations = [migrations.RunPython(fill, unfill)]
