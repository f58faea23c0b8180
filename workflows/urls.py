from django.urls import path

from . import views

app_name = "workflows"

urlpatterns = [
    path("workflows/", views.workflow_list_page, name="list"),
    path("workflows/new/", views.workflow_create_page, name="create"),
    path("workflows/templates/<slug:key>/", views.workflow_template_use, name="template"),
    path("workflows/<int:workflow_id>/", views.workflow_edit_page, name="edit"),
    path("workflows/<int:workflow_id>/toggle/", views.workflow_toggle, name="toggle"),
    path("workflows/<int:workflow_id>/delete/", views.workflow_delete_page, name="delete"),
]
