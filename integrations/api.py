"""Integration endpoints (api.md): Zapier action, Dialogflow fulfillment webhook, custom channel
(inbound messages and delivery status callbacks).

The Dialogflow and channel webhooks authenticate with their own secret (not an API token and
not a session), so they run without DRF authentication and check the secret's hash in
constant time. They answer in the workspace's language.
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from accounts.models import Team
from accounts.permissions import request_actor
from accounts.selectors import member_user_get
from accounts.throttling import ApiTokenRateThrottle
from assignments.models import AssignmentSource
from contacts.api import assignee_parse, contact_assign_respond, contact_resolve, request_object
from contacts.models import Contact, Conversation, DeliveryStatus, Message
from contacts.selectors import MAX_ID, phone_is_e164
from contacts.serializers import (
    AssignResultSerializer,
    ContactSerializer,
    ZapierAssignInputSerializer,
    assignment_event_row,
)
from contacts.services import ConversationError, message_status_record
from crm.api import ApiError
from messaging.services import CLOSING_NOTE_MAX_LENGTH

from . import services
from .models import Channel, DialogflowIntegration

ERRORS = {
    400: OpenApiResponse(description='Bad input: `{"message", "errors": {"<field>": ["<why>"]}}`.'),
    401: OpenApiResponse(description="Missing or wrong credentials."),
}


def _path_id(raw: str) -> int | None:
    raw = (raw or "").strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 19 or not 0 < int(raw) <= MAX_ID:
        return None
    return int(raw)


def _whole_number(value) -> int | None:
    """An id from JSON: an int, a whole float (Dialogflow sends numbers as 3.0) or a digit string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit() and len(value.strip()) <= 19:
        value = int(value.strip())
    if isinstance(value, int) and 0 < value <= MAX_ID:
        return value
    return None


class WebhookRateThrottle(SimpleRateThrottle):
    """Requests per minute to one channel's or integration's webhook (``INTEGRATIONS_WEBHOOK_RATE``).

    Keyed by the id in the path, so one noisy integration cannot starve the others. Checked
    after the secret (``throttle_check``), so requests with a wrong secret cannot use up the
    budget of the real sender.
    """

    scope = "integration_webhook"
    path_kwarg = ""

    def get_rate(self):
        return getattr(settings, "INTEGRATIONS_WEBHOOK_RATE", "1200/min")

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": f"{self.scope}:{self.path_kwarg}",
                                    "ident": str(view.kwargs.get(self.path_kwarg, ""))[:40]}


def throttle_check(view: APIView, request, throttle_class) -> None:
    throttle = throttle_class()
    if not throttle.allow_request(request, view):
        view.throttled(request, throttle.wait())


class ChannelRateThrottle(WebhookRateThrottle):
    path_kwarg = "channel_id"


class ChannelStatusRateThrottle(WebhookRateThrottle):
    """Status callbacks have their own budget per channel: a burst of receipts after a broadcast
    must not hold back the contacts' inbound messages."""

    scope = "integration_webhook_status"
    path_kwarg = "channel_id"


class DialogflowRateThrottle(WebhookRateThrottle):
    path_kwarg = "integration_id"


def _not_found(message: str) -> ApiError:
    return ApiError(message, status_code=status.HTTP_404_NOT_FOUND)


def _unauthorized(message: str) -> ApiError:
    return ApiError(message, status_code=status.HTTP_401_UNAUTHORIZED)


# --- Zapier ---


class ZapierAssignApi(APIView):
    throttle_classes = [ApiTokenRateThrottle]

    @extend_schema(
        summary="Zapier: assign a contact",
        description=(
            "The Zapier \"assign contact\" action. Bearer API token only (a browser session gets 403). "
            '`contact` is an identifier (`id:<n>`, `email:<address>`, `phone:<+E.164>`); `assignee` a '
            "member's id or email, or null to unassign. Same response as the contacts assignee "
            "endpoint; the event's source is `zapier`."
        ),
        request=ZapierAssignInputSerializer,
        responses={200: AssignResultSerializer, **ERRORS,
                   403: OpenApiResponse(description="Not an API token."),
                   429: OpenApiResponse(description="Too many requests with this API token."),
                   404: OpenApiResponse(description="No such contact in this workspace.")},
    )
    def post(self, request):
        actor = request_actor(request)
        if actor.token is None:
            raise ApiError(_("The Zapier action needs an API token (Authorization: Bearer <token>)."),
                           status_code=status.HTTP_403_FORBIDDEN)
        data = request_object(request)
        identifier = data.get("contact")
        if not isinstance(identifier, str) or not identifier.strip():
            raise ApiError(_("contact: give a contact identifier: id:<n>, email:<address> or phone:<+E.164>."),
                           {"contact": [_("This field is required.")]})
        contact = contact_resolve(actor=actor, identifier=identifier.strip(), field="contact")
        assignee = assignee_parse(workspace=actor.workspace, data=data)
        return contact_assign_respond(
            workspace=actor.workspace, contact=contact, assignee=assignee, source=AssignmentSource.ZAPIER
        )


# --- Dialogflow ---


def _bearer(request) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    parts = header.split()
    if len(parts) == 2 and parts[0].lower() == "bearer":
        return parts[1]
    return None


def _bad_payload(message: str, field: str) -> ApiError:
    return ApiError(message, {field: [message]})


def _dialogflow_contact(integration: DialogflowIntegration, data: dict) -> Contact:
    """``originalDetectIntentRequest.payload.contact_id``, else the session's last segment ``contact-<id>``."""
    raw = None
    original = data.get("originalDetectIntentRequest")
    if original is not None and not isinstance(original, dict):
        raise _bad_payload(_("originalDetectIntentRequest must be an object."), "originalDetectIntentRequest")
    payload = (original or {}).get("payload")
    if payload is not None and not isinstance(payload, dict):
        raise _bad_payload(_("originalDetectIntentRequest.payload must be an object."),
                           "originalDetectIntentRequest.payload")
    field = "originalDetectIntentRequest.payload.contact_id"
    if payload and payload.get("contact_id") not in (None, ""):
        raw = payload["contact_id"]
    else:
        session = data.get("session")
        field = "session"
        if isinstance(session, str) and session.rstrip("/").rsplit("/", 1)[-1].startswith("contact-"):
            raw = session.rstrip("/").rsplit("/", 1)[-1][len("contact-"):]
    if raw is None:
        raise _bad_payload(
            _("Name the contact in originalDetectIntentRequest.payload.contact_id or end the session id with contact-<id>."),
            "originalDetectIntentRequest.payload.contact_id",
        )
    contact_id = _whole_number(raw)
    if contact_id is None:
        raise _bad_payload(_("The contact id must be a positive whole number."), field)
    contact = Contact.objects.filter(workspace_id=integration.workspace_id, pk=contact_id).first()
    if contact is None:
        raise _not_found(_("Contact not found."))
    return contact


def _fulfillment(text: str, *, changed: bool, event, contact: Contact, workspace) -> Response:
    contact = Contact.objects.select_related("assignee").get(pk=contact.pk)
    return Response(
        {
            "fulfillmentText": text,
            "source": "crm",
            "payload": {
                "crm": {
                    "changed": changed,
                    "event": assignment_event_row(event, workspace=workspace) if event is not None else None,
                    "contact": ContactSerializer(contact).data,
                }
            },
        }
    )


DIALOGFLOW_EXAMPLE = {
    "responseId": "0f6e8c1a-1b2c",
    "session": "projects/acme-bot/agent/sessions/contact-42",
    "queryResult": {
        "queryText": "Quiero hablar con ventas",
        "action": "assign",
        "parameters": {"team": 3},
        "intent": {"displayName": "handover.sales"},
    },
    "originalDetectIntentRequest": {"source": "crm", "payload": {"contact_id": 42}},
}


class DialogflowWebhookApi(APIView):
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes: list = []  # checked after the secret: throttle_check

    @extend_schema(
        summary="Dialogflow ES fulfillment webhook",
        description=(
            "Configure it in the Dialogflow ES console's Fulfillment with the header "
            "`Authorization: Bearer <integration secret>` (the integration's secret, not an API token).\n\n"
            "The contact is `originalDetectIntentRequest.payload.contact_id`, or the last segment of "
            "`session` when it is `contact-<id>`. `queryResult.action`:\n"
            "- `assign` with `parameters.assignee` (a member's email or id), or `parameters.team` "
            "(a team id: the next team member by round robin; `parameters.only_online: true` skips "
            "away members). When nobody can be picked the contact stays unassigned.\n"
            "- `unassign`.\n"
            "- `close`: closes the contact's open conversation (source `bot`), with the optional "
            "`parameters.note` (text, at most 2000 characters) as its closing note. `changed` says "
            "whether a conversation was closed (false when none was open); `event` is null.\n\n"
            "While an agent has paused the bot on the open conversation (\"Pausar el Chatbot\"), "
            "every action does nothing and `fulfillmentText` is empty.\n\n"
            "Answers a `WebhookResponse` whose `fulfillmentText` speaks the workspace language, and "
            "`payload.crm` = `{changed, event, contact}`; `event` is the assignment event (source "
            "`bot`), if one was written. The `fulfillmentText` is the bot's answer and is not "
            "stored as a message."
        ),
        parameters=[OpenApiParameter("integration_id", int, location=OpenApiParameter.PATH)],
        request=inline_serializer(
            "DialogflowWebhookRequest",
            {
                "session": serializers.CharField(required=False),
                "queryResult": serializers.DictField(),
                "originalDetectIntentRequest": serializers.DictField(required=False),
            },
        ),
        examples=[OpenApiExample("Hand over to a team", value=DIALOGFLOW_EXAMPLE, request_only=True)],
        responses={
            200: inline_serializer(
                "DialogflowWebhookResponse",
                {"fulfillmentText": serializers.CharField(), "source": serializers.CharField(),
                 "payload": serializers.DictField()},
            ),
            **ERRORS,
            404: OpenApiResponse(description="No such integration, or the contact is not in its workspace."),
            429: OpenApiResponse(description="Too many requests to this integration's webhook."),
        },
    )
    def post(self, request, integration_id: str):
        pk = _path_id(integration_id)
        integration = (
            DialogflowIntegration.objects.select_related("workspace").filter(pk=pk).first() if pk else None
        )
        if integration is None:
            raise _not_found(_("Dialogflow integration not found."))
        if not integration.secret_matches(_bearer(request)):
            raise _unauthorized(_("Wrong or missing integration secret (Authorization: Bearer <secret>)."))
        translation.activate(integration.workspace.language)
        throttle_check(self, request, DialogflowRateThrottle)
        return self._fulfill(request, integration)

    def _fulfill(self, request, integration: DialogflowIntegration) -> Response:
        workspace = integration.workspace
        data = request_object(request)
        query = data.get("queryResult")
        if not isinstance(query, dict):
            raise _bad_payload(_("queryResult is required and must be an object."), "queryResult")
        action = query.get("action")
        if action not in ("assign", "unassign", "close"):
            raise _bad_payload(_("queryResult.action must be assign, unassign or close."), "queryResult.action")
        parameters = query.get("parameters")
        parameters = {} if parameters is None else parameters
        if not isinstance(parameters, dict):
            raise _bad_payload(_("queryResult.parameters must be an object."), "queryResult.parameters")
        contact = _dialogflow_contact(integration, data)
        # "Pausar el Chatbot" (Mensajes): while an agent has paused the bot on the open
        # conversation, the bot neither speaks nor hands over; the agent is in charge.
        if Conversation.objects.filter(contact=contact, status=Conversation.Status.OPEN, bot_paused=True).exists():
            return _fulfillment("", changed=False, event=None, contact=contact, workspace=workspace)

        if action == "close":
            note = parameters.get("note")
            note = "" if note is None else note
            if not isinstance(note, str) or len(note) > CLOSING_NOTE_MAX_LENGTH:
                message = _("queryResult.parameters.note must be a text of at most %(max)s characters.")
                raise _bad_payload(message % {"max": CLOSING_NOTE_MAX_LENGTH}, "queryResult.parameters.note")
            # PostgreSQL text cannot hold NUL characters.
            note = note.replace("\x00", "").strip()
            closed = services.dialogflow_conversation_close(contact=contact, note=note)
            # The same answer when nothing was open: Dialogflow may retry a webhook call.
            return _fulfillment(
                _("Thank you for writing to us. We have closed this conversation; write again whenever you need."),
                changed=closed is not None, event=None, contact=contact, workspace=workspace,
            )

        if action == "unassign":
            result = services.dialogflow_contact_unassign(contact=contact)
            return _fulfillment(
                _("An agent will be with you as soon as possible."),
                changed=result.event is not None, event=result.event, contact=contact, workspace=workspace,
            )

        assignee_ref = parameters.get("assignee")
        team_ref = parameters.get("team")
        if assignee_ref in (None, "") and team_ref in (None, ""):
            raise _bad_payload(_("Give queryResult.parameters.assignee or queryResult.parameters.team."),
                               "queryResult.parameters")
        if assignee_ref not in (None, "") and team_ref not in (None, ""):
            raise _bad_payload(_("Give either an assignee or a team, not both."), "queryResult.parameters")
        if assignee_ref not in (None, ""):
            ref = _whole_number(assignee_ref) if not isinstance(assignee_ref, str) or "@" not in assignee_ref else assignee_ref
            # PostgreSQL text cannot hold NUL: such an email names nobody.
            if isinstance(ref, str) and "\x00" in ref:
                ref = None
            user = member_user_get(workspace=workspace, ref=ref) if ref is not None else None
            if user is None:
                raise _bad_payload(_("The assignee is not a member of this workspace."),
                                   "queryResult.parameters.assignee")
            result = services.dialogflow_contact_assign(contact=contact, assignee=user)
        else:
            team_id = _whole_number(team_ref)
            team = Team.objects.filter(workspace=workspace, pk=team_id).first() if team_id else None
            if team is None:
                raise _bad_payload(_("No team of this workspace has this id."), "queryResult.parameters.team")
            only_online = parameters.get("only_online") in (True, "true", "True", 1)
            result = services.dialogflow_contact_assign(contact=contact, team=team, only_online=only_online)
            if not result.picked:
                return _fulfillment(
                    _("All our agents are busy right now; we will answer you as soon as possible."),
                    changed=False, event=None, contact=contact, workspace=workspace,
                )
        return _fulfillment(
            _("%(name)s will help you shortly.") % {"name": result.assignee.display_name},
            changed=result.event is not None, event=result.event, contact=contact, workspace=workspace,
        )


# --- Custom inbound channel ---


class InboundContactSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)

    def validate_phone(self, value):
        value = value.strip()
        if value and not phone_is_e164(value):
            raise serializers.ValidationError(_("Use the international E.164 format, e.g. +5215512345678."))
        return value

    def validate(self, attrs):
        if not attrs.get("email") and not attrs.get("phone"):
            raise serializers.ValidationError({"phone": [_("Give the contact's phone or email.")]})
        return attrs


class InboundInputSerializer(serializers.Serializer):
    contact = InboundContactSerializer()
    text = serializers.CharField(max_length=10000)

    def validate_text(self, value):
        if not value.strip():
            raise serializers.ValidationError(_("This field may not be blank."))
        return value


class ChannelInboundApi(APIView):
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes: list = []  # checked after the secret: throttle_check

    @extend_schema(
        summary="Custom channel: inbound message",
        description=(
            "An external system posts a contact's message with the header `X-Channel-Secret`. The "
            "contact is found by email, then phone, or created. A conversation is opened if none is "
            "open (then the `conversation_opened` workflows run), and the message is stored. A "
            "returning contact keeps their assignee and no assignment event is written."
        ),
        parameters=[
            OpenApiParameter("channel_id", int, location=OpenApiParameter.PATH),
            OpenApiParameter("X-Channel-Secret", str, location=OpenApiParameter.HEADER, required=True),
        ],
        request=InboundInputSerializer,
        responses={
            202: inline_serializer(
                "ChannelInboundAccepted",
                {"contact_id": serializers.IntegerField(), "conversation_id": serializers.IntegerField(),
                 "opened": serializers.BooleanField()},
            ),
            **ERRORS,
            404: OpenApiResponse(description="No such channel."),
            429: OpenApiResponse(description="Too many requests to this channel's webhook."),
        },
    )
    def post(self, request, channel_id: str):
        pk = _path_id(channel_id)
        channel = Channel.objects.select_related("workspace").filter(pk=pk).first() if pk else None
        if channel is None:
            raise _not_found(_("Channel not found."))
        if not channel.secret_matches(request.META.get("HTTP_X_CHANNEL_SECRET")):
            raise _unauthorized(_("Wrong or missing channel secret (X-Channel-Secret)."))
        translation.activate(channel.workspace.language)
        throttle_check(self, request, ChannelRateThrottle)
        serializer = InboundInputSerializer(data=request_object(request))
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = services.channel_inbound_receive(channel=channel, text=data["text"], **data["contact"])
        return Response(
            {"contact_id": result.contact.pk, "conversation_id": result.conversation.pk, "opened": result.opened},
            status=status.HTTP_202_ACCEPTED,
        )


# --- Custom channel: delivery status callback ---

# The statuses a channel reports; "queued" is the CRM's own (before the channel has it).
CALLBACK_STATUSES = [DeliveryStatus.SENT, DeliveryStatus.DELIVERED, DeliveryStatus.READ, DeliveryStatus.FAILED]
CALLBACK_STATUS_VALUES = [str(s) for s in CALLBACK_STATUSES]


class StatusInputSerializer(serializers.Serializer):
    message_id = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False,
                                          help_text="The CRM's id of the message (the `message_id` it was POSTed with).")
    external_id = serializers.CharField(max_length=200, required=False,
                                        help_text="The channel's id for the message (returned when it was POSTed). "
                                                  "With `message_id` too, it is recorded as the message's id.")
    status = serializers.ChoiceField(choices=CALLBACK_STATUS_VALUES)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True,
                                   help_text="Why it failed (kept for `failed`).")
    timestamp = serializers.DateTimeField(required=False, help_text="When it happened (ISO 8601); default: now.")

    def validate(self, attrs):
        if "message_id" not in attrs and not (attrs.get("external_id") or "").strip():
            raise serializers.ValidationError({"message_id": [_("Give the message_id or the external_id.")]})
        return attrs


class StatusResultSerializer(serializers.Serializer):
    message_id = serializers.IntegerField()
    external_id = serializers.CharField(help_text="The channel's id for the message as kept (first one given).")
    status = serializers.ChoiceField(choices=DeliveryStatus.values,
                                     help_text="The message's delivery status after this report.")
    changed = serializers.BooleanField(help_text="False for a repeat or a status that cannot follow the current "
                                                 "one (a late delivered after read, failed after delivered).")


class ChannelStatusApi(APIView):
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes: list = []  # checked after the secret: throttle_check

    @extend_schema(
        summary="Custom channel: delivery status of an outgoing message",
        description=(
            "The channel reports what happened to an outgoing message it was given (POSTed to its outbound "
            "URL), with the header `X-Channel-Secret`. Name the message by `message_id` or by the `external_id` "
            "the channel answered with. Statuses only move forward (queued < sent < failed < delivered < read): "
            "a repeat, a late `delivered` after `read` or `failed` after `delivered` changes nothing "
            "(`changed: false`, still 200), so callbacks may be retried. A message of another channel or "
            "workspace is a 404."
        ),
        parameters=[
            OpenApiParameter("channel_id", int, location=OpenApiParameter.PATH),
            OpenApiParameter("X-Channel-Secret", str, location=OpenApiParameter.HEADER, required=True),
        ],
        request=StatusInputSerializer,
        examples=[OpenApiExample("Delivered", request_only=True,
                                 value={"external_id": "wamid.HBgM", "status": "delivered",
                                        "timestamp": "2026-11-24T09:15:02-06:00"}),
                  OpenApiExample("Failed", request_only=True,
                                 value={"message_id": 4812, "status": "failed", "reason": "number not on WhatsApp"})],
        responses={
            200: StatusResultSerializer,
            **ERRORS,
            404: OpenApiResponse(description="No such channel, or no outgoing message of this channel with that id."),
            429: OpenApiResponse(description="Too many status callbacks to this channel."),
        },
    )
    def post(self, request, channel_id: str):
        pk = _path_id(channel_id)
        channel = Channel.objects.select_related("workspace").filter(pk=pk).first() if pk else None
        if channel is None:
            raise _not_found(_("Channel not found."))
        if not channel.secret_matches(request.META.get("HTTP_X_CHANNEL_SECRET")):
            raise _unauthorized(_("Wrong or missing channel secret (X-Channel-Secret)."))
        translation.activate(channel.workspace.language)
        throttle_check(self, request, ChannelStatusRateThrottle)
        serializer = StatusInputSerializer(data=request_object(request))
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        external_id = (data.get("external_id") or "").strip()
        # Only outgoing messages handed to this channel: another channel's or workspace's are a 404.
        messages = Message.objects.filter(workspace_id=channel.workspace_id, delivery_channel_id=channel.pk,
                                          direction=Message.Direction.OUT)
        if "message_id" in data:
            message = messages.filter(pk=data["message_id"]).first()
        else:
            message = messages.filter(external_id=external_id).first()
        if message is None:
            raise _not_found(_("No outgoing message of this channel has this id."))
        try:
            event = message_status_record(message=message, status=data["status"], reason=data.get("reason", ""),
                                          at=data.get("timestamp"), external_id=external_id)
        except ConversationError as error:
            raise ApiError(_("This external_id already names another message of this channel."),
                           {"external_id": [str(error)]}) from error
        return Response({"message_id": message.pk, "external_id": message.external_id,
                         "status": message.delivery_status, "changed": event is not None})
