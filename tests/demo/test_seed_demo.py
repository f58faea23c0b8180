from django.core.management import call_command

from assignments.models import AssignmentEvent, AssignmentSource
from tests.assignments.test_services import assert_chain_holds


def test_seed_demo_is_idempotent_and_covers_every_source(db):
    call_command("seed_demo", "--contacts", "40", "--events", "300")
    count = AssignmentEvent.objects.count()
    call_command("seed_demo", "--contacts", "40", "--events", "300")

    assert count > 200 and AssignmentEvent.objects.count() == count
    assert set(AssignmentEvent.objects.values_list("source", flat=True)) == set(AssignmentSource.values)
    for contact_id in AssignmentEvent.objects.values_list("contact_id", flat=True).distinct()[:20]:
        assert_chain_holds(contact_id)
    assert not AssignmentEvent.objects.filter(source=AssignmentSource.USER, assigned_by__isnull=True).exists()
    # today's web-chat traffic: the enabled sales workflow assigned the three new contacts
    web_chat = AssignmentEvent.objects.filter(contact__phone__in=["+5215511110001", "+5215511110002", "+5215511110003"])
    assert list(web_chat.values_list("source", flat=True)) == [AssignmentSource.WORKFLOW] * 3

