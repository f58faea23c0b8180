"""Settings, read from environment variables with safe defaults (see README "Configuration")."""

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and os.environ.get("CRM_REQUIRE_SECRET_KEY"):
        raise RuntimeError("SECRET_KEY must be set in production")
    # Development-only key: `make run` and the tests use it; production sets SECRET_KEY.
    SECRET_KEY = "dev-insecure-key-change-me-" + "x" * 32
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "presence",
    "contacts",
    "assignments",
    "reports",
    "exports",
    "integrations",
    "workflows",
    "messaging",
    "imports",
    "business_hours",
    "broadcasts",
    # Dev tools (seed_demo, bench_*): last, the top floor; no other app imports it.
    "demo",
]

MIDDLEWARE = [
    "crm.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.ActiveWorkspaceMiddleware",
    "presence.middleware.PresenceHeartbeatMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "crm.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "crm.urls"
WSGI_APPLICATION = "crm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.workspace",
            ],
        },
    },
]

# SQLite file in the project folder unless DATABASE_URL names PostgreSQL.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 30
    # The covering indexes' INCLUDE columns are a PostgreSQL optimisation; SQLite (the
    # zero-setup default) builds the same indexes without them, which is all it needs.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
# A read replica for the report reads (crm/db_router.py); writes always go to "default".
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(os.environ["DATABASE_REPLICA_URL"], conn_max_age=60)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["crm.db_router.ReportReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/reports/assignments/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# Spanish first; the workspace language (es / en) is activated per request.
LANGUAGE_CODE = "es"
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": os.environ.get("FILE_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage")},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env_bool("STATIC_MANIFEST", False)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL and os.environ.get("PYTEST_XDIST_WORKER", "").startswith("gw"):
    # The test suite in parallel (`make test`, pytest-xdist): each test process, and the Celery
    # workers it starts, use their own Redis database (the given one, then one below per
    # process), so no worker takes another process's tasks or counters.
    _url = urlsplit(REDIS_URL)
    _db = int(_url.path.strip("/") or 0) - int(os.environ["PYTEST_XDIST_WORKER"][2:] or 0)
    REDIS_URL = _url._replace(path=f"/{_db % 16}").geturl()
if REDIS_URL:
    # Rate-limit and login-failure counters only; a Redis outage degrades to misses (crm/cache.py).
    CACHES = {
        "default": {
            "BACKEND": "crm.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: with REDIS_URL workers on Redis run the tasks; without it, tasks run in-process.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict = {}
# Data Export: requeue/fail exports whose worker died, delete expired files (exports/tasks.py).
CELERY_BEAT_SCHEDULE["exports-housekeeping"] = {"task": "exports.housekeeping", "schedule": 60.0}
# Data Import: re-send stale imports, delete rejected-rows files after 7 days and abandoned drafts (imports/tasks.py).
CELERY_BEAT_SCHEDULE["imports-housekeeping"] = {"task": "imports.housekeeping", "schedule": 300.0}
# Report rollups: rebuild the ones missing or counted in another timezone (assignments/tasks.py).
CELERY_BEAT_SCHEDULE["assignments-rollups-reconcile"] = {"task": "assignments.rollups_reconcile", "schedule": 600.0}
# The Conversaciones rollup: the same for conversation events (contacts/tasks.py).
CELERY_BEAT_SCHEDULE["contacts-conversation-rollups-reconcile"] = {
    "task": "contacts.conversation_rollups_reconcile", "schedule": 600.0}
# Resoluciones: recompute recorded business seconds after a schedule or timezone change (contacts/tasks.py).
CELERY_BEAT_SCHEDULE["contacts-resolution-facts-reconcile"] = {
    "task": "contacts.resolution_facts_reconcile", "schedule": 600.0}
# Estado de Actividad: members idle for AGENT_IDLE_MINUTES go offline (presence/tasks.py).
CELERY_BEAT_SCHEDULE["presence-idle-sweep"] = {"task": "presence.idle_sweep", "schedule": 60.0}
# Transmisiones: queue scheduled broadcasts when due, resume the ones whose worker died (broadcasts/tasks.py).
CELERY_BEAT_SCHEDULE["broadcasts-housekeeping"] = {"task": "broadcasts.housekeeping", "schedule": 30.0}
# Deleted workspaces: remove their stored files still listed (a message lost while the broker was down) (accounts/tasks.py).
CELERY_BEAT_SCHEDULE["accounts-workspace-files-delete"] = {"task": "accounts.workspace_files_delete", "schedule": 600.0}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Bearer first, so a request without credentials answers 401 with WWW-Authenticate.
        "accounts.authentication.BearerTokenAuthentication",
        "accounts.authentication.CsrfSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.permissions.IsWorkspaceMember"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "crm.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "crm.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "accounts.throttling.ApiTokenRateThrottle",
        "accounts.throttling.SessionUserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "api_token": os.environ.get("API_THROTTLE_RATE", "600/min"),
        "user": "1200/min",
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "CRM API",
    "DESCRIPTION": "Developer API, integrations and the Asignaciones report of the omnichannel CRM.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    # Swagger UI is served from the app itself (no CDN): drf-spectacular-sidecar.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The API-wide error shape and 429 on every operation (crm/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "crm.schema.postprocess_api_conventions",
    ],
    # Two choice fields named "mode" (Data Import, the workflows' assign_to step): one name each.
    "ENUM_NAME_OVERRIDES": {
        "ImportModeEnum": "imports.models.ImportMode.values",
        "AssignModeEnum": "workflows.steps.ASSIGN_MODES",
        "AssignmentSourceEnum": "assignments.models.AssignmentSource.values",
        "ConversationReportSourceEnum": "reports.conversations_api.SOURCES",
        "AgentStatusEnum": "presence.models.AgentStatusValue.choices",
        "AgentStatusSourceEnum": "presence.models.AgentStatusSource.choices",
        "DeliveryStatusEnum": "contacts.models.DeliveryStatus.values",
        "ChannelReportedStatusEnum": "integrations.api.CALLBACK_STATUS_VALUES",
        "StateEnum": "reports.framework.states.STATES",
        "LeaderboardColumnEnum": "reports.leaderboard_api.METRIC_KEYS",
        "MemberStatusEnum": "reports.users_api.STATUS_CHOICES",
        "BroadcastStatusEnum": "broadcasts.models.BroadcastStatus.values",
        "RecipientStatusEnum": "broadcasts.models.RecipientStatus.values",
        "BroadcastReportCountEnum": "reports.broadcasts_report.COUNTS",
        "BroadcastReportRateOfEnum": "reports.broadcasts_api.RATE_DENOMINATORS",
        "BroadcastReportReasonStatusEnum": "reports.broadcasts_api.REASON_STATUSES",
    },
}

# Custom channels' outbound delivery (integrations/delivery.py, docs/api.md). Private, loopback
# and link-local addresses are refused unless allowed (a channel on the same network in dev).
CHANNEL_OUTBOUND_TIMEOUT = float(os.environ.get("CHANNEL_OUTBOUND_TIMEOUT", "10"))
CHANNEL_OUTBOUND_ATTEMPTS = int(os.environ.get("CHANNEL_OUTBOUND_ATTEMPTS", "6"))
CHANNEL_OUTBOUND_ALLOW_PRIVATE = env_bool("CHANNEL_OUTBOUND_ALLOW_PRIVATE", False)

# Production hardening (active when DEBUG is off; see docs/security.md).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
if env_bool("SECURE_COOKIES", not DEBUG and bool(os.environ.get("CRM_REQUIRE_SECRET_KEY"))):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Login throttling (accounts/login_throttle.py).
LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))
LOGIN_MAX_FAILURES_PER_IP = int(os.environ.get("LOGIN_MAX_FAILURES_PER_IP", "30"))
LOGIN_LOCKOUT_SECONDS = int(os.environ.get("LOGIN_LOCKOUT_SECONDS", "900"))
# Reverse proxies in front of the app that append to X-Forwarded-For (0: clients connect directly).
TRUSTED_PROXY_HOPS = int(os.environ.get("TRUSTED_PROXY_HOPS", "0"))

# Exports: files are kept this many days, then deleted by a beat task.
EXPORT_RETENTION_DAYS = int(os.environ.get("EXPORT_RETENTION_DAYS", "7"))

# Estado de Actividad: a member without a request for this many minutes goes offline (docs/presence.md).
AGENT_IDLE_MINUTES = int(os.environ.get("AGENT_IDLE_MINUTES", "15"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}

# Transmisiones (broadcasts/): recipients claimed per batch, each channel's budget (messages per
# second, shared by every worker through the cache), the outbound endpoint ("{channel_id}" is
# filled in; empty: the CRM's inbox is the channel), and when a silent run is taken over.
BROADCAST_BATCH_SIZE = int(os.environ.get("BROADCAST_BATCH_SIZE", "1000"))
BROADCAST_CHANNEL_RATE = int(os.environ.get("BROADCAST_CHANNEL_RATE", "1000"))
# A channel's own rate, messages per second, by channel id ("12=50,14=200"); others: BROADCAST_CHANNEL_RATE.
BROADCAST_CHANNEL_RATES = {
    int(key): int(value) for key, _, value in
    (item.strip().partition("=") for item in os.environ.get("BROADCAST_CHANNEL_RATES", "").split(",") if item.strip())
}
BROADCAST_OUTBOUND_URL = os.environ.get("BROADCAST_OUTBOUND_URL", "")
BROADCAST_POST_CONCURRENCY = int(os.environ.get("BROADCAST_POST_CONCURRENCY", "32"))
BROADCAST_POST_TIMEOUT = float(os.environ.get("BROADCAST_POST_TIMEOUT", "10"))
BROADCAST_STALE_SECONDS = int(os.environ.get("BROADCAST_STALE_SECONDS", "120"))
# A contact's message within this many hours of a broadcast sent to them through that channel is its reply.
BROADCAST_REPLY_WINDOW_HOURS = int(os.environ.get("BROADCAST_REPLY_WINDOW_HOURS", "72"))
