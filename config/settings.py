"""All settings, read from the environment with safe development defaults.

Production sets DJANGO_SECRET_KEY, DJANGO_DEBUG=false, DJANGO_ALLOWED_HOSTS, DATABASE_URL,
CELERY_BROKER_URL and PIN_PEPPER; see README.md for the full list.
"""

from __future__ import annotations

import datetime
import hashlib
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

from config import devdb

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-secret-key-change-me")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
if not DEBUG and SECRET_KEY.startswith("dev-only"):
    raise RuntimeError("Set DJANGO_SECRET_KEY when DJANGO_DEBUG is false.")
# Partner API secrets are derived from this key and each credential's salt (merchants.
# credentials); changing it changes every partner's secret. Default: derived from SECRET_KEY.
PARTNER_SECRET_KEY = (
    os.environ.get("PARTNER_SECRET_KEY")
    or hashlib.sha256(f"partner-secrets:{SECRET_KEY}".encode()).hexdigest()
)
# Webhooks and partner callbacks to private or loopback addresses are refused outside
# development (merchants/addresses.py); the demo's partner listens on localhost.
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", DEBUG)

INSTALLED_APPS = [
    # Django's admin, served by the back office's site (two-factor login): backoffice/sites.py.
    "backoffice.apps.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "wallets",
    "ussd",
    "ussd.sms",
    "agents",
    "operators",
    "backoffice",
    "audit",
    "approvals",
    "compliance",
    "merchants",
    "gsma",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "audit.middleware.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into its page
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

# PostgreSQL only: DATABASE_URL, or the embedded server under .data/ (see config/devdb.py).
DATABASE_URL = (
    os.environ.get("DATABASE_URL")
    or devdb.running_url()
    or f"postgresql://postgres@/{devdb.DATABASE_NAME}?host={devdb.PGDATA}"
)
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60"))
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False  # money sections use their own durable atomic()
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise RuntimeError("PostgreSQL is the only supported database (DATABASE_URL).")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("sw", "Kiswahili")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Africa/Nairobi")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = devdb.DATA_DIR / "static"

# --- Staff access (backoffice/: groups in roles.py, two-factor login, lockout, sessions) ---
# The admin asks staff for a code from an authenticator app (django-otp) unless this is off;
# off by default only with DEBUG, so that `make run`'s demo logins need a password alone.
STAFF_REQUIRE_2FA = env_bool("STAFF_REQUIRE_2FA", not DEBUG)
OTP_TOTP_ISSUER = os.environ.get("SERVICE_NAME", "AgentNet")  # the name in authenticator apps
# Lock a username at one client address after this many failed sign-ins (django-axes); the
# address is read through our trusted proxies (TRUSTED_PROXY_COUNT, config.clientip).
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "config.clientip.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "backoffice.lockout.lockout_response"
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "otp_token"]  # masked in stored attempts
AUTHENTICATION_BACKENDS = [
    "backoffice.lockout.LockoutBackend",  # first: refuses a locked-out sign-in
    "django.contrib.auth.backends.ModelBackend",
]
# A staff session ends after SESSION_COOKIE_AGE seconds without a request (each request
# extends it), and when the browser closes.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(30 * 60)))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG

# --- Market profile (defaults for Kenya; limits, fees and tariffs themselves are data) ---
DEFAULT_CURRENCY = os.environ.get("DEFAULT_CURRENCY", "KES")
PHONE_DEFAULT_REGION = os.environ.get("PHONE_DEFAULT_REGION", "KE")
# A second wallet with an ID number already registered: "refuse" it, or open it and "flag" both
# for compliance review (Customer.kyc_review).
KYC_DUPLICATE_ID = os.environ.get("KYC_DUPLICATE_ID", "refuse")
if KYC_DUPLICATE_ID not in {"refuse", "flag"}:
    raise RuntimeError("KYC_DUPLICATE_ID must be 'refuse' or 'flag'.")

# A sender may ask to reverse a send-money within REVERSAL_WINDOW_HOURS; the recipient's money
# stays on hold for REVERSAL_HOLD_HOURS while the recipient answers: reversed unless disputed.
REVERSAL_WINDOW_HOURS = int(os.environ.get("REVERSAL_WINDOW_HOURS", "72"))
REVERSAL_HOLD_HOURS = int(os.environ.get("REVERSAL_HOLD_HOURS", "72"))
# An unanswered payment request lapses after this long.
PAYMENT_REQUEST_HOURS = int(os.environ.get("PAYMENT_REQUEST_HOURS", "48"))
# Self-registration by USSD: the youngest age accepted.
KYC_MIN_AGE = int(os.environ.get("KYC_MIN_AGE", "18"))

# --- Agents ---
# A cash-in or cash-out by the same customer at the same agent within this window, crossing a
# commission band with an earlier one, is a split transaction: flagged, extra commission kept.
AGENT_SPLIT_WINDOW_MINUTES = int(os.environ.get("AGENT_SPLIT_WINDOW_MINUTES", "30"))
# Velocity flags: more distinct customers cashed in by one agent within the window, or more
# operations by one customer at one agent in a day, than these.
AGENT_VELOCITY_WINDOW_MINUTES = int(os.environ.get("AGENT_VELOCITY_WINDOW_MINUTES", "60"))
AGENT_VELOCITY_MAX_CUSTOMERS = int(os.environ.get("AGENT_VELOCITY_MAX_CUSTOMERS", "10"))
AGENT_VELOCITY_MAX_CUSTOMER_OPERATIONS = int(
    os.environ.get("AGENT_VELOCITY_MAX_CUSTOMER_OPERATIONS", "10")
)
# How long a customer's one-time withdrawal code works.
WITHDRAWAL_CODE_MINUTES = int(os.environ.get("WITHDRAWAL_CODE_MINUTES", "10"))

# --- Compliance (compliance/) ---
# A wallet with no movement for DORMANCY_MONTHS is marked dormant; its owner is warned by SMS a
# month before. Reactivation needs an ID check and a second person (maker-checker).
DORMANCY_MONTHS = int(os.environ.get("DORMANCY_MONTHS", "12"))
# Uploaded KYC documents. Nothing serves MEDIA_URL: the admin hands each file only to staff
# allowed to see it.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", str(devdb.DATA_DIR / "media")))
MEDIA_URL = "media/"

# --- Mobile-money operators (operators/) ---
SERVICE_NAME = os.environ.get("SERVICE_NAME", "AgentNet")
# The callback URL is <callback base>/operators/<code>/<OPERATOR_CALLBACK_TOKEN>/<kind>/.
OPERATOR_CALLBACK_TOKEN = os.environ.get("OPERATOR_CALLBACK_TOKEN", "dev-operator-token")
if not DEBUG and OPERATOR_CALLBACK_TOKEN.startswith("dev-"):
    raise RuntimeError("Set OPERATOR_CALLBACK_TOKEN when DJANGO_DEBUG is false.")
OPERATOR_ALLOWED_IPS = env_list("OPERATOR_ALLOWED_IPS")
# Who hears of trouble by e-mail (a safeguarding shortfall, server errors).
ADMINS = [(address, address) for address in env_list("ADMIN_EMAILS")]
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", "agentnet@localhost")
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
# Who gets an SMS when e-money is not fully covered (comma-separated E.164 numbers); the
# ADMINS get an e-mail, and the log a CRITICAL line.
SAFEGUARDING_ALERT_PHONES = env_list("SAFEGUARDING_ALERT_PHONES")
# Each operator's callback path carries its own token, derived from OPERATOR_CALLBACK_TOKEN
# and its code (operators.conf.callback_token), or set as OPERATOR_<CODE>_CALLBACK_TOKEN.
OPERATOR_TIMEOUT_SECONDS = float(os.environ.get("OPERATOR_TIMEOUT_SECONDS", "10"))
# Status queries of an open request: first after this, then doubling, at most this far apart.
OPERATOR_FIRST_CHECK_SECONDS = int(os.environ.get("OPERATOR_FIRST_CHECK_SECONDS", "30"))
OPERATOR_MAX_CHECK_SECONDS = int(os.environ.get("OPERATOR_MAX_CHECK_SECONDS", "3600"))
# After this many checks a request still open is escalated to people (ADMIN_EMAILS, the
# admin's "escalated" filter); the checks go on at the capped interval.
OPERATOR_ESCALATE_AFTER_CHECKS = int(os.environ.get("OPERATOR_ESCALATE_AFTER_CHECKS", "6"))
# A payout's money stays held this long at a time; an unknown outcome extends it.
OPERATOR_PAYOUT_HOLD_HOURS = int(os.environ.get("OPERATOR_PAYOUT_HOLD_HOURS", "48"))
# Credentials come from OPERATOR_<CODE>_<NAME> variables; in development these defaults match
# the built-in operator simulator.
OPERATOR_DEFAULT_CREDENTIALS = (
    {
        "consumer_key": "sim-key",
        "consumer_secret": "sim-secret",
        "passkey": "sim-passkey",
        "initiator_name": "sim-initiator",
        "security_credential": "sim-credential",
        "subscription_key_collection": "sim-subscription",
        "subscription_key_disbursement": "sim-subscription",
        "api_user": "sim-user",
        "api_key": "sim-api-key",
        "target_environment": "sandbox",
    }
    if DEBUG
    else {}
)

# --- PINs: Argon2id over HMAC-SHA256(pepper, pin); the pepper never lives in the database ---
PIN_PEPPER = os.environ.get("PIN_PEPPER", "dev-only-pin-pepper-change-me")
if not DEBUG and PIN_PEPPER.startswith("dev-only"):
    raise RuntimeError("Set PIN_PEPPER when DJANGO_DEBUG is false.")
PIN_MAX_ATTEMPTS = int(os.environ.get("PIN_MAX_ATTEMPTS", "3"))
PIN_LOCK_MINUTES = int(os.environ.get("PIN_LOCK_MINUTES", "30"))
# OWASP minimum for Argon2id: 19 MiB, 2 iterations, parallelism 1.
PIN_ARGON2_MEMORY_KIB = int(os.environ.get("PIN_ARGON2_MEMORY_KIB", str(19 * 1024)))
PIN_ARGON2_TIME_COST = int(os.environ.get("PIN_ARGON2_TIME_COST", "2"))

# --- USSD (Africa's Talking) ---
# The callback URL is /ussd/africastalking/<USSD_CALLBACK_TOKEN>/; set a long random token.
USSD_CALLBACK_TOKEN = os.environ.get("USSD_CALLBACK_TOKEN", "dev-ussd-token")
if not DEBUG and USSD_CALLBACK_TOKEN.startswith("dev-"):
    raise RuntimeError("Set USSD_CALLBACK_TOKEN when DJANGO_DEBUG is false.")
USSD_ALLOWED_IPS = env_list("USSD_ALLOWED_IPS")
# How many reverse proxies of ours stand before Django; they append X-Forwarded-For, from
# which the allow-lists read the caller's address (config.clientip). 0: REMOTE_ADDR only.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
USSD_SCREEN_LIMIT = int(os.environ.get("USSD_SCREEN_LIMIT", "160"))
USSD_SERVICE_CODE = os.environ.get("USSD_SERVICE_CODE", "*384#")
# The phone simulator page at /simulator/ carries the callback token: development only.
USSD_SIMULATOR = env_bool("USSD_SIMULATOR", DEBUG)

# --- Outbound SMS (ussd/sms): console by default, Africa's Talking in production ---
SMS_BACKEND = os.environ.get("SMS_BACKEND", "console")  # or "africastalking"
AT_USERNAME = os.environ.get("AT_USERNAME", "sandbox")
AT_API_KEY = os.environ.get("AT_API_KEY", "")
AT_SENDER_ID = os.environ.get("AT_SENDER_ID", "")  # registered sender ID; empty: AT's default
# The secret in /sms/africastalking/<token>/delivery/; comma-separated to rotate.
SMS_CALLBACK_TOKEN = os.environ.get("SMS_CALLBACK_TOKEN", "dev-only-sms-callback-token")
if not DEBUG and "dev-only" in SMS_CALLBACK_TOKEN:
    raise RuntimeError("Set SMS_CALLBACK_TOKEN when DJANGO_DEBUG is false.")
SMS_SWEEP_AFTER_SECONDS = int(os.environ.get("SMS_SWEEP_AFTER_SECONDS", "60"))
# Inbound SMS menus: a PIN typed in an SMS stays on the handset, so money needs USSD unless on.
SMS_PIN_ENABLED = env_bool("SMS_PIN_ENABLED", False)
SMS_SESSION_IDLE_MINUTES = int(os.environ.get("SMS_SESSION_IDLE_MINUTES", "5"))
# Airtime bought from the wallet (minor units; KES 5 to KES 10,000 by default), sent through
# Africa's Talking ("africastalking") or only recorded ("console", the development default).
AIRTIME_BACKEND = os.environ.get("AIRTIME_BACKEND", "console")
AIRTIME_MIN_AMOUNT = int(os.environ.get("AIRTIME_MIN_AMOUNT", "500"))
AIRTIME_MAX_AMOUNT = int(os.environ.get("AIRTIME_MAX_AMOUNT", "1000000"))

# --- REST API ---
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "wallets.api.errors.handle_exception",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Agent network API",
    "DESCRIPTION": "Wallets, transfers and statements. Amounts are integers in minor units.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Celery: filesystem broker under .data/ by default; Redis or RabbitMQ in production ---
CELERY_DATA_DIR = devdb.DATA_DIR / "celery"
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(CELERY_DATA_DIR / "queue"),
        "data_folder_out": str(CELERY_DATA_DIR / "queue"),
        "processed_folder": str(CELERY_DATA_DIR / "processed"),
        "control_folder": str(CELERY_DATA_DIR / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {"visibility_timeout": 3600}
)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "sweep-airtime": {"task": "ussd.airtime.tasks.sweep_airtime", "schedule": 300.0},
    "send-queued-sms": {"task": "ussd.sms.tasks.send_queued_sms", "schedule": 30.0},
    # Receipts and other side effects leave within about a second of their posting.
    "sweep-outbox": {"task": "wallets.tasks.deliver_outbox", "schedule": 1.0},
    "expire-overdue-holds": {"task": "wallets.tasks.expire_overdue_holds", "schedule": 60.0},
    "check-ledger": {"task": "wallets.tasks.check_ledger", "schedule": 3600.0},
    # Merchants' webhooks (also kicked when one is queued) and mandates past their end date.
    "deliver-webhooks": {"task": "merchants.tasks.deliver_webhooks", "schedule": 15.0},
    "expire-mandates": {"task": "merchants.tasks.expire_mandates", "schedule": crontab(minute=5)},
    # Merchants' balances to their bank or phone, for the day that ended (merchants.settlement).
    "settle-merchants": {
        "task": "merchants.tasks.settle_merchants",
        "schedule": crontab(minute=0, hour=1),
    },
    "check-operator-requests": {"task": "operators.tasks.check_requests", "schedule": 15.0},
    "check-safeguarding": {"task": "operators.tasks.check_safeguarding", "schedule": 60.0},
    "reconcile-operators": {
        "task": "operators.tasks.reconcile_yesterday",
        "schedule": crontab(minute=30, hour=3),
    },
    # Last month's commission statements, SMSed to each agent, on the 1st at 06:00.
    "agent-commission-statements": {
        "task": "agents.tasks.send_commission_statements",
        "schedule": crontab(minute=0, hour=6, day_of_month=1),
    },
    # Compliance rules over the postings since the last scan; dormancy warnings by day.
    "compliance-scan": {"task": "compliance.tasks.scan_postings", "schedule": 60.0},
    # Partner API: request states whose request to pay, mandate or batch has finished.
    "gsma-settle-request-states": {"task": "gsma.tasks.settle_request_states", "schedule": 60.0},
    "compliance-dormancy": {
        "task": "compliance.tasks.review_dormancy",
        "schedule": crontab(minute=0, hour=10),
    },
}
# The beat sweep delivers outbox rows every second. Turned on, each posting also queues a
# delivery at once (lower latency, one broker message per posting on the hot path).
OUTBOX_KICK_AFTER_POSTING = env_bool("OUTBOX_KICK_AFTER_POSTING", False)
CELERY_BEAT_SCHEDULE_FILENAME = str(CELERY_DATA_DIR / "beat-schedule")

# --- Logging: never a PIN (see wallets.logging) ---
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_pins": {"()": "wallets.logging.RedactPins"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_pins"],
        },
        # The development server's access log shows request paths, hence callback tokens.
        "server": {
            "class": "logging.StreamHandler",
            "formatter": "server",
            "filters": ["redact_pins"],
        },
    },
    "loggers": {"django.server": {"handlers": ["server"], "level": "INFO", "propagate": False}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
DEFAULT_EXCEPTION_REPORTER_FILTER = "wallets.logging.PinSafeExceptionReporterFilter"
