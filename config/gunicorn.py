"""Gunicorn settings for production: `gunicorn -c config/gunicorn.py config.wsgi:application`.

Sized for the 2-core machine behind a reverse proxy (which buffers slow clients, so plain sync
workers never wait on a phone network). Every number can be overridden from the environment;
bench/ussd_http.py measures USSD hops through exactly this file.

- Workers: a USSD hop is CPU work (Django, and Argon2 on the PIN hop) plus short waits on
  PostgreSQL; 4 sync workers (two per core) keep both cores busy through those waits. The
  bench tried 3, 4, 6 and 8 sync workers (no clear difference) and 4 gthread workers of 2
  threads (more CPU per hop, slower tails: the threads contend for the GIL).
- No `max_requests`: a worker's memory stays flat over 100,000 hops (the bench's memory run),
  so recycling workers would only throw away warm caches and connections.
- No access log: request paths carry the callback tokens (USSD, SMS, operators).
"""

from __future__ import annotations

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = _int("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count())
# More than one thread turns the workers into gthread workers (keep-alive, overlapped waits).
threads = _int("GUNICORN_THREADS", 1)
# Africa's Talking gives up on a hop after about 10 s; a worker stuck three times as long is
# killed and replaced rather than left holding a slot.
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
max_requests = _int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 0)
# Each worker imports Django itself: no database connection or broker socket opened at import
# time can end up shared between forked workers.
preload_app = False
# The heartbeat file on tmpfs: a slow or busy disk must not make the arbiter kill workers.
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR", "/dev/shm")  # noqa: S108
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Gunicorn's control socket (newer versions) would sit in one shared place per user; unused.
control_socket_disable = True


def post_worker_init(worker: object) -> None:
    """Load the URLconf (the admin builds its URLs: about half a second) and the translation
    catalogs before the worker accepts its first hop, rather than during it."""
    import importlib

    from django.conf import settings
    from django.utils import translation

    importlib.import_module(settings.ROOT_URLCONF)
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Send money")
