"""Celery tasks of Data Export: thin interfaces over ``exports.services``."""

from celery import shared_task

from . import services


# acks_late + reject_on_worker_lost: the message is acknowledged only after the attempt ends,
# so a worker killed mid-export does not lose it. The run itself is idempotent (a finished
# export is left alone), so a redelivered or duplicated message does no harm.
@shared_task(name="exports.run", bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def export_run_task(self, export_id: int) -> None:
    services.export_run(export_id=export_id, task_id=self.request.id or "")


@shared_task(name="exports.housekeeping", ignore_result=True)
def exports_housekeeping_task() -> dict:
    """Beat, every minute: recover exports whose worker died, delete expired files."""
    swept = services.exports_sweep_stale()
    expired = services.exports_expire()
    return {**swept, "expired": expired}
