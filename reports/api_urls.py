"""The report API: every report's three operations (``reports.framework.api.report_api_urls``)."""

from .api import urlpatterns as assignments
from .assignment_analysis_api import urlpatterns as assignment_analysis
from .broadcasts_api import urlpatterns as broadcasts
from .contacts_api import urlpatterns as contacts
from .conversations_api import urlpatterns as conversations
from .leaderboard_api import urlpatterns as leaderboard
from .messages_api import urlpatterns as messages
from .resolutions_api import urlpatterns as resolutions
from .responses_api import urlpatterns as responses
from .users_api import urlpatterns as users

urlpatterns = [
    *assignments,
    *assignment_analysis,
    *conversations,
    *responses,
    *resolutions,
    *messages,
    *leaderboard,
    *users,
    *contacts,
    *broadcasts,
]
