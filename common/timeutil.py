"""Time helpers: the database stores naive UTC; pages show Asia/Tokyo through Flask-Babel."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
