from django.urls import path

from .api import UserListApi

urlpatterns = [
    path("users", UserListApi.as_view(), name="api-users"),
]
