"""Settings of the community Party-building portal.

Everything that differs between machines comes from environment variables:

- ``DJANGO_ENV``: ``development`` (default) or ``production``. Production refuses to start
  without ``DJANGO_SECRET_KEY`` or with ``DJANGO_DEBUG`` on.
- ``DJANGO_SECRET_KEY``, ``DJANGO_DEBUG``, ``DJANGO_ALLOWED_HOSTS`` (comma separated),
  ``DJANGO_CSRF_TRUSTED_ORIGINS`` (comma separated), ``DJANGO_HTTPS`` (on in production: HSTS,
  secure cookies, redirect to https), ``DJANGO_TRUST_X_FORWARDED_FOR`` (1 behind the reverse proxy),
  ``DJANGO_SESSION_IDLE_MINUTES`` (30), ``DJANGO_LOG_FORMAT`` (``json`` or ``text``), ``DJANGO_LOG_LEVEL``.
- ``DATABASE_URL``: PostgreSQL in production (``postgres://user@host:5432/name``); a SQLite
  file next to ``manage.py`` when unset.
- ``DJANGO_MEDIA_ROOT``: where uploaded files (meeting attachments) are kept; ``media/`` next to
  ``manage.py`` when unset.
- ``PORTAL_COUNCIL_STUCK_DAYS`` (30): days an agenda item may stay in one step before it needs
  attention; ``PORTAL_YISHI_COMMENTS`` / ``PORTAL_YISHI_COMMENT_SECONDS`` (3 in 600): the public
  consultation page's comments per address.
- ``DJANGO_EMAIL_HOST`` (and ``DJANGO_EMAIL_PORT``, ``DJANGO_DEFAULT_FROM_EMAIL``) switch
  password-reset mail from the console to SMTP.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PRODUCTION = os.environ.get("DJANGO_ENV", "development") == "production"
DEBUG = env_flag("DJANGO_DEBUG", default=not PRODUCTION)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")

if PRODUCTION:
    if not SECRET_KEY:
        raise ImproperlyConfigured("DJANGO_ENV=production needs DJANGO_SECRET_KEY to be set.")
    if DEBUG:
        raise ImproperlyConfigured("DJANGO_ENV=production refuses to run with DJANGO_DEBUG on.")
elif not SECRET_KEY:
    # Development and tests only; production never reaches this line.
    SECRET_KEY = "development-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "portal.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "treebeard",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "import_export",
    "portal",
    "organizations",
    "members",
    "services",
    "councils",
]

MIDDLEWARE = [
    "portal.middleware.RequestLogMiddleware",  # first: times and logs every request, static files too
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.middleware.NoStoreMiddleware",  # after WhiteNoise: static files stay cacheable
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.middleware.IdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "portal.urls"
CSRF_FAILURE_VIEW = "portal.views.csrf_failure"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.own_organizations",
            ],
        },
    },
]

WSGI_APPLICATION = "portal.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and immediate transactions keep a few concurrent secretaries from "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The portal's queries are short; once the tables are analysed the planner may estimate one
    # at millions and spend a second JIT-compiling a 50 ms query. JIT is off for the portal's
    # connections (the server's other users keep their setting).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"

# -- Shared by every app server: nothing but the database (and Redis, when there is one) ---------
# Sessions live in the database (Django's default engine). The cache (dashboard figures, login
# rate limits) is the database's unless REDIS_URL is set; its table is made by `migrate`.
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_URL"]}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "portal_cache"}}
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Long jobs (large roster imports) are tasks in the database, run by `manage.py worker` on any
# number of machines; a page reads their progress from the database, so any server can show it.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# The worker writes a heartbeat this often; one silent for eight beats is taken for dead.
WORKER_HEARTBEAT_SECONDS = float(os.environ.get("PORTAL_WORKER_HEARTBEAT_SECONDS", "15"))

# django-import-export (admin import/export of resident units, teams and activities): a
# formula-like cell is escaped on export; an uploaded file waits for its confirmation in the shared
# cache, not on one server's disk; every row is checked by the model's own clean() and the whole
# import is one transaction.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.CacheStorage"
IMPORT_EXPORT_USE_TRANSACTIONS = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "portal.User"

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "portal.backends.PhoneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# django-allauth: username (or phone, through PhoneBackend) and password; no public sign-up.
ACCOUNT_ADAPTER = "portal.adapters.AccountAdapter"
ACCOUNT_FORMS = {"login": "portal.forms.LoginForm"}
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Outside production, serve straight from the app folders (no collectstatic needed for the demo or tests).
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION
# Uploaded files (meeting photos, scanned sign-in sheets) go through Django's storage API; they are
# served only through views that check the user's scope, never straight from MEDIA_ROOT.
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT") or BASE_DIR / "media")
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

if os.environ.get("DJANGO_EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["DJANGO_EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "portal@localhost")

# -- Security headers, HTTPS and the proxy in front (issue 12, item 3) -----------------------------
# Production is HTTPS by default: HSTS, secure cookies, redirect to https. DJANGO_HTTPS=0 only for a
# trial without TLS (``check --deploy`` then says what is missing).
HTTPS = env_flag("DJANGO_HTTPS", default=PRODUCTION)
SECURE_COOKIES = env_flag("DJANGO_SECURE_COOKIES", default=HTTPS)
# Set when gunicorn sits behind the intranet's reverse proxy (deploy/nginx.conf), which overwrites
# X-Forwarded-For and X-Forwarded-Proto: audit logs and login rate limits then see the browser's address.
TRUST_X_FORWARDED_FOR = env_flag("DJANGO_TRUST_X_FORWARDED_FOR", default=False)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # pages carry the token (hx-headers); no script reads the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # the load balancer and monitoring ask over plain HTTP
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(365 * 24 * 60 * 60)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Harmless on an intranet host (only a public apex domain can be submitted to the preload list).
    SECURE_HSTS_PRELOAD = env_flag("DJANGO_HSTS_PRELOAD", default=True)
if TRUST_X_FORWARDED_FOR:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    ALLAUTH_TRUSTED_PROXY_COUNT = 1  # the last X-Forwarded-For entry is the one our proxy wrote

# Content-Security-Policy (django-csp): nothing from another origin, no inline script at all, no
# inline style except the charts' own <style> elements, which carry the request's nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],  # the nonce only on pages that use it (the dashboard's charts)
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    },
}

# -- Login protection and sessions (issue 12, item 4) ----------------------------------------------
# A government intranet's password rule: at least 10 characters, not a known common password, not
# only digits, not like the account's own names, and three kinds of characters (等保 complexity).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "portal.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "portal.passwords.CharacterKindsValidator", "OPTIONS": {"min_kinds": 3}},
]
# allauth counts in Django's default cache (shared by every app server): 5 wrong passwords for one
# account lock it for 15 minutes; one address may try 60 logins a minute, 30 of them wrong (a whole
# street office often shares one address, so those limits are loose).
ACCOUNT_RATE_LIMITS = {
    "login": "60/m/ip",
    "login_failed": "30/m/ip,5/15m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
}
# Signed out after DJANGO_SESSION_IDLE_MINUTES without a request (portal.middleware.IdleTimeoutMiddleware;
# static/js/session-timeout.js warns two minutes before); never longer than one working day.
SESSION_IDLE_TIMEOUT = int(os.environ.get("DJANGO_SESSION_IDLE_MINUTES", "30")) * 60
SESSION_IDLE_WARNING = 120  # seconds before
SESSION_COOKIE_AGE = 8 * 60 * 60

# -- The Party-member council (issue 15) -----------------------------------------------------------
# An agenda item that stays in one step longer than this many days (with no progress note while it
# is carried out) is an attention item on the home page.
COUNCIL_STUCK_DAYS = int(os.environ.get("PORTAL_COUNCIL_STUCK_DAYS", "30"))
# Comments on the public consultation page (社区议事园, no login): at most this many from one
# address in this many seconds, counted in the default cache shared by every app server.
YISHI_COMMENT_RATE = (
    int(os.environ.get("PORTAL_YISHI_COMMENTS", "3")),
    int(os.environ.get("PORTAL_YISHI_COMMENT_SECONDS", "600")),
)

# -- Logs (issue 12, items 6 and 9) ----------------------------------------------------------------
# One line per request from portal.middleware.RequestLogMiddleware (request id, user id, method, path
# without query string, status, milliseconds); JSON in production, plain text in development. Every
# line is written once (Django's own console handler is replaced, runserver's request lines, which
# carry query strings, are dropped) and ID and mobile numbers are masked in whatever is written.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "portal": {
            "()": "portal.logs.PortalFormatter",
            "json": os.environ.get("DJANGO_LOG_FORMAT", "json" if PRODUCTION else "text") == "json",
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "portal"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": False},
    },
}
