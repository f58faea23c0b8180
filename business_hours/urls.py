from django.urls import path

from . import views

app_name = "business_hours"

urlpatterns = [
    path("settings/business-hours/", views.business_hours_settings, name="settings"),
]
