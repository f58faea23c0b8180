from assignments.models import AssignmentDailyCount, AssignmentEvent
from contacts.models import Contact
from crm.db_router import ReportReplicaRouter, report_reads


def test_report_reads_go_to_the_replica_only_inside_report_reads(monkeypatch):
    from django.conf import settings

    router = ReportReplicaRouter()
    assert router.db_for_read(AssignmentEvent) is None  # no replica configured
    # The router only asks whether a "replica" alias is configured.
    monkeypatch.setitem(settings.DATABASES, "replica", dict(settings.DATABASES["default"]))

    assert router.db_for_read(AssignmentEvent) is None  # the write path reads the primary
    with report_reads():
        assert router.db_for_read(AssignmentEvent) == "replica"
        assert router.db_for_read(AssignmentDailyCount) == "replica"
        assert router.db_for_read(Contact) is None
    assert router.db_for_write(AssignmentEvent) == "default"
    assert router.allow_migrate("replica", "assignments") is False
