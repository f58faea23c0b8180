"""Contacts (Developer API), api.md: search, create, read, update, tags, assignee, messages.

A Bearer token acts as an unrestricted manager with no user (source ``api``); a session acts as
its user (source ``user``, the user as "Asignado por"). Agents may use every endpoint here.
"""

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.context import Actor
from accounts.models import Workspace
from accounts.permissions import request_actor
from accounts.selectors import member_user_get
from accounts.throttling import ApiTokenRateThrottle
from crm.api import ApiError
from crm.pagination import page_serializer, paginate

from . import services
from .custom_fields import CustomFieldError, custom_values_clean
from .models import Contact, ContactOrigin, SenderKind
from .selectors import ContactIdentifierError, contact_email_taken, contact_get, contact_search
from .serializers import (
    AssigneeInputSerializer,
    AssignResultSerializer,
    ContactInputSerializer,
    ContactSerializer,
    MessageInputSerializer,
    MessageSerializer,
    TagsInputSerializer,
    assignment_event_row,
)

ERROR_RESPONSES = {
    400: OpenApiResponse(description='Bad input: `{"message", "errors": {"<field>": ["<why>"]}}`.'),
    401: OpenApiResponse(description="Missing or bad credentials."),
    403: OpenApiResponse(description="Not allowed for this role."),
    429: OpenApiResponse(description="Too many requests with this API token."),
}
NOT_FOUND = {404: OpenApiResponse(description="No such contact in this workspace.")}
IDENTIFIER_PARAMETER = OpenApiParameter(
    "identifier",
    str,
    location=OpenApiParameter.PATH,
    description="`id:<n>`, `email:<address>` or `phone:<+E.164>` (e.g. `phone:+5215512345678`).",
)


# --- Helpers shared with the integrations (Zapier, Dialogflow) ---


def contact_resolve(*, actor: Actor, identifier: str, field: str = "identifier") -> Contact:
    """The actor's workspace's contact for an identifier: 400 when malformed, 404 when not found
    there or not visible to the actor (an agent's hidden contact does not exist for them)."""
    try:
        contact = contact_get(
            workspace=actor.workspace, user=actor.user, is_admin=actor.is_admin, identifier=identifier
        )
    except ContactIdentifierError as exc:
        raise ApiError(
            _("The contact identifier is not valid: use id:<n>, email:<address> or phone:<+E.164>."),
            {field: [str(exc)]},
        ) from None
    if contact is None:
        raise ApiError(_("Contact not found."), status_code=status.HTTP_404_NOT_FOUND)
    return contact


def request_object(request) -> dict:
    """The JSON body, which must be an object (a list or a bare value is a 400)."""
    data = request.data
    if not isinstance(data, dict):
        raise ApiError(_("The body must be a JSON object."), {"non_field_errors": [_("Expected a JSON object.")]})
    return data


def assignee_parse(*, workspace: Workspace, data: dict):
    """``data["assignee"]``: a member's id, a member's email, or null (unassign). 400 otherwise."""
    if "assignee" not in data:
        raise ApiError(_("assignee: This field is required."), {"assignee": [_("This field is required.")]})
    ref = data["assignee"]
    if ref is None:
        return None
    if isinstance(ref, str) and (not ref.strip() or "\x00" in ref):
        raise ApiError(_("assignee: use a user id, an email or null."), {"assignee": [_("Use a user id, an email or null.")]})
    user = member_user_get(workspace=workspace, ref=ref) if isinstance(ref, int | str) else None
    if user is None:
        raise ApiError(
            _("The assignee is not a member of this workspace."),
            {"assignee": [_("No member of this workspace has this id or email.")]},
        )
    return user


def contact_assign_respond(
    *, workspace: Workspace, contact: Contact, assignee, source: str | None = None, assigned_by=None,
    actor: Actor | None = None,
) -> Response:
    """Assign through the one write path and answer ``{"changed", "event", "contact"}``.

    With ``actor`` (the contacts assignee endpoint) the actor's role rule applies
    (``assignments.services.contact_assign_by``): a refused assignment is a 403 with the reason.
    Without it, the integrations' sources (Zapier, Dialogflow) assign as themselves.
    """
    from assignments.services import (
        AssignmentError,
        AssignmentRefused,
        contact_assign,
        contact_assign_by,
    )

    try:
        if actor is not None:
            event = contact_assign_by(actor=actor, contact=contact, assignee=assignee)
        else:
            event = contact_assign(contact=contact, assignee=assignee, source=source, assigned_by=assigned_by)
    except AssignmentRefused as exc:
        raise ApiError(exc.message, {"assignee": [exc.message]}, status_code=status.HTTP_403_FORBIDDEN) from None
    except AssignmentError as exc:
        raise ApiError(exc.message, {exc.field: [exc.message]}) from None
    contact = Contact.objects.select_related("assignee").get(pk=contact.pk)
    body = {
        "changed": event is not None,
        "event": assignment_event_row(event, workspace=workspace) if event is not None else None,
        "contact": ContactSerializer(contact).data,
    }
    return Response(body, status=status.HTTP_200_OK)


def _custom_fields(data: dict, *, workspace: Workspace, current: dict | None) -> None:
    """``data["custom_fields"]`` (the given keys) applied to the contact's current values, as a 400
    naming ``custom_fields.<key>`` when it does not fit the workspace's definitions."""
    if "custom_fields" not in data:
        return
    try:
        data["custom_fields"] = custom_values_clean(workspace=workspace, values=data["custom_fields"], current=current)
    except CustomFieldError as exc:
        raise ApiError(exc.message, {exc.field: [exc.message]}) from None


def _validated(serializer_class, data, *, partial=False, instance=None):
    serializer = serializer_class(instance=instance, data=data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- Endpoints ---


class ContactListApi(APIView):
    throttle_classes = [ApiTokenRateThrottle]

    @extend_schema(
        summary="Search contacts",
        operation_id="v1_contacts_list",
        description=(
            "Contacts of the workspace whose name, email or phone contains `search` "
            "(case-insensitive) or whose id equals it. Without `search`, every contact. "
            "Ordered by name. Paginated."
        ),
        parameters=[
            OpenApiParameter("search", str, description="Text to look for in name, email, phone; or an exact id."),
            OpenApiParameter("page", int, description="Page number, from 1."),
            OpenApiParameter("page_size", int, description="Rows per page (at most 100, default 50)."),
        ],
        responses={200: page_serializer(ContactSerializer, "ContactPage"), **ERROR_RESPONSES},
    )
    def get(self, request):
        actor = request_actor(request)
        rows = contact_search(
            workspace=actor.workspace, user=actor.user, is_admin=actor.is_admin,
            text=request.query_params.get("search", ""),
        )
        return paginate(request, rows, ContactSerializer)

    @extend_schema(
        summary="Create a contact",
        description=(
            "`first_name` is required. `email` must be unique in the workspace; `phone` is in E.164 "
            "(`+` and 7–15 digits); `custom_fields` is key → text with the workspace's custom field keys. "
            "The assignee is set only through the assignee endpoint."
        ),
        request=ContactInputSerializer,
        responses={201: ContactSerializer, **ERROR_RESPONSES},
    )
    def post(self, request):
        actor = request_actor(request)
        data = _validated(ContactInputSerializer, request_object(request))
        _custom_fields(data, workspace=actor.workspace, current=None)
        if data.get("email") and contact_email_taken(workspace=actor.workspace, email=data["email"]):
            raise ApiError(
                _("A contact with this email already exists."),
                {"email": [_("A contact with this email already exists.")]},
            )
        # A token is the Developer API; a session is a person in the app (the app's own pages).
        origin = ContactOrigin.USER if actor.user is not None else ContactOrigin.API
        contact = services.contact_create(workspace=actor.workspace, origin=origin, created_by=actor.user, **data)
        return Response(ContactSerializer(contact).data, status=status.HTTP_201_CREATED)


class ContactDetailApi(APIView):
    throttle_classes = [ApiTokenRateThrottle]

    @extend_schema(
        summary="Get a contact",
        parameters=[IDENTIFIER_PARAMETER],
        responses={200: ContactSerializer, **ERROR_RESPONSES, **NOT_FOUND},
    )
    def get(self, request, identifier: str):
        actor = request_actor(request)
        contact = contact_resolve(actor=actor, identifier=identifier)
        return Response(ContactSerializer(contact).data)

    @extend_schema(
        summary="Update a contact",
        description=(
            "Changes the given fields. `tags` replaces the list. `custom_fields` sets the given keys "
            "(an empty text or null removes a value) and keeps the others. The assignee cannot be changed here."
        ),
        parameters=[IDENTIFIER_PARAMETER],
        request=ContactInputSerializer(partial=True),
        responses={200: ContactSerializer, **ERROR_RESPONSES, **NOT_FOUND},
    )
    def patch(self, request, identifier: str):
        actor = request_actor(request)
        contact = contact_resolve(actor=actor, identifier=identifier)
        body = request_object(request)
        if "assignee" in body:
            raise ApiError(
                _("The assignee is changed with POST /api/v1/contacts/<identifier>/assignee."),
                {"assignee": [_("Not editable here; use the assignee endpoint.")]},
            )
        data = _validated(ContactInputSerializer, body, partial=True)
        with transaction.atomic():
            if "custom_fields" in data:
                # The given keys merge into the values as they are under the row lock, so two
                # PATCHes of different keys at once both land.
                current = Contact.objects.select_for_update().values_list("custom_fields", flat=True).get(pk=contact.pk)
                _custom_fields(data, workspace=actor.workspace, current=current)
            if data.get("email") and contact_email_taken(
                workspace=actor.workspace, email=data["email"], exclude_id=contact.pk
            ):
                raise ApiError(
                    _("A contact with this email already exists."),
                    {"email": [_("A contact with this email already exists.")]},
                )
            contact = services.contact_update(contact=contact, **data)
        contact = Contact.objects.select_related("assignee").get(pk=contact.pk)
        return Response(ContactSerializer(contact).data)


class ContactTagsApi(APIView):
    throttle_classes = [ApiTokenRateThrottle]

    @extend_schema(
        summary="Add tags to a contact",
        description="Adds the tags the contact does not have yet. Answers the contact.",
        parameters=[IDENTIFIER_PARAMETER],
        request=TagsInputSerializer,
        responses={200: ContactSerializer, **ERROR_RESPONSES, **NOT_FOUND},
    )
    def post(self, request, identifier: str):
        actor = request_actor(request)
        contact = contact_resolve(actor=actor, identifier=identifier)
        data = _validated(TagsInputSerializer, request_object(request))
        contact = services.contact_tags_add(contact=contact, tags=data["tags"])
        return Response(ContactSerializer(contact).data)

    @extend_schema(
        summary="Remove tags from a contact",
        description="Removes the given tags (tags the contact does not have are ignored). Answers the contact.",
        parameters=[IDENTIFIER_PARAMETER],
        request=TagsInputSerializer,
        responses={200: ContactSerializer, **ERROR_RESPONSES, **NOT_FOUND},
    )
    def delete(self, request, identifier: str):
        actor = request_actor(request)
        contact = contact_resolve(actor=actor, identifier=identifier)
        data = _validated(TagsInputSerializer, request_object(request))
        contact = services.contact_tags_remove(contact=contact, tags=data["tags"])
        return Response(ContactSerializer(contact).data)


class ContactAssigneeApi(APIView):
    throttle_classes = [ApiTokenRateThrottle]

    @extend_schema(
        summary="Assign or unassign a contact",
        description=(
            '`{"assignee": <user id> | "<email>" | null}`; `null` unassigns. With an API token the '
            "event's source is `api` and it has no assigning user; in a session the source is `user` "
            "and the session's user is the assigning user. Assigning the current assignee again "
            'changes nothing: `{"changed": false, "event": null}`. An agent may take an unassigned '
            "contact or unassign their own; anything else is a 403 with the reason unless the workspace "
            "lets agents reassign to other agents. A contact the agent may not see is a 404."
        ),
        parameters=[IDENTIFIER_PARAMETER],
        request=AssigneeInputSerializer,
        responses={200: AssignResultSerializer, **ERROR_RESPONSES, **NOT_FOUND},
    )
    def post(self, request, identifier: str):
        actor = request_actor(request)
        contact = contact_resolve(actor=actor, identifier=identifier)
        assignee = assignee_parse(workspace=actor.workspace, data=request_object(request))
        return contact_assign_respond(workspace=actor.workspace, contact=contact, assignee=assignee, actor=actor)


class ContactMessagesApi(APIView):
    throttle_classes = [ApiTokenRateThrottle]

    @extend_schema(
        summary="Send a message to a contact",
        description=(
            "Sends an outgoing message, opening a conversation if none is open. In a session the "
            "session's user is the author, and sending to an unassigned contact assigns it to them "
            "(source `user`). With an API token the message has no author and assigns nobody. A "
            "conversation opened by this message has source `user` (session) or `api` (token); only "
            "a session user's message counts as a response to the contact."
        ),
        parameters=[IDENTIFIER_PARAMETER],
        request=MessageInputSerializer,
        responses={201: MessageSerializer, **ERROR_RESPONSES, **NOT_FOUND},
    )
    def post(self, request, identifier: str):
        actor = request_actor(request)
        contact = contact_resolve(actor=actor, identifier=identifier)
        data = _validated(MessageInputSerializer, request_object(request))
        if actor.user is None:
            sender_kind, author = SenderKind.API, None
        else:
            sender_kind, author = SenderKind.USER, actor.user
        message = services.message_send(contact=contact, text=data["text"], sender_kind=sender_kind, author=author)
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)
