from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from crm.pagination import paginate

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
        description="Members of the workspace (for the assignee pickers). `status` is online or away.",
        responses=OutputSerializer(many=True),
    )
    def get(self, request):
        actor = request_actor(request)
        rows = [
            {"id": m.user_id, "name": m.user.display_name, "email": m.user.email, "role": m.role,
             "status": m.user.availability}
            for m in member_list(workspace=actor.workspace)
        ]
        return paginate(request, rows, self.OutputSerializer)
