"""Cohort fixtures: a course, a cohort run by `mentor@example.jp` with `learner@example.jp` in it, and helpers
that put learners, completions and attempts straight into the database (fast enough for hundreds)."""

import itertools
from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert, select

from accounts.models import User
from cohorts import services
from cohorts.models import Cohort, Membership
from extensions import db
from lessons.models import Lesson, LessonCompletion
from quizzes.models import Attempt, Question, Quiz, Response
from quizzes.services import snapshot
from tests.conftest import make_user
from tests.factories import make_course

_serial = itertools.count(1)


@pytest.fixture(autouse=True)
def _generous_join_limit(app):
    app.config["JOIN_RATE_LIMIT"] = "10000 per minute"


def make_cohort(mentor: User, course_id: int, name: str = "2027年4月 入庁 DX人材", **fields) -> Cohort:
    cohort = services.create_cohort(mentor, name, course_id, **fields)
    db.session.commit()
    return cohort


def add_member(cohort: Cohort, user: User, role: str = "learner", **fields) -> Membership:
    membership = Membership(cohort_id=cohort.id, user_id=user.id, role=role, **fields)
    db.session.add(membership)
    db.session.commit()
    return membership


def bulk_learners(cohort: Cohort, count: int, prefix: str = "bulk") -> list[int]:
    """`count` learner accounts (no usable password) in the cohort, in two statements."""
    tag = next(_serial)
    db.session.execute(insert(User), [
        {"email": f"{prefix}{tag}-{i}@example.jp", "display_name": f"{prefix}{i:04d}", "organisation": "テスト市",
         "role": "learner", "password_hash": "!"} for i in range(count)])
    ids = list(db.session.scalars(select(User.id).where(User.email.like(f"{prefix}{tag}-%")).order_by(User.id)))
    db.session.execute(insert(Membership), [{"cohort_id": cohort.id, "user_id": uid, "role": "learner"} for uid in ids])
    db.session.commit()
    return ids


def complete(user_id: int, lesson_id: int, when: datetime | None = None) -> None:
    db.session.add(LessonCompletion(user_id=user_id, lesson_id=lesson_id, completed_at=when or datetime(2027, 4, 5)))
    db.session.commit()


def attempt(user_id: int, quiz: Quiz, answers: dict[int, tuple[object, bool]], when: datetime) -> Attempt:
    """A submitted attempt with the given {question id: (answer, correct)}."""
    questions = {q.id: q for q in quiz.questions}
    correct = sum(ok for _, ok in answers.values())
    score = round(100 * correct / len(answers))
    row = Attempt(user_id=user_id, quiz_id=quiz.id, question_order=list(answers), choice_order={},
                  started_at=when - timedelta(minutes=5), submitted_at=when, score=score, correct_count=correct,
                  passed=score >= quiz.pass_mark)
    db.session.add(row)
    db.session.flush()
    db.session.execute(insert(Response), [
        {"attempt_id": row.id, "question_id": qid, "answer": answer, "correct": ok,
         "question_snapshot": snapshot(questions[qid])} for qid, (answer, ok) in answers.items()])
    db.session.commit()
    return row


@pytest.fixture
def course(app):
    return make_course(modules=2, lessons=2, questions=2)


@pytest.fixture
def world(app, users, course):
    """The cohort, its owner (mentor@), a member learner (learner@), and people who are not in it."""
    cohort = make_cohort(users["mentor"], course.id)
    add_member(cohort, users["learner"])
    others = {
        "outsider": make_user("outsider@example.jp"),
        "other_mentor": make_user("other-mentor@example.jp", "mentor"),
        "comentor": make_user("comentor@example.jp", "mentor"),
    }
    add_member(cohort, others["comentor"], role="mentor")
    lessons = db.session.scalars(select(Lesson).order_by(Lesson.module_id, Lesson.position)).all()
    quizzes = db.session.scalars(select(Quiz).order_by(Quiz.id)).all()
    return {"cohort": cohort, "lessons": lessons, "quizzes": quizzes, **users, **others}


def question_ids(quiz: Quiz) -> list[int]:
    return list(db.session.scalars(select(Question.id).where(Question.quiz_id == quiz.id).order_by(Question.position)))
