import pytest
from django.core.cache import cache

from integrations.services import channel_create, dialogflow_integration_create
from tests.factories import ContactFactory


@pytest.fixture(autouse=True)
def _clear_throttle_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def channel(workspace):
    """(channel, secret) of a custom channel in Alice's workspace."""
    return channel_create(workspace=workspace, name="Web chat")


@pytest.fixture
def globex_channel(other_workspace):
    return channel_create(workspace=other_workspace, name="Globex chat")


@pytest.fixture
def bot(workspace):
    """(integration, secret) of a Dialogflow integration in Alice's workspace."""
    return dialogflow_integration_create(workspace=workspace)


@pytest.fixture
def globex_bot(other_workspace):
    return dialogflow_integration_create(workspace=other_workspace)


@pytest.fixture
def ana(workspace):
    return ContactFactory(workspace=workspace, first_name="Ana", last_name="López", email="ana@cliente.mx",
                          phone="+5215511112222")


@pytest.fixture
def globex_contact(other_workspace):
    return ContactFactory(workspace=other_workspace, first_name="Gus", email="gus@globex.example")


def assert_error(response, status_code, field=None):
    assert response.status_code == status_code, response.content
    body = response.json()
    assert set(body) == {"message", "errors"} and body["message"], body
    if field:
        assert field in body["errors"], body
    return body
