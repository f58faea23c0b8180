from django.core.management.base import BaseCommand, CommandError

from accounts.models import Membership, Workspace
from accounts.services import member_add


class Command(BaseCommand):
    help = "Add a member to a workspace (creating the user if needed); prints the user id."

    def add_arguments(self, parser):
        parser.add_argument("workspace_id", type=int)
        parser.add_argument("email")
        parser.add_argument("--role", choices=Membership.Role.values, default=Membership.Role.AGENT)
        parser.add_argument("--password", required=True)
        parser.add_argument("--name", default="")
        parser.add_argument("--team", default=None)

    def handle(self, *args, **opts):
        workspace = Workspace.objects.filter(pk=opts["workspace_id"]).first()
        if workspace is None:
            raise CommandError(f"workspace {opts['workspace_id']} does not exist")
        user = member_add(workspace=workspace, email=opts["email"], role=opts["role"], password=opts["password"],
                          name=opts["name"], team=opts["team"])
        self.stdout.write(str(user.pk))
