from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("reports/", views.report_index, name="index"),
    path("reports/assignments/", views.assignments_page, name="assignments"),
    path("reports/conversations/", views.conversations_page, name="conversations"),
    path("reports/resolutions/", views.resolutions_page, name="resolutions"),
    path("reports/responses/", views.responses_page, name="responses"),
    path("reports/messages/", views.messages_page, name="messages"),
    path("reports/leaderboard/", views.leaderboard_page, name="leaderboard"),
    path("reports/users/", views.users_page, name="users"),
    path("reports/contacts/", views.contacts_page, name="contacts"),
    path("reports/broadcasts/", views.broadcasts_page, name="broadcasts"),
]
