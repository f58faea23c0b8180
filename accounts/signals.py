"""Facts about workspaces that upper floors react to (accounts imports no app above it).

Sent by the services in ``accounts/services.py``, inside their transaction, so a receiver's
writes commit or roll back with the workspace; a receiver that enqueues work does it in
``transaction.on_commit``. Receivers: ``assignments/receivers.py`` (the report rollup).
"""

from django.dispatch import Signal

# A workspace was created (``workspace``). Sent by ``workspace_create``.
workspace_created = Signal()
# A workspace's settings were saved (``workspace``), its timezone possibly changed. Sent by
# ``workspace_settings_update``; receivers compare with what they stored, not with the form.
workspace_settings_updated = Signal()
