from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.services import workspace_create


class Command(BaseCommand):
    help = "Create a workspace with its owner; prints the workspace id."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--timezone", default="America/Mexico_City")
        parser.add_argument("--language", choices=["es", "en"], default="es")
        parser.add_argument("--owner", required=True, help="owner email")
        parser.add_argument("--password", required=True)
        parser.add_argument("--owner-name", default="")

    def handle(self, *args, **opts):
        try:
            workspace = workspace_create(
                name=opts["name"], timezone=opts["timezone"], language=opts["language"],
                owner_email=opts["owner"], owner_password=opts["password"], owner_name=opts["owner_name"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        self.stdout.write(str(workspace.pk))
