from django.urls import path

from . import views

app_name = "broadcasts"

urlpatterns = [
    path("broadcasts/", views.broadcast_list_page, name="list"),
    path("broadcasts/new/", views.broadcast_create_page, name="create"),
    path("broadcasts/segments/", views.segment_list_page, name="segments"),
    path("broadcasts/segments/<int:segment_id>/delete/", views.segment_delete_view, name="segment-delete"),
    path("broadcasts/<int:broadcast_id>/", views.broadcast_detail_page, name="detail"),
    path("broadcasts/<int:broadcast_id>/failures/", views.broadcast_failures_page, name="failures"),
    path("broadcasts/<int:broadcast_id>/retry/", views.broadcast_retry, name="retry"),
    path("broadcasts/<int:broadcast_id>/cancel/", views.broadcast_cancel_view, name="cancel"),
]
