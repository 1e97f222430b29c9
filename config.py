"""Default settings. Overridden, in order, by instance/config.py, FLASK_* environment variables and the
well-known deployment variables (DATABASE_URL, SECRET_KEY, STATUTES_DIR, REGISTRATION), then by tests."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent


class Config:
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None  # default: SQLite in instance/ (see app.py)
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    BABEL_DEFAULT_LOCALE = "ja"
    BABEL_DEFAULT_TIMEZONE = "Asia/Tokyo"
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "translations")
    WTF_CSRF_TIME_LIMIT = None  # a lesson may stay open for hours before its quiz is submitted
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Where the per-address limits are counted: database:// (common/ratelimit.py) shares the counts between every
    # worker and host through the application's database; redis://… is the alternative at high traffic.
    # memory:// counts in each worker process separately (N workers let N times the limit through).
    RATELIMIT_STORAGE_URI = "database://"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = "10 per minute;50 per hour"
    # Per account, whatever the address: after LOGIN_LOCKOUT_FAILURES wrong passwords in a row the account
    # refuses sign-in for LOGIN_LOCKOUT_MINUTES (the right password included); a success resets the count.
    LOGIN_LOCKOUT_FAILURES = 10
    LOGIN_LOCKOUT_MINUTES = 15
    # Behind a reverse proxy (nginx): how many proxies to trust for X-Forwarded-For/-Proto/-Host/-Port
    # (werkzeug's ProxyFix). 0 (the default) trusts none, so a client cannot pretend to be someone else.
    TRUSTED_PROXIES = 0
    # The site is served over HTTPS (nginx terminates TLS): cookies get the Secure flag and URLs built outside
    # a request use https. HSTS is sent on every request that arrived over TLS.
    HTTPS = False
    HSTS_MAX_AGE = 31536000
    # The cohort review's aggregates are kept per cohort until its learners' activity changes, and at most this
    # long (cohorts/review.py, `cached`); 0 computes them on every request.
    COHORT_CACHE_SECONDS = 60
    # PostgreSQL connection pool of each worker process (sync workers use one connection at a time), and an
    # optional statement timeout in milliseconds for the web processes (DB_STATEMENT_TIMEOUT_MS).
    DB_POOL_SIZE = 2
    DB_MAX_OVERFLOW = 3
    DB_POOL_TIMEOUT = 10
    DB_POOL_RECYCLE = 1800
    DB_STATEMENT_TIMEOUT_MS = 0
    REGISTRATION = "open"  # open | invite
    CONTENT_DIR = str(ROOT / "content")
    STATUTES_DIR = str(ROOT.parent / "shared" / "statutes")
    # The date the "current" version of a law is judged on; None means today.
    STATUTES_AS_OF: str | None = None


ENVIRONMENT_KEYS = {
    "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "SECRET_KEY": "SECRET_KEY",
    "STATUTES_DIR": "STATUTES_DIR",
    "REGISTRATION": "REGISTRATION",
    "RATELIMIT_STORAGE_URI": "RATELIMIT_STORAGE_URI",
    "TRUSTED_PROXIES": "TRUSTED_PROXIES",
    "HTTPS": "HTTPS",
    "DB_POOL_SIZE": "DB_POOL_SIZE",
    "DB_MAX_OVERFLOW": "DB_MAX_OVERFLOW",
    "DB_STATEMENT_TIMEOUT_MS": "DB_STATEMENT_TIMEOUT_MS",
}
INTEGER_KEYS = {"TRUSTED_PROXIES", "DB_POOL_SIZE", "DB_MAX_OVERFLOW", "DB_STATEMENT_TIMEOUT_MS"}
BOOLEAN_KEYS = {"HTTPS"}


def _parse(key: str, value: str):
    if key in INTEGER_KEYS:
        return int(value)
    if key in BOOLEAN_KEYS:
        return value.strip().lower() in ("1", "true", "yes", "on")
    return value


def environment_overrides() -> dict:
    out = {}
    for env_name, key in ENVIRONMENT_KEYS.items():
        if os.environ.get(env_name):
            out[key] = _parse(key, os.environ[env_name])
    url = out.get("SQLALCHEMY_DATABASE_URI")
    if url and url.startswith("postgres://"):  # Heroku-style URLs
        out["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url and url.startswith("postgresql://"):
        out["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + url[len("postgresql://") :]
    return out


def engine_options(config) -> dict:
    """SQLAlchemy engine options for the configured database. For PostgreSQL: a small pool per worker process
    (gunicorn's sync workers serve one request at a time, so workers × (DB_POOL_SIZE + DB_MAX_OVERFLOW) bounds
    the server's connections), recycled every DB_POOL_RECYCLE seconds, checked before use (a restarted server
    or a dropped idle connection costs a retry, not an error page), and named in pg_stat_activity."""
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    uri = config.get("SQLALCHEMY_DATABASE_URI") or ""
    if uri.startswith("postgresql"):
        options.setdefault("pool_size", int(config.get("DB_POOL_SIZE", 2)))
        options.setdefault("max_overflow", int(config.get("DB_MAX_OVERFLOW", 3)))
        options.setdefault("pool_timeout", int(config.get("DB_POOL_TIMEOUT", 10)))
        options.setdefault("pool_recycle", int(config.get("DB_POOL_RECYCLE", 1800)))
        options.setdefault("pool_pre_ping", True)
        connect_args = dict(options.get("connect_args") or {})
        connect_args.setdefault("application_name", "jichiho-academy")
        timeout = int(config.get("DB_STATEMENT_TIMEOUT_MS") or 0)
        if timeout and "options" not in connect_args:
            connect_args["options"] = f"-c statement_timeout={timeout}"
        options["connect_args"] = connect_args
    return options
