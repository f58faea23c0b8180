from django.core.management.base import BaseCommand, CommandError

from accounts.models import Workspace
from integrations.services import dialogflow_integration_create


class Command(BaseCommand):
    help = (
        "Create a Dialogflow bot integration; prints '<integration id> <secret>' (the secret is shown "
        "only once). Its webhook is /api/v1/integrations/dialogflow/<integration id>/webhook."
    )

    def add_arguments(self, parser):
        parser.add_argument("workspace_id", type=int)
        parser.add_argument("--name", default="Dialogflow")

    def handle(self, *args, **opts):
        workspace = Workspace.objects.filter(pk=opts["workspace_id"]).first()
        if workspace is None:
            raise CommandError(f"workspace {opts['workspace_id']} does not exist")
        name = opts["name"].strip()
        if not name or len(name) > 100:
            raise CommandError("the integration name must have 1 to 100 characters")
        integration, secret = dialogflow_integration_create(workspace=workspace, name=name)
        self.stdout.write(f"{integration.pk} {secret}")
