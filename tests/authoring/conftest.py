import pytest
from flask import g


@pytest.fixture(autouse=True)
def user_per_request(app):
    """Flask-Login caches the signed-in user on `g`, which every request of a test shares (the test keeps an
    application context pushed). These tests interleave a mentor's and a learner's browser, so each request
    must load its own user, as it does in production where every request has its own context."""
    def forget_user() -> None:
        g.pop("_login_user", None)

    app.before_request_funcs.setdefault(None, []).insert(0, forget_user)
