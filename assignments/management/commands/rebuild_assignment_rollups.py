from django.core.management.base import BaseCommand

from accounts.models import Workspace
from assignments.rollups import fact_snapshot, rollup_rebuild, rollup_snapshot


class Command(BaseCommand):
    help = "Recompute the assignment rollups from the events (all workspaces, or the given ids)."

    def add_arguments(self, parser):
        parser.add_argument("workspace_ids", nargs="*", type=int)
        parser.add_argument("--check", action="store_true", help="report whether rebuilding changed anything")

    @staticmethod
    def snapshot(workspace):
        return rollup_snapshot(workspace=workspace), fact_snapshot(workspace=workspace)

    def handle(self, *args, **opts):
        workspaces = Workspace.objects.order_by("pk")
        if opts["workspace_ids"]:
            workspaces = workspaces.filter(pk__in=opts["workspace_ids"])
        changed = 0
        for workspace in workspaces:
            before = self.snapshot(workspace) if opts["check"] else None
            total = rollup_rebuild(workspace=workspace)
            if opts["check"] and before != self.snapshot(workspace):
                changed += 1
                self.stdout.write(self.style.WARNING(f"workspace {workspace.pk}: rollup differed from events"))
            self.stdout.write(f"workspace {workspace.pk}: {total} events counted")
        if opts["check"]:
            self.stdout.write("rollups consistent" if not changed else f"{changed} workspace(s) corrected")
