from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "imports"

    def ready(self):
        from django.db.models.signals import pre_delete

        from accounts.models import Workspace

        from . import receivers

        # pre_delete of the workspace runs before any of its rows are deleted (the collector
        # sends every pre_delete first), in the deleting transaction.
        pre_delete.connect(receivers.import_files_on_workspace_delete, sender=Workspace, dispatch_uid="imports.files_on_workspace_delete")
