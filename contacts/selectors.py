"""Reads of contacts. Every selector takes the workspace first and filters by it (tenancy).

What an agent sees is decided here, once: ``contact_visibility`` is the filter every read of
contacts, conversations and messages goes through (the Contactos list, the contact API and its
search, Mensajes, the conversations API), following the workspace's "Los agentes pueden ver"
(Configuraciones → Agentes). A contact outside it does not exist for that agent (404).
"""

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Concat
from django.utils.translation import gettext as _

from accounts.models import User, Workspace

from .models import Contact

# The largest primary key a database integer column holds; bigger "ids" are not ids.
MAX_ID = 2**63 - 1
E164_RE = re.compile(r"^\+[1-9]\d{6,14}$")


class ContactIdentifierError(ValueError):
    """A contact identifier that is not ``id:<n>``, ``email:<address>`` or ``phone:<+E.164>``."""


def phone_is_e164(value: str) -> bool:
    return bool(E164_RE.match(value or ""))


def contact_identifier_parse(identifier: str) -> tuple[str, str | int]:
    """``"id:12"`` → ``("id", 12)``; ``"email:a@b.c"`` → ``("email", "a@b.c")``; ``"phone:+52…"``.

    Raises ContactIdentifierError for anything else (the API answers 400).
    """
    kind, sep, value = (identifier or "").partition(":")
    value = value.strip()
    # PostgreSQL text cannot hold NUL: such an identifier can name no contact.
    if not sep or not value or "\x00" in value:
        raise ContactIdentifierError(_("Use id:<n>, email:<address> or phone:<+E.164>."))
    kind = kind.strip().lower()
    if kind == "id":
        if not value.isascii() or not value.isdigit() or len(value) > 19 or not 0 < int(value) <= MAX_ID:
            raise ContactIdentifierError(_("The id must be a positive whole number."))
        return "id", int(value)
    if kind == "email":
        try:
            validate_email(value)
        except ValidationError:
            raise ContactIdentifierError(_("Not a valid email address.")) from None
        return "email", value
    if kind == "phone":
        if not phone_is_e164(value):
            raise ContactIdentifierError(_("The phone must be in E.164 format, e.g. +5215512345678."))
        return "phone", value
    raise ContactIdentifierError(_("Use id:<n>, email:<address> or phone:<+E.164>."))


def contact_visibility(*, workspace: Workspace, user: User | None, is_admin: bool, path: str = "") -> Q:
    """The one rule of which contacts a member sees, as a filter on ``Contact`` (or, with
    ``path="contact__"``, on a model with a ``contact`` foreign key: conversations, messages).

    Owners, managers and API tokens (``user=None, is_admin=True``) see every contact of the
    workspace; so do agents when the workspace lets them see all contacts. Otherwise (the
    default) an agent sees the contacts assigned to them and the unassigned ones. The caller
    filters by ``workspace`` too; the rule only narrows within it.
    """
    if is_admin or workspace.agent_visibility == Workspace.AgentVisibility.ALL:
        return Q()
    if user is None:
        return Q(pk__in=[])
    return Q(**{f"{path}assignee": user}) | Q(**{f"{path}assignee__isnull": True})


def contact_visible(*, workspace: Workspace, user: User | None, is_admin: bool) -> QuerySet[Contact]:
    """The workspace's contacts this member may see (``contact_visibility``)."""
    return Contact.objects.filter(workspace=workspace).filter(
        contact_visibility(workspace=workspace, user=user, is_admin=is_admin)
    )


def contact_get(*, workspace: Workspace, user: User | None, is_admin: bool, identifier: str) -> Contact | None:
    """The workspace's contact named by an identifier, or None (other workspaces' contacts, and
    contacts this member may not see, too).

    Email and phone are not unique (imports may repeat them): the oldest matching contact wins,
    as in Data Import's matching. Uses the (workspace, email) / (workspace, phone) indexes.
    """
    kind, value = contact_identifier_parse(identifier)
    qs = contact_visible(workspace=workspace, user=user, is_admin=is_admin).select_related("assignee")
    if kind == "id":
        return qs.filter(pk=value).first()
    if kind == "email":
        return qs.filter(email__iexact=value).order_by("pk").first()
    return qs.filter(phone=value).order_by("pk").first()


def contact_find(*, workspace: Workspace, email: str = "", phone: str = "") -> Contact | None:
    """The contact an inbound message belongs to: by email first, then by phone (oldest wins)."""
    qs = Contact.objects.filter(workspace=workspace).order_by("pk")
    if email:
        found = qs.filter(email__iexact=email).first()
        if found is not None:
            return found
    if phone:
        return qs.filter(phone=phone).first()
    return None


def contact_email_taken(*, workspace: Workspace, email: str, exclude_id: int | None = None) -> bool:
    qs = Contact.objects.filter(workspace=workspace, email__iexact=email)
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return qs.exists()


def contact_search(*, workspace: Workspace, user: User | None, is_admin: bool, text: str = "") -> QuerySet[Contact]:
    """Visible contacts whose name, email or phone contains ``text`` (case-insensitive), or whose
    id is it.

    An empty search lists every contact the member may see. Ordered by name, then id.
    """
    qs = contact_visible(workspace=workspace, user=user, is_admin=is_admin).select_related("assignee")
    # PostgreSQL text cannot hold NUL characters; they can match nothing anyway.
    text = (text or "").replace("\x00", "").strip()[:200]
    if text:
        qs = qs.annotate(full_name=Concat("first_name", Value(" "), "last_name"))
        condition = (
            Q(full_name__icontains=text)
            | Q(first_name__icontains=text)
            | Q(last_name__icontains=text)
            | Q(email__icontains=text)
            | Q(phone__icontains=text)
        )
        digits = text.lstrip("#")
        if digits.isascii() and digits.isdigit() and len(digits) <= 18:
            condition |= Q(pk=int(digits))
        qs = qs.filter(condition)
    return qs.order_by("first_name", "last_name", "pk")
