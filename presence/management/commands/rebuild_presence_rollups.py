"""Recount the Usuarios report's day rollup (``presence.AgentStatusDailyTotal``) from the events."""

from django.core.management.base import BaseCommand

from accounts.models import Workspace
from presence.rollups import rollup_rebuild


class Command(BaseCommand):
    help = "Recount the per-day time per status of every workspace (or --workspace ID) from its status events."

    def add_arguments(self, parser):
        parser.add_argument("--workspace", type=int, action="append", help="Only this workspace (repeatable).")

    def handle(self, *args, **options):
        workspaces = Workspace.objects.order_by("pk")
        if options["workspace"]:
            workspaces = workspaces.filter(pk__in=options["workspace"])
        for workspace in workspaces:
            rows = rollup_rebuild(workspace=workspace)
            self.stdout.write(f"{workspace.pk}\t{rows}")
