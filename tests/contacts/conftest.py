import pytest
from django.core.cache import cache

from tests.factories import ContactFactory


@pytest.fixture(autouse=True)
def _clear_throttle_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def ana(workspace):
    return ContactFactory(
        workspace=workspace, first_name="Ana", last_name="López", email="ana@cliente.mx", phone="+5215511112222",
        tags=["vip"],
    )


@pytest.fixture
def globex_contact(other_workspace):
    return ContactFactory(workspace=other_workspace, first_name="Gus", email="gus@globex.example", phone="+34600111222")
