from django.core.management.base import BaseCommand, CommandError

from accounts.models import Workspace
from integrations.services import channel_create


class Command(BaseCommand):
    help = "Create a custom inbound channel; prints '<channel id> <secret>' (the secret is shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("workspace_id", type=int)
        parser.add_argument("name")

    def handle(self, *args, **opts):
        workspace = Workspace.objects.filter(pk=opts["workspace_id"]).first()
        if workspace is None:
            raise CommandError(f"workspace {opts['workspace_id']} does not exist")
        name = opts["name"].strip()
        if not name or len(name) > 100:
            raise CommandError("the channel name must have 1 to 100 characters")
        channel, secret = channel_create(workspace=workspace, name=name)
        self.stdout.write(f"{channel.pk} {secret}")
