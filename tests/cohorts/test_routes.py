"""Every cohort route × every role, and CSRF on every state-changing cohort request.

Roles: anonymous; `learner` (a member of the cohort); `outsider` (a learner in no cohort); `other_mentor` (a mentor
who does not run this cohort); `comentor` (a co-mentor of it); `mentor` (its creator); `admin`. A cohort you may
not see is a 404; a member on a mentor's page gets 403.
"""

from datetime import date

import pytest
from sqlalchemy import select

from cohorts import services
from cohorts.models import Membership
from extensions import db
from tests.conftest import login

ROLES = ("anonymous", "learner", "outsider", "other_mentor", "comentor", "mentor", "admin")
EMAILS = {"learner": "learner@example.jp", "outsider": "outsider@example.jp",
          "other_mentor": "other-mentor@example.jp", "comentor": "comentor@example.jp",
          "mentor": "mentor@example.jp", "admin": "admin@example.jp"}


def expect(anonymous, learner, outsider, other_mentor, comentor, mentor, admin):
    return dict(zip(ROLES, (anonymous, learner, outsider, other_mentor, comentor, mentor, admin), strict=True))


SIGNED_IN = expect(302, 200, 200, 200, 200, 200, 200)
MENTORS_ONLY = expect(302, 403, 403, 200, 200, 200, 200)
MENTORS_ONLY_POST = expect(302, 403, 403, 302, 302, 302, 302)
MANAGE = expect(302, 403, 404, 404, 200, 200, 200)
MANAGE_POST = expect(302, 403, 404, 404, 302, 302, 302)
VISIBLE = expect(302, 200, 404, 404, 200, 200, 200)
MEMBER_POST = expect(302, 302, 404, 404, 302, 302, 403)
INVITE = expect(200, 302, 200, 200, 302, 302, 200)  # members go straight to their cohort
JOIN_POST = expect(302, 302, 302, 302, 302, 302, 302)

ROUTES = [
    ("GET", "/cohorts/", SIGNED_IN),
    ("GET", "/cohorts/new", MENTORS_ONLY),
    ("POST", "/cohorts/new", MENTORS_ONLY_POST),
    ("GET", "/cohorts/{cohort}", VISIBLE),
    ("GET", "/cohorts/{cohort}/edit", MANAGE),
    ("POST", "/cohorts/{cohort}/edit", MANAGE_POST),
    ("POST", "/cohorts/{cohort}/invite/rotate", MANAGE_POST),
    ("POST", "/cohorts/{cohort}/invite/close", MANAGE_POST),
    ("POST", "/cohorts/{cohort}/invite/open", MANAGE_POST),
    ("POST", "/cohorts/{cohort}/mentors", MANAGE_POST),
    ("POST", "/cohorts/{cohort}/members/{membership}/remove", MANAGE_POST),
    ("POST", "/cohorts/{cohort}/sessions", MANAGE_POST),
    ("GET", "/cohorts/{cohort}/sessions/{session}", MANAGE),
    ("POST", "/cohorts/{cohort}/sessions/{session}", MANAGE_POST),
    ("POST", "/cohorts/{cohort}/sessions/{session}/delete", MANAGE_POST),
    ("GET", "/cohorts/{cohort}/review", MANAGE),
    ("GET", "/cohorts/{cohort}/review?sort=progress&dir=desc", MANAGE),
    ("GET", "/cohorts/{cohort}/deck", MANAGE),
    ("GET", "/cohorts/{cohort}/matrix.csv", MANAGE),
    ("GET", "/cohorts/{cohort}/questions.csv", MANAGE),
    ("POST", "/cohorts/{cohort}/leave", MEMBER_POST),
    ("POST", "/cohorts/{cohort}/privacy", MEMBER_POST),
    ("GET", "/join/{code}", INVITE),
    ("GET", "/join", SIGNED_IN),
    ("POST", "/join", JOIN_POST),
]


@pytest.fixture
def ids(world):
    cohort = world["cohort"]
    study_session = services.add_session(cohort, date(2027, 5, 1), [], "")
    db.session.commit()
    membership = db.session.scalar(select(Membership.id).where(Membership.user_id == world["learner"].id))
    return {"cohort": cohort.id, "code": cohort.invite_code, "session": study_session.id, "membership": membership,
            "course": cohort.course_id}


def form_data(ids) -> dict:
    """A valid body for every POST above (each route reads the fields it needs)."""
    return {"name": "2027年4月 入庁 DX人材", "course_id": str(ids["course"]), "stall_days": "14",
            "held_on": "2027-05-08", "modules": [], "note": "", "email": "other-mentor@example.jp",
            "hide_name": "y", "code": ids["code"]}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "url", "expected"), ROUTES, ids=[f"{m} {u}" for m, u, _ in ROUTES])
def test_cohort_route_for_role(client, ids, role, method, url, expected):
    if role != "anonymous":
        login(client, EMAILS[role])
    response = client.open(url.format(**ids), method=method, data=form_data(ids) if method == "POST" else None)
    assert response.status_code == expected[role], response.get_data(as_text=True)[:400]
    if role == "anonymous" and expected[role] == 302:
        assert "/login" in response.headers["Location"]


def test_a_learner_cannot_see_another_cohort(client, world, users):
    other = services.create_cohort(world["other_mentor"], "別の学ぶ会", world["cohort"].course_id)
    db.session.commit()
    login(client, "learner@example.jp")
    for url in (f"/cohorts/{other.id}", f"/cohorts/{other.id}/review", f"/cohorts/{other.id}/matrix.csv"):
        assert client.get(url).status_code == 404
    assert "別の学ぶ会" not in client.get("/cohorts/").get_data(as_text=True)


def test_the_cohort_list_shows_each_role_its_own(client, world):
    other = services.create_cohort(world["other_mentor"], "別の学ぶ会", world["cohort"].course_id)
    db.session.commit()
    seen = {}
    for role in ("learner", "outsider", "other_mentor", "mentor", "comentor", "admin"):
        client.post("/logout")
        login(client, EMAILS[role])
        page = client.get("/cohorts/").get_data(as_text=True)
        seen[role] = ("2027年4月 入庁 DX人材" in page, other.name in page)
    assert seen == {"learner": (True, False), "outsider": (False, False), "other_mentor": (False, True),
                    "mentor": (True, False), "comentor": (True, False), "admin": (True, True)}


@pytest.fixture
def csrf_client(app, ids):
    client = app.test_client()
    login(client, "mentor@example.jp")
    app.config["WTF_CSRF_ENABLED"] = True
    return client


@pytest.mark.parametrize("url", [u for m, u, _ in ROUTES if m == "POST"])
def test_csrf_is_enforced(csrf_client, ids, url):
    response = csrf_client.post(url.format(**ids), data=form_data(ids))
    assert response.status_code == 400
