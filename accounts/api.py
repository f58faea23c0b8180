from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from crm.pagination import page_serializer, paginate

from .permissions import request_actor
from .selectors import member_list


class UserListApi(APIView):
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        name = serializers.CharField()
        email = serializers.EmailField()
        role = serializers.CharField()
        status = serializers.CharField()

    @extend_schema(
        summary="List workspace members",
        operation_id="v1_users_list",
        description="Members of the workspace (for the assignee pickers). `status` is online or away.",
        parameters=[
            OpenApiParameter("page", int, description="Page number, from 1."),
            OpenApiParameter("page_size", int, description="Rows per page (at most 100, default 50)."),
        ],
        responses={
            200: page_serializer(OutputSerializer, "UserPage"),
            400: OpenApiResponse(description='Bad `page` or `page_size`: `{"message", "errors"}`.'),
            401: OpenApiResponse(description="Missing or bad credentials."),
            403: OpenApiResponse(description="The user is not a member of any workspace."),
            429: OpenApiResponse(description="Too many requests with this API token or user."),
        },
    )
    def get(self, request):
        actor = request_actor(request)
        rows = [
            {"id": m.user_id, "name": m.user.display_name, "email": m.user.email, "role": m.role,
             "status": m.user.availability}
            for m in member_list(workspace=actor.workspace)
        ]
        return paginate(request, rows, self.OutputSerializer)
