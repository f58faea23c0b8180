from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"

    def ready(self):
        # Each report module registers its Data Export kind (reports.framework.exports).
        from . import (  # noqa: F401
            broadcasts_report,
            contacts_report,
            conversations,
            leaderboard,
            messages,
            resolutions,
            responses,
            users,
        )
