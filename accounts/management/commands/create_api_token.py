from django.core.management.base import BaseCommand, CommandError

from accounts.models import ApiToken, Workspace


class Command(BaseCommand):
    help = "Issue a Developer API token for a workspace; prints the token (shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("workspace_id", type=int)
        parser.add_argument("--name", default="API")

    def handle(self, *args, **opts):
        workspace = Workspace.objects.filter(pk=opts["workspace_id"]).first()
        if workspace is None:
            raise CommandError(f"workspace {opts['workspace_id']} does not exist")
        _, key = ApiToken.issue(workspace=workspace, name=opts["name"])
        self.stdout.write(key)
