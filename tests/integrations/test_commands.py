import pytest
from django.core.management import CommandError, call_command

from integrations.models import Channel, DialogflowIntegration


def test_create_channel_prints_id_and_secret(workspace, capsys):
    call_command("create_channel", str(workspace.pk), "Web chat")
    out = capsys.readouterr().out
    channel_id, secret = out.strip().split(" ")
    assert out == f"{channel_id} {secret}\n"
    channel = Channel.objects.get(pk=int(channel_id))
    assert channel.workspace == workspace and channel.name == "Web chat" and channel.secret_matches(secret)
    assert secret not in channel.secret_hash


def test_create_dialogflow_integration_prints_id_and_secret(workspace, capsys):
    call_command("create_dialogflow_integration", str(workspace.pk))
    channel_id, secret = capsys.readouterr().out.split()
    integration = DialogflowIntegration.objects.get(pk=int(channel_id))
    assert integration.workspace == workspace and integration.secret_matches(secret)


def test_commands_reject_an_unknown_workspace(db):
    with pytest.raises(CommandError):
        call_command("create_channel", "999999", "x")
    with pytest.raises(CommandError):
        call_command("create_dialogflow_integration", "999999")
    with pytest.raises(CommandError):
        call_command("create_channel", "1", "  ")
