"""Every route × every role (anonymous, learner, mentor, admin), and CSRF on state-changing requests."""

import pytest
from sqlalchemy import select

from extensions import db
from lessons.models import Lesson
from quizzes.models import Quiz
from tests.conftest import login
from tests.factories import make_course

ROLES = ("anonymous", "learner", "mentor", "admin")
PUBLIC = {role: 200 for role in ROLES}
SIGNED_IN = {"anonymous": 302, "learner": 200, "mentor": 200, "admin": 200}
SIGNED_IN_POST = {"anonymous": 302, "learner": 302, "mentor": 302, "admin": 302}
ADMIN_ONLY = {"anonymous": 302, "learner": 403, "mentor": 403, "admin": 200}
ADMIN_ONLY_POST = {"anonymous": 302, "learner": 403, "mentor": 403, "admin": 302}

LESSON = "/courses/demo/m1/l1"
ROUTES = [
    ("GET", "/", PUBLIC),
    ("GET", "/healthz", PUBLIC),
    ("GET", "/courses/demo/", PUBLIC),
    ("GET", "/glossary", PUBLIC),
    ("GET", "/statutes/", PUBLIC),
    ("GET", "/register", PUBLIC),
    ("GET", "/login", PUBLIC),
    ("POST", "/locale", {role: 302 for role in ROLES}),
    ("GET", LESSON, SIGNED_IN),
    ("POST", LESSON + "/done", SIGNED_IN_POST),
    ("GET", "/dashboard", SIGNED_IN),
    ("GET", "/quizzes/{quiz}", SIGNED_IN),
    ("POST", "/quizzes/{quiz}", SIGNED_IN_POST),
    ("GET", "/quizzes/{quiz}/history", SIGNED_IN),
    ("POST", "/logout", SIGNED_IN_POST),
    ("GET", "/admin/users", ADMIN_ONLY),
    ("POST", "/admin/users/{learner}/role", ADMIN_ONLY_POST),
]


@pytest.fixture
def world(app, users):
    make_course()
    quiz = db.session.scalar(select(Quiz).join(Lesson).where(Lesson.slug == "l1"))
    return {"quiz": quiz.id, "learner": users["learner"].id}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "url", "expected"), ROUTES, ids=[f"{m} {u}" for m, u, _ in ROUTES])
def test_route_for_role(client, world, role, method, url, expected):
    if role != "anonymous":
        login(client, f"{role}@example.jp")
    data = {"role": "learner", "locale": "ja"} if method == "POST" else None
    response = client.open(url.format(**world), method=method, data=data)
    assert response.status_code == expected[role], response.get_data(as_text=True)[:300]
    if expected[role] == 302 and role == "anonymous" and url not in ("/locale",):
        assert "/login" in response.headers["Location"]


def test_unknown_pages_are_japanese_404s(client):
    response = client.get("/courses/nothing-here/")
    assert response.status_code == 404
    assert "ページが見つかりません" in response.get_data(as_text=True)


@pytest.fixture
def csrf_app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app


@pytest.mark.parametrize("url", ["/register", "/login", "/locale", LESSON + "/done", "/quizzes/{quiz}",
                                 "/logout", "/admin/users/{learner}/role"])
def test_csrf_is_enforced(csrf_app, world, url):
    client = csrf_app.test_client()
    app = csrf_app
    app.config["WTF_CSRF_ENABLED"] = False
    login(client, "admin@example.jp")
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(url.format(**world), data={"role": "learner", "locale": "en"})
    assert response.status_code == 400
