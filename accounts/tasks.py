"""Celery tasks of accounts: thin interfaces over ``accounts.services``."""

from celery import shared_task

from . import services

# Seconds between attempts while storage refuses; it retries until every file is gone.
RETRY_SECONDS = 60


# acks_late: a worker that dies mid-run leaves the message to be redelivered; the run is
# idempotent (rows are dropped only once their file is gone), so a redelivery does no harm.
@shared_task(name="accounts.workspace_files_delete", bind=True, acks_late=True, reject_on_worker_lost=True,
             ignore_result=True, max_retries=None)
def workspace_files_delete_task(self) -> int:
    """Remove the stored files of deleted workspaces (``WorkspaceFileDeletion``) until none is left."""
    try:
        left = services.workspace_files_delete()
    except Exception as exc:
        raise self.retry(exc=exc, countdown=RETRY_SECONDS) from None
    if left:
        # More than one batch: carry on in a new message rather than hold the worker.
        raise self.retry(countdown=0)
    return left
