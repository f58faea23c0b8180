from django.urls import path

from .api import MeStatusApi

urlpatterns = [
    path("me/status", MeStatusApi.as_view(), name="api-me-status"),
]
