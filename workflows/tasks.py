"""Celery interface of the Flujos module.

The inbound channel may run workflows in its request (``workflow_trigger_conversation_opened``)
or enqueue this task with ``transaction.on_commit``. Retrying it is safe: each workflow runs
once per conversation (see ``workflows.services``).
"""

from celery import shared_task

from contacts.models import Conversation

from .services import workflow_trigger_conversation_opened


@shared_task(name="workflows.conversation_opened_run")
def workflows_conversation_opened_run(conversation_id: int) -> None:
    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if conversation is None:  # deleted before the worker got to it
        return
    workflow_trigger_conversation_opened(conversation=conversation)
