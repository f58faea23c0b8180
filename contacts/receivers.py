"""The conversation rollup follows its workspace: accounts sends the facts
(``accounts/signals.py``), contacts — which writes the conversation events and their rollup —
acts on them, as ``assignments/receivers.py`` does for the assignment rollup. Connected in
``ContactsConfig.ready``."""

from django.db import transaction

from .rollups import rollup_is_ready, rollup_state_start
from .tasks import conversation_rollup_rebuild_task


def conversation_rollup_on_workspace_created(sender, *, workspace, **kwargs) -> None:
    rollup_state_start(workspace=workspace)


def conversation_rollup_on_workspace_settings_updated(sender, *, workspace, **kwargs) -> None:
    # Rollup days are workspace-local days. Compared with the stored state, not with the form:
    # the reports read the raw events until the rebuild commits, and the beat task
    # (``conversation_rollups_reconcile_task``) catches a lost rebuild.
    if not rollup_is_ready(workspace=workspace):
        transaction.on_commit(lambda: conversation_rollup_rebuild_task.delay(workspace.pk))
