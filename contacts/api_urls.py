from django.urls import path

from . import api, fields_api

urlpatterns = [
    path("contact-fields", fields_api.CustomFieldListApi.as_view(), name="api-contact-fields"),
    path("contact-fields/<int:field_id>", fields_api.CustomFieldDetailApi.as_view(), name="api-contact-field"),
    path("contacts", api.ContactListApi.as_view(), name="api-contacts"),
    path("contacts/<str:identifier>", api.ContactDetailApi.as_view(), name="api-contact"),
    path("contacts/<str:identifier>/tags", api.ContactTagsApi.as_view(), name="api-contact-tags"),
    path("contacts/<str:identifier>/assignee", api.ContactAssigneeApi.as_view(), name="api-contact-assignee"),
    path("contacts/<str:identifier>/messages", api.ContactMessagesApi.as_view(), name="api-contact-messages"),
]
