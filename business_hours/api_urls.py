from django.urls import path

from . import api

urlpatterns = [
    path("settings/business-hours", api.BusinessHoursApi.as_view(), name="api-business-hours"),
]
