"""Cohorts over HTTP: creating, inviting, joining (and being refused), registering by invite, leaving, hiding one's
name, study sessions, the review page, the exports, and a learner's journey from invite to the mentor's review."""

import csv
import io
import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from cohorts import services
from cohorts.models import Cohort, Membership, StudySession
from common.timeutil import utcnow
from extensions import db
from quizzes.models import Question
from tests.cohorts.conftest import add_member, attempt, complete
from tests.conftest import login, make_user
from tests.quizzes.factories import answer_form, open_attempt


def page(response) -> str:
    return response.get_data(as_text=True)


def membership(cohort_id: int, user_id: int) -> Membership | None:
    db.session.expire_all()
    return db.session.scalar(select(Membership).where(Membership.cohort_id == cohort_id,
                                                      Membership.user_id == user_id))


# --- creating and inviting ---------------------------------------------------------------------------------


def test_a_mentor_creates_a_cohort_and_sees_its_invite(client, users, course):
    login(client, "mentor@example.jp")
    response = client.post("/cohorts/new", data={
        "name": "2027年4月 入庁 DX人材", "organisation": "〇〇市 デジタル推進課", "course_id": course.id,
        "starts_on": "2027-04-01", "ends_on": "2027-09-30", "stall_days": "10"})
    assert response.status_code == 302
    cohort = db.session.scalar(select(Cohort))
    assert response.headers["Location"].endswith(f"/cohorts/{cohort.id}")
    assert (cohort.starts_on, cohort.ends_on, cohort.stall_days, cohort.invite_open) == (
        date(2027, 4, 1), date(2027, 9, 30), 10, True)
    assert membership(cohort.id, users["mentor"].id).role == "mentor"
    detail = page(client.get(f"/cohorts/{cohort.id}"))
    assert f"/join/{cohort.invite_code}" in detail
    assert services.display_code(cohort.invite_code) in detail
    assert "招待" in detail  # the Japanese interface


def test_cohort_form_errors(client, users, course):
    login(client, "mentor@example.jp")
    response = client.post("/cohorts/new", data={"name": "", "course_id": course.id, "starts_on": "2027-04-01",
                                                 "ends_on": "2027-03-01", "stall_days": "0"})
    assert response.status_code == 422
    assert db.session.scalar(select(Cohort)) is None
    assert page(response).count('class="errors"') == 3


def test_editing_a_cohort(client, world):
    login(client, "comentor@example.jp")
    cohort = world["cohort"]
    response = client.post(f"/cohorts/{cohort.id}/edit", data={
        "name": "新しい名前", "course_id": cohort.course_id, "stall_days": "21"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (cohort.name, cohort.stall_days) == ("新しい名前", 21)


# --- joining -----------------------------------------------------------------------------------------------


def test_joining_by_link_and_by_typed_code(client, world):
    cohort = world["cohort"]
    login(client, "outsider@example.jp")
    invite = client.get(f"/join/{cohort.invite_code}")
    assert invite.status_code == 200 and cohort.name in page(invite)
    response = client.post("/join", data={"code": cohort.invite_code})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/cohorts/{cohort.id}")
    assert membership(cohort.id, world["outsider"].id).active
    # Typed by hand: lower case, with the dash shown on the page, in full-width letters.
    other = make_user("typed@example.jp")
    client.post("/logout")
    login(client, "typed@example.jp")
    typed = services.display_code(cohort.invite_code).lower().replace("a", "ａ")
    assert client.post("/join", data={"code": f" {typed} "}).status_code == 302
    assert membership(cohort.id, other.id).active


def test_joining_is_refused_with_a_closed_or_replaced_code(client, world):
    cohort = world["cohort"]
    old_code = cohort.invite_code
    login(client, "mentor@example.jp")
    assert client.post(f"/cohorts/{cohort.id}/invite/close").status_code == 302
    client.post("/logout")
    login(client, "outsider@example.jp")
    closed = client.post("/join", data={"code": old_code})
    assert closed.status_code == 422 and "受け付けていません" in page(closed)
    assert client.get(f"/join/{old_code}").status_code == 404
    assert membership(cohort.id, world["outsider"].id) is None

    client.post("/logout")
    login(client, "mentor@example.jp")
    client.post(f"/cohorts/{cohort.id}/invite/open")
    client.post(f"/cohorts/{cohort.id}/invite/rotate")
    db.session.expire_all()
    assert cohort.invite_code != old_code and cohort.invite_open
    client.post("/logout")
    login(client, "outsider@example.jp")
    rotated = client.post("/join", data={"code": old_code})
    assert rotated.status_code == 422 and "有効ではありません" in page(rotated)
    assert client.get(f"/join/{old_code}").status_code == 404
    assert client.post("/join", data={"code": cohort.invite_code}).status_code == 302
    assert membership(cohort.id, world["outsider"].id).active


@pytest.mark.parametrize("registration", ["invite", "open"])
def test_an_invite_link_lets_a_person_register_and_join(app, world, registration):
    app.config["REGISTRATION"] = registration
    cohort = world["cohort"]
    client = app.test_client()
    if registration == "invite":
        assert client.get("/register").status_code == 403
        assert client.get("/join/NOTACODE99").status_code == 404
        assert client.get("/register").status_code == 403  # a wrong code opens nothing
    invite = client.get(f"/join/{cohort.invite_code}")
    assert invite.status_code == 200 and "/register?next=" in page(invite)
    assert client.get("/register").status_code == 200
    response = client.post(f"/register?next=/join/{cohort.invite_code}", data={
        "email": "newcomer@example.jp", "display_name": "佐藤", "organisation": "〇〇町",
        "password": "machi-no-dx-2027", "confirm": "machi-no-dx-2027"})
    assert response.status_code == 302
    user = db.session.scalar(select(Membership).join(Membership.user).where(Membership.cohort_id == cohort.id,
                                                                           Membership.role == "learner")
                             .order_by(Membership.id.desc()))
    assert user.user.email == "newcomer@example.jp" and user.active
    # The invite is used up: the next visitor of the register page needs one of their own.
    if registration == "invite":
        client.post("/logout")
        assert client.get("/register").status_code == 403
    # Following `next` lands on the cohort page.
    client2 = app.test_client()
    login(client2, "newcomer@example.jp", "machi-no-dx-2027")
    follow = client2.get(f"/join/{cohort.invite_code}")
    assert follow.status_code == 302 and follow.headers["Location"].endswith(f"/cohorts/{cohort.id}")


@pytest.mark.parametrize("registration", ["invite", "open"])
def test_an_invite_closed_while_registering(app, world, registration):
    """The person opened the link; the mentor closed the invites before the form was sent. Where only an invite
    lets a person register, no account is made and the page says why; where anyone may register, the account
    is made, the cohort is not joined, and the person is told."""
    from accounts.models import User

    app.config["REGISTRATION"] = registration
    cohort = world["cohort"]
    client = app.test_client()
    assert client.get(f"/join/{cohort.invite_code}").status_code == 200
    services.set_invite_open(cohort, False)
    db.session.commit()
    response = client.post("/register", data={
        "email": "late@example.jp", "display_name": "遅刻", "organisation": "",
        "password": "machi-no-dx-2027", "confirm": "machi-no-dx-2027"}, follow_redirects=True)
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.email == "late@example.jp"))
    if registration == "invite":
        assert response.status_code == 403 and "受け付けていません" in page(response)
        assert user is None
    else:
        assert response.status_code == 200 and "参加していません" in page(response)
        assert user is not None and membership(cohort.id, user.id) is None


def test_leaving_and_coming_back(client, world):
    cohort = world["cohort"]
    login(client, "learner@example.jp")
    assert client.post(f"/cohorts/{cohort.id}/leave").status_code == 302
    assert membership(cohort.id, world["learner"].id).left_at is not None
    assert client.get(f"/cohorts/{cohort.id}").status_code == 404
    assert client.post("/join", data={"code": cohort.invite_code}).status_code == 302
    assert membership(cohort.id, world["learner"].id).active


def test_the_last_mentor_cannot_leave(client, world):
    cohort = world["cohort"]
    login(client, "comentor@example.jp")
    assert client.post(f"/cohorts/{cohort.id}/leave").status_code == 302  # the creator is still a mentor
    client.post("/logout")
    login(client, "mentor@example.jp")
    response = client.post(f"/cohorts/{cohort.id}/leave", follow_redirects=True)
    assert "唯一のメンター" in page(response)
    assert membership(cohort.id, world["mentor"].id).active


def test_co_mentors_and_removing_members(client, world):
    cohort = world["cohort"]
    login(client, "mentor@example.jp")
    refused = client.post(f"/cohorts/{cohort.id}/mentors", data={"email": "outsider@example.jp"},
                          follow_redirects=True)
    assert "メンターの役割" in page(refused)
    assert client.post(f"/cohorts/{cohort.id}/mentors", data={"email": "other-mentor@example.jp"}).status_code == 302
    assert membership(cohort.id, world["other_mentor"].id).role == "mentor"
    learner = membership(cohort.id, world["learner"].id)
    assert client.post(f"/cohorts/{cohort.id}/members/{learner.id}/remove").status_code == 302
    assert membership(cohort.id, world["learner"].id).left_at is not None
    client.post("/logout")
    login(client, "other-mentor@example.jp")
    assert client.get(f"/cohorts/{cohort.id}/review").status_code == 200


# --- what a learner sees -----------------------------------------------------------------------------------


def test_a_learner_sees_their_progress_against_anonymous_aggregates(client, world):
    cohort = world["cohort"]
    lessons = world["lessons"]
    others = [make_user(f"peer{i}@example.jp") for i in range(3)]
    for i, person in enumerate(others):
        person.display_name = f"同期{i}"
        add_member(cohort, person, hide_name=(i == 2))
    complete(world["learner"].id, lessons[0].id)
    for lesson in lessons:  # peer0 has read everything
        complete(others[0].id, lesson.id)
    login(client, "learner@example.jp")
    text = page(client.get(f"/cohorts/{cohort.id}"))
    # Own progress 25%; the four learners: 25, 100, 0, 0 → median 12.5 (shown rounded); module 1: (1+2)/8 = 38%.
    assert "25%" in text and "中央値" in text and "38%" in text
    assert "同期0" in text and "同期1" in text and "同期2" not in text  # peer2 hides their name
    assert "ほか1人" in text
    assert 'class="matrix"' not in text and "100%" not in text  # nobody else's own figures
    assert client.get(f"/cohorts/{cohort.id}/review").status_code == 403


def test_aggregates_are_withheld_from_a_tiny_cohort(client, world):
    login(client, "learner@example.jp")
    text = page(client.get(f"/cohorts/{world['cohort'].id}"))
    assert "3人以上" in text and "中央値" not in text


def test_hiding_ones_name(client, world):
    cohort = world["cohort"]
    peer = make_user("peer@example.jp")
    peer.display_name = "鈴木"
    add_member(cohort, peer)
    login(client, "peer@example.jp")
    assert client.post(f"/cohorts/{cohort.id}/privacy", data={"hide_name": "y"}).status_code == 302
    assert membership(cohort.id, peer.id).hide_name
    client.post("/logout")
    login(client, "learner@example.jp")
    assert "鈴木" not in page(client.get(f"/cohorts/{cohort.id}"))
    client.post("/logout")
    login(client, "mentor@example.jp")  # mentors still see everyone
    assert "鈴木" in page(client.get(f"/cohorts/{cohort.id}/review"))
    client.post("/logout")
    login(client, "peer@example.jp")
    client.post(f"/cohorts/{cohort.id}/privacy", data={})
    assert not membership(cohort.id, peer.id).hide_name


# --- study sessions ----------------------------------------------------------------------------------------


def test_study_sessions_show_what_to_finish_and_who_is_ready(client, world):
    cohort = world["cohort"]
    lessons, quizzes = world["lessons"], world["quizzes"]
    module_1 = lessons[0].module_id
    soon = date.today() + timedelta(days=7)
    login(client, "mentor@example.jp")
    response = client.post(f"/cohorts/{cohort.id}/sessions", data={
        "held_on": soon.isoformat(), "modules": [str(module_1)], "note": "第1回 学ぶ会: 301会議室"})
    assert response.status_code == 302
    study_session = db.session.scalar(select(StudySession))
    assert [m.id for m in study_session.modules] == [module_1]
    client.post("/logout")

    login(client, "learner@example.jp")
    text = page(client.get(f"/cohorts/{cohort.id}"))
    assert "第1回 学ぶ会: 301会議室" in text and "モジュール1" in text
    assert "残り2レッスン" in text and "/courses/demo/m1/l1" in text
    for lesson, quiz in zip(lessons[:2], quizzes[:2], strict=True):
        complete(world["learner"].id, lesson.id)
        attempt(world["learner"].id, quiz, {q.id: (True, True) for q in quiz.questions}, utcnow())
    assert "✓ 完了" in page(client.get(f"/cohorts/{cohort.id}"))
    client.post("/logout")

    login(client, "mentor@example.jp")
    ready = page(client.get(f"/cohorts/{cohort.id}/sessions/{study_session.id}"))
    assert "1人中1人" in ready and "✓ 準備完了" in ready and "2 / 2" in ready
    assert "1人中1人" in page(client.get(f"/cohorts/{cohort.id}"))
    later = soon + timedelta(days=14)
    assert client.post(f"/cohorts/{cohort.id}/sessions/{study_session.id}", data={
        "held_on": later.isoformat(), "modules": [], "note": ""}).status_code == 302
    db.session.expire_all()
    assert study_session.held_on == later and study_session.modules == []
    assert client.post(f"/cohorts/{cohort.id}/sessions/{study_session.id}/delete").status_code == 302
    assert db.session.scalar(select(StudySession)) is None


def test_a_session_only_takes_modules_of_the_cohorts_course(client, world):
    from tests.factories import make_course

    other = make_course(slug="other")
    foreign = other.modules[0].id
    login(client, "mentor@example.jp")
    response = client.post(f"/cohorts/{world['cohort'].id}/sessions", data={
        "held_on": "2027-05-08", "modules": [str(foreign)]})
    assert response.status_code == 422
    assert db.session.scalar(select(StudySession)) is None


# --- the review page and exports ---------------------------------------------------------------------------


@pytest.fixture
def reviewed(world):
    """The learner has read module 1 and failed a quiz; a stalled learner; one who has not started; a learner
    whose name is a spreadsheet formula."""
    cohort = world["cohort"]
    lessons, quizzes = world["lessons"], world["quizzes"]
    complete(world["learner"].id, lessons[0].id)
    complete(world["learner"].id, lessons[1].id)
    q1, q2 = (q.id for q in quizzes[0].questions)
    attempt(world["learner"].id, quizzes[0], {q1: (True, True), q2: (True, False)}, utcnow())
    stalled = make_user("stalled@example.jp")
    stalled.display_name = "停滞さん"
    add_member(cohort, stalled)
    complete(stalled.id, lessons[2].id, utcnow() - timedelta(days=40))
    idle = make_user("idle@example.jp")
    idle.display_name = "未着手さん"
    add_member(cohort, idle)
    formula = make_user("formula@example.jp")
    formula.display_name = '=HYPERLINK("http://x")'
    formula.organisation = "+81 市"
    add_member(cohort, formula)
    return world


def test_the_review_page(client, reviewed):
    cohort = reviewed["cohort"]
    login(client, "mentor@example.jp")
    text = page(client.get(f"/cohorts/{cohort.id}/review"))
    assert "learner" in text and "停滞さん" in text and "未着手さん" in text
    assert "停滞: 40日" in text and text.count("未着手</span>") == 2  # the formula learner has not started either
    assert "2/2 · 50%" in text  # the learner's module 1: both lessons read, quiz best 50%
    assert 'aria-sort="ascending"' in text and "?sort=progress&amp;dir=desc" in text
    assert text.count("<svg") == 2 and "<title id=\"progress-chart-title\">" in text and "<desc" in text
    assert "問2" in text and "0.00" in text  # question 2: nobody right on first try
    assert "style=" not in text and "<script>" not in text  # the CSP allows neither
    by_progress = page(client.get(f"/cohorts/{cohort.id}/review?sort=progress&dir=desc"))
    assert by_progress.index(">learner") < by_progress.index("停滞さん") < by_progress.index("未着手さん")
    assert 'aria-sort="descending"' in by_progress
    deck = page(client.get(f"/cohorts/{cohort.id}/deck"))
    # One learner has answered: too few for the deck to single out a question; it names no learner either way.
    assert "取り上げるべき問題はまだありません" in deck and "learner" not in deck


def parse_csv(response) -> list[list[str]]:
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark, for Excel
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_csv_exports_are_excel_friendly_and_formula_safe(client, reviewed):
    cohort = reviewed["cohort"]
    login(client, "mentor@example.jp")
    response = client.get(f"/cohorts/{cohort.id}/matrix.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = parse_csv(response)
    assert rows[0][:3] == ["受講者", "所属", "進捗 (%)"]
    by_name = {row[0]: row for row in rows[1:]}
    assert "'=HYPERLINK(\"http://x\")" in by_name  # text, not a formula
    assert by_name["'=HYPERLINK(\"http://x\")"][1] == "'+81 市"
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert by_name["learner"][2] == "50"
    questions = parse_csv(client.get(f"/cohorts/{cohort.id}/questions.csv"))
    assert questions[0][3] == "問題"
    assert {row[3] for row in questions[1:]} == {"問1", "問2"}
    facility = {row[3]: row[6] for row in questions[1:]}
    assert facility == {"問1": "1.0", "問2": "0.0"}


def test_csv_times_are_japan_time(client, world):
    """Stored times are UTC; a mentor in a town hall reads the export in Japan time."""
    late = make_user("late@example.jp")
    late.display_name = "深夜さん"
    add_member(world["cohort"], late)
    complete(late.id, world["lessons"][0].id, datetime(2027, 4, 5, 23, 30))
    login(client, "mentor@example.jp")
    rows = parse_csv(client.get(f"/cohorts/{world['cohort'].id}/matrix.csv"))
    assert rows[0][4] == "最終学習日時 (日本時間)"
    assert {row[0]: row for row in rows[1:]}["深夜さん"][4] == "2027-04-06 08:30"


def test_safe_cell():
    from common.spreadsheet import csv_text, safe_cell

    assert safe_cell('=HYPERLINK("http://x")') == "'=HYPERLINK(\"http://x\")"
    for dangerous in ("+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1", "  =1"):
        assert safe_cell(dangerous).startswith("'")
    assert safe_cell(-0.25) == -0.25 and safe_cell(None) == "" and safe_cell("佐藤") == "佐藤"
    assert csv_text([["a", "=1"]]) == "\ufeffa,'=1\r\n"


# --- a learner's journey -----------------------------------------------------------------------------------


def test_journey_from_invite_to_the_mentors_review(app, world):
    """A newcomer opens the invite link, registers, takes a quiz (wrongly), and the mentor sees it on the review
    page and in the CSV."""
    cohort = world["cohort"]
    quiz = world["quizzes"][0]
    newcomer = app.test_client()
    newcomer.get(f"/join/{cohort.invite_code}")
    newcomer.post("/register", data={"email": "newcomer@example.jp", "display_name": "新人 太郎", "password":
                                     "machi-no-dx-2027", "confirm": "machi-no-dx-2027"})
    assert newcomer.get(f"/quizzes/{quiz.id}").status_code == 200
    user_id = db.session.scalar(select(Membership.user_id).join(Membership.user)
                                .where(Membership.cohort_id == cohort.id).order_by(Membership.id.desc()))
    started = open_attempt(user_id, quiz.id)
    questions = db.session.scalars(select(Question).where(Question.quiz_id == quiz.id)).all()
    result = newcomer.post(f"/quizzes/{quiz.id}", data=answer_form(started, questions, right=False))
    assert result.status_code == 302

    mentor = app.test_client()
    login(mentor, "mentor@example.jp")
    text = page(mentor.get(f"/cohorts/{cohort.id}/review"))
    assert "新人 太郎" in text and re.search(r"0/2 · 0%", text)
    rows = parse_csv(mentor.get(f"/cohorts/{cohort.id}/matrix.csv"))
    assert any(row[0] == "新人 太郎" and row[3] == "0" for row in rows)


def test_the_cohort_pages_in_english(app, reviewed):
    cohort = reviewed["cohort"]
    mentor = app.test_client()
    login(mentor, "mentor@example.jp")
    mentor.post("/locale", data={"locale": "en"})
    review_page = page(mentor.get(f"/cohorts/{cohort.id}/review"))
    assert "Learners and modules" in review_page and "Stalled: 40 days" in review_page
    assert "Invite learners" in page(mentor.get(f"/cohorts/{cohort.id}"))
    assert mentor.get(f"/cohorts/{cohort.id}/matrix.csv").get_data().decode("utf-8-sig").startswith("Learner,")
    learner = app.test_client()
    login(learner, "learner@example.jp")
    learner.post("/locale", data={"locale": "en"})
    text = page(learner.get(f"/cohorts/{cohort.id}"))
    assert "Before the next meeting" in text and "Learning together" in text and "停滞さん" in text
