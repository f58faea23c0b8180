"""The rollup follows its workspace: accounts sends the facts (``accounts/signals.py``), the
rollup's owner acts on them. Connected in ``AssignmentsConfig.ready``."""

from django.db import transaction

from .rollups import rollup_is_ready, rollup_state_start
from .tasks import rollup_rebuild_task


def rollup_on_workspace_created(sender, *, workspace, **kwargs) -> None:
    rollup_state_start(workspace=workspace)


def rollup_on_workspace_settings_updated(sender, *, workspace, **kwargs) -> None:
    # Rollup days are workspace-local days. Compared with the stored state (the timezone the
    # rollup was counted in), not with the form: the reports read the raw events until the
    # rebuild commits, and the beat task (``rollups_reconcile_task``) catches a lost rebuild.
    if not rollup_is_ready(workspace=workspace):
        transaction.on_commit(lambda: rollup_rebuild_task.delay(workspace.pk))
