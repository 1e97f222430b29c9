"""The backup and restore procedure of docs/deploy.md, run for real: a learner's progress is written, a backup is
taken with scripts/backup.sh, the database is dropped, scripts/restore.sh brings it back, and the progress is
all there. On SQLite always; on PostgreSQL when TEST_DATABASE_URL is set (.ci/run's second `make test`), with a
database of its own on that server (pg_dump, DROP DATABASE, pg_restore)."""

import os
import subprocess
import uuid
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, select, text

from app import create_app
from extensions import db

ROOT = Path(__file__).resolve().parent.parent


def _run(script: str, *args: str, env: dict) -> subprocess.CompletedProcess:
    result = subprocess.run([str(ROOT / "scripts" / script), *args], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, f"{script} failed:\n{result.stdout}\n{result.stderr}"
    return result


def _write_progress(url: str) -> dict:
    """A learner who read a lesson and passed its quiz, on a database built by the migrations."""
    from lessons.services import mark_done
    from quizzes import services
    from tests.conftest import make_user
    from tests.quizzes.factories import answer_form, make_quiz

    app = create_app({"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        learner = make_user("backup-learner@example.jp")
        quiz = make_quiz()
        mark_done(learner.id, quiz.lesson_id)
        attempt = services.start_attempt(learner, quiz)
        services.submit_attempt(attempt, {int(k[2:]): v if isinstance(v, list) else [v]
                                          for k, v in answer_form(attempt, quiz.questions).items()
                                          if k.startswith("q-")})
        db.session.commit()
        state = _progress(learner.email)
        db.session.remove()
        db.engine.dispose()
    assert state["completions"] == 1 and state["attempts"] == [(100, True)] and state["responses"] == 5
    return state


def _progress(email: str) -> dict:
    from accounts.models import User
    from lessons.models import LessonCompletion
    from quizzes.models import Attempt, Response

    user = db.session.scalar(select(User).where(User.email == email))
    return {
        "user": (user.email, user.role, user.password_hash),
        "completions": db.session.scalar(select(db.func.count(LessonCompletion.id))
                                         .where(LessonCompletion.user_id == user.id)),
        "attempts": [tuple(row) for row in db.session.execute(
            select(Attempt.score, Attempt.passed).where(Attempt.user_id == user.id).order_by(Attempt.id))],
        "responses": db.session.scalar(select(db.func.count(Response.id)).join(Attempt)
                                       .where(Attempt.user_id == user.id)),
    }


def _read_progress(url: str) -> dict:
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        try:
            return _progress("backup-learner@example.jp")
        finally:
            db.session.remove()
            db.engine.dispose()


def test_sqlite_backup_drop_restore_keeps_a_learners_progress(tmp_path):
    database = tmp_path / "live" / "jichiho.sqlite"
    database.parent.mkdir()
    url = f"sqlite:///{database}"
    before = _write_progress(url)
    env = {**os.environ, "BACKUP_DIR": str(tmp_path / "backups"), "DATABASE_URL": url}

    backup = Path(_run("backup.sh", env=env).stdout.strip().splitlines()[-1])
    assert backup.parent == tmp_path / "backups" and backup.suffix == ".sqlite" and backup.stat().st_size > 0
    assert oct(backup.parent.stat().st_mode)[-3:] == "700"
    for path in database.parent.glob("jichiho.sqlite*"):  # the database is lost, WAL and all
        path.unlink()

    _run("restore.sh", str(backup), env=env)
    assert _read_progress(url) == before
    # Restoring over a database that exists keeps the one it replaces.
    _run("restore.sh", str(backup), env=env)
    assert (database.parent / "jichiho.sqlite.before-restore").exists()
    assert _read_progress(url) == before


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs TEST_DATABASE_URL (PostgreSQL)")
def test_postgresql_backup_drop_restore_keeps_a_learners_progress(tmp_path):
    base = os.environ["TEST_DATABASE_URL"]
    server = base.rsplit("/", 1)[0]
    name = f"jichiho_backup_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    url = f"{server}/{name}"
    sa_url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        before = _write_progress(sa_url)
        env = {**os.environ, "BACKUP_DIR": str(tmp_path / "backups"), "DATABASE_URL": url}
        backup = Path(_run("backup.sh", env=env).stdout.strip().splitlines()[-1])
        assert backup.suffix == ".dump" and backup.stat().st_size > 0

        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}"'))
            assert conn.scalar(text("SELECT count(*) FROM pg_database WHERE datname = :n"), {"n": name}) == 0

        restored = _run("restore.sh", str(backup), env=env)
        assert "created database" in restored.stderr
        assert _read_progress(sa_url) == before
        # The restored database is at the newest migration and takes new work.
        app = create_app({"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": sa_url})
        with app.app_context():
            upgrade()
            from tests.conftest import make_user

            make_user("after-restore@example.jp")
            db.session.remove()
            db.engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
