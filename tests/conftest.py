"""Shared fixtures. Every test gets an empty database built by the real migrations (SQLite in a temporary
folder, or TEST_DATABASE_URL when set: then each test runs on a fresh schema of that PostgreSQL database)."""

import os
import re
import uuid
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, text

from app import create_app
from extensions import db

ROOT = Path(__file__).resolve().parent.parent
STATUTES_DIR = ROOT.parent / "shared" / "statutes"
JICHIHO_CURRENT = STATUTES_DIR / "322AC0000000067_20260924_506AC0000000065.xml"


def _database_url(tmp_path: Path):
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp_path / 'test.sqlite'}", None
    if base.startswith("postgresql://"):
        base = "postgresql+psycopg://" + base[len("postgresql://"):]
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}", (base, schema)


@pytest.fixture
def app(tmp_path):
    url, pg = _database_url(tmp_path)
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "LOGIN_RATE_LIMIT": "1000 per minute",  # tests sign in often; test_accounts sets the real limit
        "STATUTES_AS_OF": "2026-11-26",
        "COHORT_CACHE_SECONDS": 0,  # every request computes afresh; tests/cohorts/test_cache.py turns it on
    })
    with app.app_context():
        upgrade()
        yield app
        db.session.remove()
        db.engine.dispose()
    if pg:
        base, schema = pg
        engine = create_engine(base)
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture
def wide_pool(app):
    """A second app on the same database whose connection pool lets 60 threads each hold a connection at once
    (the app's own pool is sized for one request at a time per worker, config.engine_options): for tests that
    make many requests' worth of sessions wait at a barrier together."""
    settings = {key: app.config[key] for key in ("TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI",
                                                   "WTF_CSRF_ENABLED", "LOGIN_RATE_LIMIT", "STATUTES_AS_OF")}
    wide = create_app({**settings, "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 60, "max_overflow": 0,
                                                                  "pool_timeout": 60}})
    yield wide
    with wide.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


def make_user(email="learner@example.jp", role="learner", password="kanazawa-2027-dx"):
    from accounts.services import create_user

    user = create_user(email, password, email.split("@")[0], "テスト市", role=role)
    db.session.commit()
    return user


@pytest.fixture
def users(app):
    """One account per role. The admin is created first (the first account becomes admin anyway)."""
    return {role: make_user(f"{role}@example.jp", role) for role in ("admin", "mentor", "learner")}


def login(client, email, password="kanazawa-2027-dx"):
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


@pytest.fixture
def count_queries(app):
    """Counts SQL statements issued inside a `with count_queries() as counter:` block."""
    from contextlib import contextmanager

    @contextmanager
    def counter():
        statements = []

        def record(conn, cursor, statement, *args):
            if not re.match(r"\s*(SAVEPOINT|RELEASE|ROLLBACK|PRAGMA)", statement, re.I):
                statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(db.engine, "before_cursor_execute", record)

    return counter


def import_statutes(names: tuple[str, ...] | None = None) -> None:
    from statutes.services import import_law_file

    for path in sorted(STATUTES_DIR.glob("*.xml")):
        if names is None or path.name.split("_")[0] in names:
            import_law_file(path)
    db.session.commit()


@pytest.fixture
def loaded(app):
    """The real statute texts and the bundled course, imported as `make run` does."""
    from contentpack.services import import_pack

    import_statutes()
    import_pack(ROOT / "content")
    db.session.commit()
    return app
