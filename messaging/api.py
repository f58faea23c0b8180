"""Conversations API (api.md "Conversations"), used by the Messages module in a session.

Session users act as themselves (agents see their own and unassigned conversations, as in the
inboxes); a Bearer token acts as an unrestricted manager. Conversations of another workspace,
or of another agent, answer 404.
"""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import request_actor
from accounts.selectors import member_user_get
from accounts.throttling import ApiTokenRateThrottle
from contacts.models import Conversation, ConversationSource
from contacts.serializers import UserRefSerializer
from crm.api import ApiError
from crm.pagination import page_serializer, paginate

from . import selectors, services


class ConversationErrorSerializer(serializers.Serializer):
    """Every 4xx of the API (api.md "Errors")."""

    message = serializers.CharField(help_text="A human sentence in the workspace language.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), help_text="Why, per field (may be empty)."
    )


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ConversationErrorSerializer, description=description)


ERROR_RESPONSES = {
    400: _error("Bad input (an unknown parameter value, malformed JSON, a too long note)."),
    401: _error("Missing or bad credentials."),
    403: _error("The user is not a member of any workspace, or a session write without the CSRF token."),
    429: _error("Too many requests with this API token."),
}
NOT_FOUND = {404: _error("No such conversation in this workspace (or, for an agent, it belongs to another agent).")}
CONVERSATION_ID = OpenApiParameter(
    "conversation_id", int, OpenApiParameter.PATH, description="The conversation's id (`id` in the list)."
)
PAGINATION_PARAMETERS = [
    OpenApiParameter("page", int, description="Page number, from 1."),
    OpenApiParameter("page_size", int, description="Rows per page (at most 100, default 50)."),
]


class WorkspaceDateTimeField(serializers.DateTimeField):
    """ISO 8601 with the workspace's UTC offset (all displayed times use the workspace timezone)."""

    def to_representation(self, value):
        if value is None:
            return None
        workspace = self.context.get("workspace")
        if workspace is not None:
            value = value.astimezone(workspace.tzinfo)
        return value.isoformat()


class ConversationContactSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()


class ConversationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Conversation.Status.choices)
    contact = ConversationContactSerializer()
    assignee = UserRefSerializer(source="contact.assignee", allow_null=True)
    opened_at = WorkspaceDateTimeField()
    closed_at = WorkspaceDateTimeField(allow_null=True)
    closing_note = serializers.CharField()
    bot_paused = serializers.BooleanField()
    last_message_at = WorkspaceDateTimeField(allow_null=True)
    last_message_text = serializers.CharField(allow_null=True, default=None, help_text="Text of the newest message.")


class MessageOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    direction = serializers.ChoiceField(choices=["in", "out"], help_text="`in` from the contact, `out` to the contact.")
    text = serializers.CharField()
    author = serializers.SerializerMethodField()
    created_at = WorkspaceDateTimeField()

    @staticmethod
    def get_author(message) -> dict | None:
        if message.author_id is None:
            return None
        return {"id": message.author_id, "name": message.author.display_name if message.author else f"#{message.author_id}"}


def _actor_scope(request):
    actor = request_actor(request)
    return actor, {"workspace": actor.workspace, "user": actor.user, "is_admin": actor.is_admin}


def _conversation_or_404(request, conversation_id):
    actor, scope = _actor_scope(request)
    conversation = selectors.conversation_get(conversation_id=conversation_id, **scope)
    if conversation is None:
        raise ApiError(_("No such conversation in this workspace."), status_code=404)
    return actor, conversation


class ConversationListApi(APIView):
    throttle_classes = [ApiTokenRateThrottle]

    @extend_schema(
        summary="List conversations",
        operation_id="v1_conversations_list",
        description=(
            "Conversations of the workspace, newest activity first (closed ones: newest closed "
            "first). Agents see the conversations of their own contacts and of unassigned contacts, "
            "as in the Messages inboxes; owners, managers and API tokens see all. Paginated."
        ),
        parameters=[
            OpenApiParameter(
                "status", str, enum=["open", "closed"], description="Conversation status (default `open`)."
            ),
            OpenApiParameter(
                "assignee",
                str,
                description=(
                    "`me` (the session user; not for API tokens), `none` (unassigned contacts) or a "
                    "member's user id. Without it, every conversation the caller may see."
                ),
            ),
            *PAGINATION_PARAMETERS,
        ],
        responses={200: page_serializer(ConversationOutputSerializer, "ConversationPage"), **ERROR_RESPONSES},
    )
    def get(self, request):
        actor, scope = _actor_scope(request)
        status = request.query_params.get("status", Conversation.Status.OPEN)
        if status not in Conversation.Status.values:
            raise ApiError(
                _("status must be open or closed."), {"status": [_("Use open or closed.")]}
            )
        raw = request.query_params.get("assignee")
        assignee = None
        if raw is not None:
            if raw == "none":
                assignee = "none"
            elif raw == "me":
                if actor.user is None:
                    raise ApiError(
                        _("assignee=me needs a user session; API tokens have no user."),
                        {"assignee": [_("API tokens have no user: use a user id.")]},
                    )
                assignee = actor.user
            elif selectors.parse_id(raw) is not None:
                assignee = member_user_get(workspace=actor.workspace, ref=raw)
                if assignee is None:
                    raise ApiError(
                        _("assignee: no member of this workspace has that id."),
                        {"assignee": [_("Not a member of this workspace.")]},
                    )
            else:
                raise ApiError(
                    _("assignee must be me, none or a user id."), {"assignee": [_("Use me, none or a user id.")]}
                )
        rows = selectors.conversation_list(status=status, assignee=assignee, **scope)
        return paginate(request, rows, ConversationOutputSerializer, context={"request": request, "workspace": actor.workspace})


class ConversationCloseInputSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=services.CLOSING_NOTE_MAX_LENGTH,
        help_text="Optional closing note.",
    )


class ConversationCloseApi(APIView):
    throttle_classes = [ApiTokenRateThrottle]

    @extend_schema(
        summary="Close a conversation",
        description=(
            "Closes the conversation with an optional closing note (\"Cerrar conversación\"). "
            "Closing a closed conversation changes nothing and answers it as it is. Closing never "
            "changes the assignee. The close is recorded with source `user` (the session's user) "
            "or `api` (an API token)."
        ),
        parameters=[CONVERSATION_ID],
        request=ConversationCloseInputSerializer,
        responses={200: ConversationOutputSerializer, **ERROR_RESPONSES, **NOT_FOUND},
    )
    def post(self, request, conversation_id):
        actor, conversation = _conversation_or_404(request, conversation_id)
        data = ConversationCloseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.conversation_close_by_user(
                conversation=conversation, closed_by=actor.user, note=data.validated_data.get("note", ""),
                source=ConversationSource.API if actor.user is None else ConversationSource.USER,
            )
        except services.MessagingError as error:
            raise ApiError(error.message, {error.field: [error.message]}) from None
        _, scope = _actor_scope(request)
        conversation = selectors.conversation_get(conversation_id=conversation.pk, **scope)
        return Response(ConversationOutputSerializer(conversation, context={"workspace": actor.workspace}).data)


class ConversationMessagesApi(APIView):
    throttle_classes = [ApiTokenRateThrottle]

    @extend_schema(
        summary="List a conversation's messages",
        operation_id="v1_conversations_messages_list",
        description=(
            "Messages of the conversation, oldest first. With `after`, only messages with a larger "
            "id (the Messages page polls with the id of the last message it shows). Paginated."
        ),
        parameters=[
            CONVERSATION_ID,
            OpenApiParameter("after", OpenApiTypes.INT, description="Only messages whose id is greater than this."),
            *PAGINATION_PARAMETERS,
        ],
        responses={200: page_serializer(MessageOutputSerializer, "MessagePage"), **ERROR_RESPONSES, **NOT_FOUND},
    )
    def get(self, request, conversation_id):
        actor, conversation = _conversation_or_404(request, conversation_id)
        raw = request.query_params.get("after")
        after_id = None
        if raw not in (None, ""):
            if raw != "0" and selectors.parse_id(raw) is None:
                raise ApiError(
                    _("after must be a message id (a whole number)."), {"after": [_("Not a whole number.")]}
                )
            after_id = int(raw)
        rows = selectors.message_list(conversation=conversation, after_id=after_id)
        return paginate(request, rows, MessageOutputSerializer, context={"request": request, "workspace": actor.workspace})
