"""Trigger targets owned by upper floors. Transmisiones (``broadcasts``, above workflows)
registers here, in its ``ready()``, how to list a workspace's broadcasts; workflows names no
upper app."""

from collections.abc import Callable

from accounts.models import Workspace

# (workspace) -> [(broadcast id, name)], newest first; None until broadcasts is installed.
broadcast_choices: Callable[[Workspace], list[tuple[int, str]]] | None = None


def broadcast_options(workspace: Workspace) -> list[tuple[int, str]]:
    return broadcast_choices(workspace) if broadcast_choices is not None else []
