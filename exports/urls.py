from django.urls import path

from . import views

app_name = "exports"

urlpatterns = [
    path("settings/data-export/", views.data_export_page, name="data-export"),
]
