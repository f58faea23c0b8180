import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.browser.conftest import (  # noqa: F401  (the shared browser fixtures, for test_browser)
    allow_orm_beside_playwright,
    artifacts_dir,
    chromium,
    one_request_at_a_time_on_sqlite,
)
from tests.factories import ContactFactory

HEADER = "first_name,last_name,email,phone,tags,assignee\n"


def csv_upload(content: bytes | str, name: str = "contactos.csv") -> SimpleUploadedFile:
    if isinstance(content, str):
        content = content.encode("utf-8")
    return SimpleUploadedFile(name, content, content_type="text/csv")


def parse_error_rows(payload: bytes, delimiter: str = ",") -> list[list[str]]:
    text = payload.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


@pytest.fixture
def upload(django_capture_on_commit_callbacks):
    """POST a CSV to the API and run the queued task (on commit, eagerly) before returning."""

    def post(client, content, *, mode=None, name="contactos.csv"):
        data = {"file": csv_upload(content, name)}
        if mode:
            data["mode"] = mode
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/api/v1/imports", data, format="multipart")

    return post


@pytest.fixture
def existing_contacts(workspace, bob):
    """María (email, no assignee, tag "old") and Pedro (phone, assigned to Bob)."""
    from assignments.models import AssignmentSource
    from assignments.services import contact_assign

    maria = ContactFactory(workspace=workspace, first_name="María", last_name="", email="maria@example.com", phone="", tags=["old"])
    pedro = ContactFactory(workspace=workspace, first_name="Pedro", last_name="", email="", phone="+525511111111")
    contact_assign(contact=pedro, assignee=bob, source=AssignmentSource.API)
    return maria, pedro
