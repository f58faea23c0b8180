from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssignmentsConfig(AppConfig):
    name = "assignments"
    verbose_name = _("Assignments")

    def ready(self):
        from accounts.signals import workspace_created, workspace_settings_updated

        from . import receivers

        workspace_created.connect(receivers.rollup_on_workspace_created, dispatch_uid="assignments.rollup_created")
        workspace_settings_updated.connect(
            receivers.rollup_on_workspace_settings_updated, dispatch_uid="assignments.rollup_settings_updated"
        )
