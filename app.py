"""The application factory. `flask run` and `flask <command>` find create_app() here without FLASK_APP."""

import importlib
import logging
import secrets
import time
import uuid
from pathlib import Path

from flask import Flask, g, jsonify, render_template, request
from flask_babel import refresh as refresh_locale
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from config import Config, environment_overrides
from extensions import babel, csrf, db, limiter, login_manager, migrate, select_locale

# Dependencies point downwards in this list (docs/architecture.md): a package imports the models and services
# of the packages after it, never their views.
FEATURE_PACKAGES = ("cohorts", "progress", "contentpack", "quizzes", "lessons", "curriculum", "statutes", "accounts")

log = logging.getLogger("jichiho")


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(Config)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env()
    app.config.update(environment_overrides())
    if config:
        app.config.update(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'jichiho.sqlite'}"
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(app)

    _init_extensions(app)
    _register_packages(app)
    _register_request_hooks(app)
    _register_error_pages(app)
    _register_filters(app)

    @app.get("/healthz")
    @limiter.exempt
    def healthz():
        db.session.execute(text("SELECT 1"))
        return jsonify(status="ok")

    return app


def _instance_secret_key(app: Flask) -> str:
    """Without SECRET_KEY the app generates one into instance/ and keeps it, so sessions survive restarts."""
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path) / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "info"
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """WAL lets readers and the writer work at once; the busy timeout makes a second writer wait, not fail."""
    if dbapi_connection.__class__.__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def _register_packages(app: Flask) -> None:
    for name in reversed(FEATURE_PACKAGES):
        _optional_module(f"{name}.models")  # every table known to Alembic and create_all
    for name in FEATURE_PACKAGES:
        views = _optional_module(f"{name}.views")
        if views is not None:
            app.register_blueprint(views.bp)
        cli = _optional_module(f"{name}.cli")
        if cli is not None:
            app.cli.add_command(cli.group)


def _optional_module(dotted: str):
    try:
        return importlib.import_module(dotted)
    except ModuleNotFoundError as exc:
        if exc.name != dotted:
            raise
        return None


def _register_request_hooks(app: Flask) -> None:
    @app.before_request
    def start_request():
        g.request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex[:16]
        # Flask-Babel caches the locale on the app context, which a request shares when one is already pushed
        # (as in tests and CLI scripts): choose it afresh for every request.
        refresh_locale()
        g.started = time.perf_counter()

    @app.after_request
    def finish_request(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        elapsed_ms = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        log.info("%s %s %s %.1fms rid=%s", request.method, request.path, response.status_code,
                 elapsed_ms, g.get("request_id"))
        return response


def _register_error_pages(app: Flask) -> None:
    def render_error(error):
        code = getattr(error, "code", 500) or 500
        if code >= 500:
            db.session.rollback()
            log.exception("unhandled error rid=%s", g.get("request_id"))
        return render_template("errors/error.html", code=code), code

    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, render_error)

    from flask_wtf.csrf import CSRFError

    app.register_error_handler(CSRFError, lambda e: (render_template("errors/error.html", code=400,
                                                                    csrf=True), 400))


def _register_filters(app: Flask) -> None:
    from flask_babel import format_percent, get_locale

    from common.auth import role_label
    from common.text import article_label

    app.jinja_env.filters["article_label"] = article_label
    # Scores and progress are whole percents (0–100), printed the locale's way through Flask-Babel.
    app.jinja_env.filters["percent"] = lambda value: format_percent(value / 100)
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals["current_locale_code"] = lambda: str(get_locale() or "ja")
    app.jinja_env.globals["role_label"] = role_label
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
