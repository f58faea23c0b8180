from django.core.management.base import BaseCommand

from accounts.models import Workspace
from contacts.resolutions import resolution_business_recompute, resolution_facts_rebuild


class Command(BaseCommand):
    help = ("Resoluciones' recorded facts: recompute the business seconds under each workspace's schedule in "
            "force (default), or with --all every row from the conversation events (all workspaces, or the ids).")

    def add_arguments(self, parser):
        parser.add_argument("workspace_ids", nargs="*", type=int)
        parser.add_argument("--all", action="store_true", help="rebuild every row from the events")

    def handle(self, *args, **opts):
        workspaces = Workspace.objects.order_by("pk")
        if opts["workspace_ids"]:
            workspaces = workspaces.filter(pk__in=opts["workspace_ids"])
        for workspace in workspaces:
            if opts["all"]:
                rows = resolution_facts_rebuild(workspace=workspace)
                self.stdout.write(f"workspace {workspace.pk}: {rows} resolutions rebuilt")
            else:
                rows = resolution_business_recompute(workspace=workspace)
                self.stdout.write(f"workspace {workspace.pk}: {rows} business times recomputed")
