from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("settings/data-import/", views.data_import, name="data-import"),
    path("settings/data-import/<int:import_id>/", views.data_import_detail, name="data-import-detail"),
]
