from django.urls import path

from . import views

app_name = "presence"

urlpatterns = [
    path("presence/status/", views.status_set, name="status-set"),
]
