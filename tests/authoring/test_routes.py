"""Every authoring route × every role (anonymous, learner, mentor, admin), and CSRF on every form."""

import re

import pytest
from sqlalchemy import select

from authoring.models import ReviewFlag
from extensions import db
from lessons.models import LessonRevision
from quizzes.models import Question
from statutes.models import Law, LawVersion
from tests.authoring.helpers import import_demo, lesson_form, question_form
from tests.conftest import login


def _for_staff(code: int) -> dict:
    return {"anonymous": 302, "learner": 403, "mentor": code, "admin": code}


L = "/authoring/lessons/{lesson}"
ROUTES = [
    ("GET", "/authoring/", None, 200),
    ("GET", "/authoring/reviews", None, 200),
    ("GET", "/authoring/reviews?reviewed=1", None, 200),
    ("GET", "/authoring/reviews/{flag}", None, 200),
    ("POST", "/authoring/reviews/{flag}/reviewed", {}, 302),
    ("GET", "/authoring/citations/322AC0000000067/234", None, 200),
    ("GET", "/authoring/courses/{course}/modules/new", None, 200),
    ("POST", "/authoring/courses/{course}/modules/new", {"slug": "another", "title": "別のモジュール"}, 302),
    ("GET", "/authoring/modules/{module}", None, 200),
    ("POST", "/authoring/modules/{module}", {"title": "契約", "summary": "", "objectives": ""}, 302),
    ("POST", "/authoring/modules/{module}/move", {"direction": "down"}, 302),
    ("POST", "/authoring/modules/{module}/archive", {"archived": "0"}, 302),
    ("GET", "/authoring/modules/{module}/lessons/new", None, 200),
    ("POST", "/authoring/modules/{module}/lessons/new", lesson_form(slug="another"), 302),
    ("GET", L, None, 200),
    ("POST", L, lesson_form("{head}"), 302),
    ("POST", "/authoring/preview?lesson={lesson}", lesson_form(), 200),
    ("POST", L + "/publish", {"base_revision": "{head}"}, 302),
    ("POST", L + "/move", {"direction": "up"}, 302),
    ("POST", L + "/archive", {"archived": "0"}, 302),
    ("GET", L + "/preview", None, 200),
    ("GET", L + "/history", None, 200),
    ("GET", L + "/diff?a={head}&b={head}", None, 200),
    ("GET", L + "/revisions/{head}", None, 200),
    ("POST", L + "/revisions/{head}/restore", {"base_revision": "{head}"}, 302),
    ("GET", L + "/quiz", None, 200),
    ("POST", L + "/quiz", {"title": "確認", "pass_mark": "70", "base_revision": "{head}"}, 302),
    ("GET", L + "/quiz/new/truefalse", None, 200),
    ("POST", L + "/quiz/new/truefalse", {**question_form("truefalse", "added"), "base_revision": "{head}"}, 302),
    ("GET", L + "/quiz/questions/freely", None, 200),
    ("POST", L + "/quiz/questions/freely", {**question_form("truefalse", "freely"), "base_revision": "{head}"}, 302),
    ("POST", L + "/quiz/questions/principle/move", {"direction": "down", "base_revision": "{head}"}, 302),
    ("POST", L + "/quiz/questions/freely/remove", {"base_revision": "{head}"}, 302),
    ("POST", L + "/quiz/remove", {"base_revision": "{head}"}, 302),
    ("GET", "/authoring/questions/{question}/regrade", None, 200),
    ("POST", "/authoring/questions/{question}/regrade", {}, 302),
]


@pytest.fixture
def world(app, users, tmp_path):
    lesson = import_demo(tmp_path)
    law = Law(law_id="322AC0000000067", title="地方自治法")
    old = LawVersion(law=law, revision_id="20260101_x", source_sha256="0" * 64)
    new = LawVersion(law=law, revision_id="20260924_y", source_sha256="1" * 64)
    db.session.add_all([law, old, new])
    db.session.flush()
    flag = ReviewFlag(lesson_id=lesson.id, law_id=law.law_id, article_num="234", change="changed",
                      old_version_id=old.id, new_version_id=new.id)
    db.session.add(flag)
    db.session.commit()
    head = db.session.scalar(select(LessonRevision.id).where(LessonRevision.lesson_id == lesson.id))
    question = db.session.scalar(select(Question.id).where(Question.key == "principle"))
    return {"lesson": lesson.id, "module": lesson.module_id, "course": lesson.module.course_id, "flag": flag.id,
            "head": head, "question": question}


def _fill(data, world):
    if data is None:
        return None
    return {key: value.format(**world) if isinstance(value, str) else value for key, value in data.items()}


def _request(client, world, method, url, data):
    return client.open(url.format(**world), method=method, data=_fill(data, world))


@pytest.mark.parametrize("role", ("anonymous", "learner"))
def test_anonymous_users_and_learners_reach_no_authoring_route(client, world, role):
    """Refused requests change nothing, so one database serves the whole table."""
    if role != "anonymous":
        login(client, f"{role}@example.jp")
    for method, url, data, code in ROUTES:
        response = _request(client, world, method, url, data)
        assert response.status_code == _for_staff(code)[role], f"{method} {url}"
        if role == "anonymous":
            assert "/login" in response.headers["Location"], f"{method} {url}"


@pytest.mark.parametrize("role", ("mentor", "admin"))
def test_mentors_and_admins_read_every_page(client, world, role):
    login(client, f"{role}@example.jp")
    for method, url, data, code in ROUTES:
        if method == "GET":
            response = _request(client, world, method, url, data)
            assert response.status_code == code, f"{url}: {response.get_data(as_text=True)[:1000]}"


POSTS = [route for route in ROUTES if route[0] == "POST"]


@pytest.mark.parametrize("role", ("mentor", "admin"))
@pytest.mark.parametrize(("method", "url", "data", "code"), POSTS, ids=[u for _, u, _, _ in POSTS])
def test_mentors_and_admins_post_every_form(client, world, role, method, url, data, code):
    login(client, f"{role}@example.jp")
    response = _request(client, world, method, url, data)
    assert response.status_code == code, response.get_data(as_text=True)[:1500]
    if code == 302:
        assert "/login" not in response.headers["Location"]


def test_every_authoring_route_is_in_the_table(app):
    covered = {(method, re.sub(r"\?.*", "", url)) for method, url, _, _ in ROUTES}
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("authoring."):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert any(m == method and re.fullmatch(re.sub(r"\{\w+\}", r"[^/]+", path), u.replace("{", "").replace(
                "}", "")) for m, u in covered), f"{method} {rule.rule} has no role test"


def test_csrf_is_enforced_on_every_form(app, world):
    client = app.test_client()
    login(client, "admin@example.jp")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        for _method, url, data, _code in POSTS:
            response = client.post(url.format(**world), data=_fill(data, world))
            assert response.status_code == 400, url
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_forms_carry_a_csrf_token(app, world):
    client = app.test_client()
    login(client, "mentor@example.jp")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        for method, url, _, _ in ROUTES:
            if method != "GET":
                continue
            html = client.get(url.format(**world)).get_data(as_text=True)
            for form in re.findall(r'<form method="post".*?</form>', html, re.S):
                assert 'name="csrf_token"' in form, (url, form[:200])
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_the_workspace_is_in_the_navigation_of_mentors_only(app, users):
    for role, shown in (("learner", False), ("mentor", True), ("admin", True)):
        client = app.test_client()
        login(client, f"{role}@example.jp")
        assert ('href="/authoring/"' in client.get("/").get_data(as_text=True)) is shown, role
