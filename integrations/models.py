"""Integrations of a workspace that authenticate with their own secret.

- ``Channel``: a custom channel; its inbound webhook and status callback take ``X-Channel-Secret``;
  with an ``outbound_url`` the CRM posts the outgoing messages of its conversations there, signed
  with a key derived from the secret (``integrations/delivery.py``).
- ``DialogflowIntegration``: a Dialogflow ES agent's fulfillment webhook; ``Authorization: Bearer``.

Only the SHA-256 of a secret is stored (secrets are 256-bit random values, so a fast hash is
enough); the secret itself is shown once, when created or rotated. Webhooks compare hashes in
constant time (``secret_matches``).
"""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Workspace


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


class SecretHolder(models.Model):
    """A row with a hashed secret: issue, rotate and check it."""

    SECRET_PREFIX = ""

    secret_hash = models.CharField(max_length=64)
    secret_prefix = models.CharField(_("secret prefix"), max_length=12)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    secret_rotated_at = models.DateTimeField(_("secret rotated at"), null=True, blank=True)

    class Meta:
        abstract = True

    @classmethod
    def secret_new(cls) -> str:
        return cls.SECRET_PREFIX + secrets.token_urlsafe(32)

    def secret_set(self, secret: str) -> None:
        self.secret_hash = secret_hash(secret)
        self.secret_prefix = secret[:12]

    def secret_matches(self, secret: str | None) -> bool:
        if not secret:
            return False
        return hmac.compare_digest(secret_hash(secret), self.secret_hash)


class Channel(SecretHolder):
    """A custom channel: an external system posts the contacts' messages to its webhook and, when
    it has an outbound URL, receives the outgoing messages of its conversations there."""

    SECRET_PREFIX = "chs_"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="channels")
    name = models.CharField(_("name"), max_length=100)
    # Where outgoing messages are POSTed (http or https); blank: the channel only receives.
    outbound_url = models.CharField(_("outbound URL"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class DialogflowIntegration(SecretHolder):
    """A Dialogflow ES agent whose fulfillment webhook may assign and unassign contacts (source bot)."""

    SECRET_PREFIX = "dfs_"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="dialogflow_integrations")
    name = models.CharField(_("name"), max_length=100, default="Dialogflow")

    class Meta:
        verbose_name = _("Dialogflow integration")
        verbose_name_plural = _("Dialogflow integrations")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name
