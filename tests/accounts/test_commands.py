from django.core.management import call_command


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


def test_a_created_workspace_has_an_empty_ready_rollup(db, capsys):
    call_command("create_workspace", "Acme", "--timezone", "Europe/Madrid", "--language", "en",
                 "--owner", "o@acme.example", "--password", "secret-123")
    workspace_id = int(capsys.readouterr().out.strip())

    from assignments.models import AssignmentRollupState
    state = AssignmentRollupState.objects.get(workspace_id=workspace_id)
    assert (state.timezone, state.ready) == ("Europe/Madrid", True)
