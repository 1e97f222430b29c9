"""The application factory. `flask run` and `flask <command>` find create_app() here without FLASK_APP."""

import importlib
import logging
import re
import secrets
import time
import uuid
from pathlib import Path

from flask import Flask, g, jsonify, render_template, request
from flask_babel import refresh as refresh_locale
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix

import common.ratelimit  # noqa: F401 - the database:// rate-limit storage and its table
from config import Config, engine_options, environment_overrides
from extensions import babel, csrf, db, limiter, login_manager, migrate, select_locale

# Dependencies point downwards in this list (docs/architecture.md): a package imports the models and services
# of the packages after it, never their views.
FEATURE_PACKAGES = ("cohorts", "progress", "authoring", "contentpack", "quizzes", "lessons", "curriculum", "statutes",
                    "accounts")

log = logging.getLogger("jichiho")
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


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
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)
    if app.config.get("HTTPS"):
        app.config["PREFERRED_URL_SCHEME"] = "https"
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        # Behind nginx: the client's address (rate limits, logs) and scheme (HSTS, Secure cookies, redirects)
        # come from the X-Forwarded-* headers the trusted proxies set, and from nowhere else.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies)

    _init_extensions(app)
    _register_packages(app)
    _register_request_hooks(app)
    _register_error_pages(app)
    _register_filters(app)

    @app.get("/healthz")
    @limiter.exempt
    def healthz():
        """For the load balancer and monitoring: 200 when this worker can reach the database, 503 otherwise."""
        try:
            db.session.execute(text("SELECT 1"))
        except SQLAlchemyError:
            db.session.rollback()
            log.exception("health check failed rid=%s", g.get("request_id"))
            return jsonify(status="error", database="unreachable"), 503
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
        # nginx's $request_id when it sent one (so its access log and ours share it); anything else a client
        # sends is not trusted into the logs unless it looks like an ID.
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex[:16]
        # Flask-Babel caches the locale on the app context, which a request shares when one is already pushed
        # (as in tests and CLI scripts): choose it afresh for every request.
        refresh_locale()
        g.pop("translations", None)
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
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security",
                                        f"max-age={app.config['HSTS_MAX_AGE']}; includeSubDomains")
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
    from flask_babel import format_decimal, format_percent, get_locale

    from common.auth import role_label
    from common.text import article_label

    app.jinja_env.filters["article_label"] = article_label
    # Scores and progress are whole percents (0–100), printed the locale's way through Flask-Babel. Babel
    # formats a number in tens of microseconds and a dashboard prints dozens: small whole numbers are
    # formatted once per locale and remembered.
    app.jinja_env.filters["percent"] = lambda value: _small_number(value, "percent", format_percent)
    app.jinja_env.filters["decimalformat"] = lambda value, *args: (
        format_decimal(value, *args) if args else _small_number(value, "decimal", format_decimal))
    app.jinja_env.add_extension("jinja2.ext.do")
    # Templates translate through the request's catalog, looked up once per request (Flask-Babel's
    # get_translations() costs ~13 µs a call, and a page makes dozens); the cache is dropped at the start of every
    # request (start_request), as the locale may change between two requests that share an app context.
    app.jinja_env.install_gettext_callables(
        lambda string: _translations().ugettext(string),
        lambda singular, plural, n: _translations().ungettext(singular, plural, n), newstyle=True)
    app.jinja_env.globals["current_locale_code"] = lambda: str(get_locale() or "ja")
    app.jinja_env.globals["role_label"] = role_label
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True


_FORMATTED: dict[tuple[str, str, int], str] = {}


def _small_number(value, kind: str, formatter) -> str:
    """A whole number from 0 to 1000 formatted by Flask-Babel (`format_percent` takes a fraction), remembered per
    locale; anything else is formatted afresh."""
    from flask_babel import get_locale

    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 1000:
        return formatter(value / 100) if kind == "percent" else formatter(value)
    key = (str(get_locale() or "ja"), kind, value)
    text = _FORMATTED.get(key)
    if text is None:
        text = _FORMATTED[key] = formatter(value / 100) if kind == "percent" else formatter(value)
    return text


def _translations():
    from flask_babel import get_translations

    translations = g.get("translations")
    if translations is None:
        translations = g.translations = get_translations()
    return translations
