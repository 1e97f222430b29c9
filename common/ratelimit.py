"""Rate-limit counters in the application's own database, shared by every gunicorn worker and every host.

Flask-Limiter counts in `RATELIMIT_STORAGE_URI`. Its `memory://` keeps a counter per worker process, so with two
workers a limit of 10 sign-ins a minute lets 20 through, and a restart forgets them. `database://` (the default)
keeps fixed-window counters in the `rate_limits` table: one atomic upsert per limited request (sign-in and invite
forms only), no extra service to run. `redis://…` works too (docs/deploy.md).
"""

import random
import time

from flask import has_app_context
from limits.storage import Storage
from sqlalchemy import String, case, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db


class RateLimitCounter(db.Model):
    """One fixed window of one limit for one key (address + route): how many hits, and when the window ends."""

    __tablename__ = "rate_limits"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[float]  # Unix time


class DatabaseStorage(Storage):
    """A `limits` storage (fixed window) on the app's database. Each call runs in its own short transaction on its
    own pooled connection, so the request's session and its single commit are untouched."""

    STORAGE_SCHEME = ["database"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    @staticmethod
    def _insert():
        return pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        table = RateLimitCounter.__table__
        insert = self._insert()(table).values(key=key, count=amount, expires_at=now + expiry)
        expired = table.c.expires_at <= now
        statement = insert.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={"count": _case(expired, amount, table.c.count + amount),
                  "expires_at": _case(expired, now + expiry, table.c.expires_at)},
        ).returning(table.c.count)
        with db.engine.begin() as connection:
            count = connection.execute(statement).scalar_one()
            if random.random() < 0.01:  # now and then, forget windows that ended
                connection.execute(delete(table).where(table.c.expires_at < now - 60))
        return count

    def get(self, key: str) -> int:
        table = RateLimitCounter.__table__
        with db.engine.connect() as connection:
            count = connection.execute(select(table.c.count).where(
                table.c.key == key, table.c.expires_at > time.time())).scalar()
        return count or 0

    def get_expiry(self, key: str) -> float:
        table = RateLimitCounter.__table__
        with db.engine.connect() as connection:
            expires = connection.execute(select(table.c.expires_at).where(table.c.key == key)).scalar()
        return expires if expires is not None else time.time()

    def check(self) -> bool:
        if not has_app_context():
            return True
        try:
            with db.engine.connect() as connection:
                connection.execute(select(1))
            return True
        except SQLAlchemyError:
            return False

    def reset(self) -> int | None:
        with db.engine.begin() as connection:
            return connection.execute(delete(RateLimitCounter.__table__)).rowcount

    def clear(self, key: str) -> None:
        with db.engine.begin() as connection:
            connection.execute(delete(RateLimitCounter.__table__).where(RateLimitCounter.__table__.c.key == key))


def _case(condition, then, otherwise):
    return case((condition, then), else_=otherwise)
