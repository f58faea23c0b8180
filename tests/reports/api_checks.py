"""The API contract every report's tests check the same way (api.md "Errors")."""


def assert_bad_request_names(response, field, context=None):
    """A 400 in the JSON shape of api.md whose ``errors`` name ``field``."""
    assert response.status_code == 400, (context, response.content)
    body = response.json()
    assert field in body["errors"] and body["message"]


def assert_unauthenticated(response):
    """A 401 in the JSON shape of api.md."""
    assert response.status_code == 401 and "message" in response.json()
