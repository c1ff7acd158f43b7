"""gunicorn's settings in production: ``gunicorn --config deploy/gunicorn.conf.py app:app``
(deploy/systemd/library-events-web.service). Options on the command line override these."""

import multiprocessing
import os

# Only nginx may reach this address (see docs/DEPLOYMENT.md): the application believes the
# X-Forwarded-For of whoever connects here when TRUSTED_PROXIES is set.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Sync workers: each serves one request at a time with one database connection, so PostgreSQL
# needs at least workers x hosts connections, plus the outbox workers and cron jobs.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))

# A request that takes longer than this is a bug, not a wait: the worker is restarted.
timeout = 30
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, spread out so that they do not all restart at once.
max_requests = 2000
max_requests_jitter = 200

# To the journal, through systemd.
accesslog = "-"
errorlog = "-"
