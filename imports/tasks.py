from celery import shared_task

from . import services


@shared_task(
    name="imports.contact_import_run",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def contact_import_run_task(contact_import_id: int) -> None:
    """Import the rows of a queued import. Safe to deliver twice: a finished import is left
    alone and a running one resumes after its last committed batch (see the service)."""
    services.contact_import_run(contact_import_id=contact_import_id)


@shared_task(name="imports.housekeeping", ignore_result=True)
def contact_import_housekeeping_task() -> dict:
    """Celery beat, every 5 minutes: re-send the task of imports whose worker went silent,
    delete rejected-rows files older than 7 days and drafts never started after a day."""
    return services.contact_import_housekeeping()
