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


def test_admin_commands(db, capsys):
    call_command("create_workspace", "Acme", "--timezone", "Europe/Madrid", "--language", "en",
                 "--owner", "o@acme.example", "--password", "secret-123")
    workspace_id = int(capsys.readouterr().out.strip())
    call_command("add_member", str(workspace_id), "a@acme.example", "--role", "agent", "--password", "pw-123456",
                 "--name", "Agente", "--team", "Ventas")
    user_id = int(capsys.readouterr().out.strip())
    call_command("create_api_token", str(workspace_id))
    token = capsys.readouterr().out.strip()

    from accounts.models import ApiToken, Membership, Team
    assert Membership.objects.get(workspace_id=workspace_id, user_id=user_id).role == "agent"
    assert Team.objects.get(workspace_id=workspace_id, name="Ventas").members.filter(pk=user_id).exists()
    assert ApiToken.objects.get(key_hash=ApiToken.hash_key(token)).workspace_id == workspace_id
