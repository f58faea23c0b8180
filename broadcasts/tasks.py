from celery import shared_task

from . import services


@shared_task(name="broadcasts.broadcast_send", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def broadcast_send_task(broadcast_id: int) -> None:
    """Send a broadcast. Safe to deliver twice: one run owns the broadcast (its lease), and a run
    taking over a dead one resumes after the last committed batch (see the service)."""
    services.broadcast_run(broadcast_id=broadcast_id)


@shared_task(name="broadcasts.housekeeping", ignore_result=True)
def broadcasts_housekeeping_task() -> dict:
    """Celery beat, every 30 seconds: queue the scheduled broadcasts that are due and resume the
    ones whose worker died."""
    return services.broadcasts_housekeeping()
