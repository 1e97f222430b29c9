"""gunicorn settings for 自治法アカデミー (docs/deploy.md). Used by the systemd unit and by `make bench`:

    gunicorn -c deploy/gunicorn.conf.py 'app:create_app()'

Every value can be changed with an environment variable (below) or on the command line.
"""

import multiprocessing
import os

# nginx forwards to this address; nothing else should reach it.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: one request at a time each. The pages are CPU-bound (templates, a few short queries), so one
# worker per core is the measured sweet spot (docs/benchmarks.md); more only queue on the same cores.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 30
# Recycle a worker now and then, so that a slow leak can never grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 2000))
max_requests_jitter = 200
# The app decides what to believe of X-Forwarded-* (TRUSTED_PROXIES, werkzeug's ProxyFix): gunicorn must not
# also rewrite the scheme on its own.
secure_scheme_headers: dict = {}
forwarded_allow_ips = "127.0.0.1"

# The application logs one line per request with its request ID (app.py); gunicorn's access log would repeat
# it, so it is off unless GUNICORN_ACCESS_LOG names a file ("-" for stderr).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# One format for gunicorn's and the application's lines, on stderr (journald keeps them).
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain",
                            "stream": "ext://sys.stderr"}},
    "root": {"handlers": ["stderr"], "level": "WARNING"},
    "loggers": {
        "gunicorn.error": {"handlers": ["stderr"], "level": loglevel.upper(), "propagate": False},
        "gunicorn.access": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "jichiho": {"handlers": ["stderr"], "level": os.environ.get("LOG_LEVEL", "INFO").upper(),
                    "propagate": False},
    },
}


# Python's cyclic garbage collector walks every object a worker holds when it makes a full collection. Measured on
# the benchmark's 200-learner cohort review (docs/benchmarks.md), a full collection ran every few requests and
# walked ~140,000 objects — mostly the loaded application: up to 80 ms, which made the page's p95 2.5 times its
# median. Freezing what exists once the worker has loaded the app takes those objects out of every later walk
# (a full collection: 80 → 17 ms; p95 125 → 68 ms in-process). Collection thresholds are left as they are:
# raising them was measured too, and let cyclic garbage grow a worker from 106 MB to 150–490 MB.
# GUNICORN_GC_FREEZE=0 turns this off.
_gc_freeze = os.environ.get("GUNICORN_GC_FREEZE", "1") != "0"


def post_worker_init(worker):
    if _gc_freeze:
        import gc

        gc.collect()
        gc.freeze()
