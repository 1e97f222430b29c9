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
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = "10 per minute;50 per hour"
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
}


def environment_overrides() -> dict:
    out = {}
    for env_name, key in ENVIRONMENT_KEYS.items():
        if os.environ.get(env_name):
            out[key] = os.environ[env_name]
    url = out.get("SQLALCHEMY_DATABASE_URI")
    if url and url.startswith("postgres://"):  # Heroku-style URLs
        out["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url and url.startswith("postgresql://"):
        out["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + url[len("postgresql://") :]
    return out
