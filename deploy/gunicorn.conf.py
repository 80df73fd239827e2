"""gunicorn for the portal, behind nginx (deploy/nginx.conf) on the same machine.

    .venv/bin/gunicorn -c deploy/gunicorn.conf.py portal.wsgi      (deploy/portal-web.service does this)

Every value can be changed through the environment (systemd's EnvironmentFile, /etc/portal/portal.env).
"""

import multiprocessing
import os

# Only nginx talks to gunicorn; never expose this port to the network.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Synchronous workers: pages are short database-bound requests; long imports and exports run in the
# background worker (deploy/portal-worker.service). Two per core plus one is gunicorn's rule of thumb.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"

# A district-wide roster export or ledger can take a minute; nginx waits a little longer (130 s).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30  # a restart lets running requests finish
keepalive = 5

# Recycle each worker now and then, so that memory held by one large export is given back.
max_requests = 1000
max_requests_jitter = 100

# The portal writes one line per request itself (request id, user id, path, status, milliseconds;
# see portal/middleware.py), so gunicorn's access log is off unless GUNICORN_ACCESS_LOG is set
# (``-`` for the journal). Its format never holds a query string (%(r)s, %(q)s) or a Referer (%(f)s,
# which carries the previous page's query string): what someone searched for is personal data.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms rid=%({x-request-id}o)s'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# Uploads are at most 25 MB (nginx's client_max_body_size); headers stay small.
limit_request_line = 8190
limit_request_fields = 100
