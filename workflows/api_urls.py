from django.urls import path

from . import api

urlpatterns = [
    path("workflows", api.WorkflowListApi.as_view(), name="api-workflows"),
    # <str:…>: a malformed id answers the API's JSON 404, like an unknown one.
    path("workflows/<str:workflow_id>", api.WorkflowDetailApi.as_view(), name="api-workflow"),
]
