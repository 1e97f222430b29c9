"""The cohort pages issue a fixed number of SQL statements, whatever the number of learners (DESIGN §8): the
counts with 5 learners and with 200 are the same."""

import random
from datetime import datetime, timedelta

from sqlalchemy import insert

from extensions import db
from lessons.models import LessonCompletion
from quizzes.models import Attempt, Response
from tests.cohorts.conftest import bulk_learners
from tests.conftest import login

PAGES = ["/cohorts/{id}/review", "/cohorts/{id}/review?sort=m1&dir=desc", "/cohorts/{id}", "/cohorts/{id}/deck",
         "/cohorts/{id}/matrix.csv", "/cohorts/{id}/questions.csv", "/cohorts/{id}/sessions/{session}"]


def work(world, user_ids: list[int], rng: random.Random) -> None:
    """Each learner reads some lessons and takes their quizzes, some of them twice (bulk inserts)."""
    start = datetime(2027, 4, 1, 9)
    completions, attempts, responses = [], [], []
    next_id = (db.session.scalar(db.select(db.func.max(Attempt.id))) or 0) + 1
    for user_id in user_ids:
        for n, (lesson, quiz) in enumerate(zip(world["lessons"], world["quizzes"], strict=True)):
            if rng.random() < 0.3:
                break
            moment = start + timedelta(days=n * 3 + rng.randint(0, 3))
            completions.append({"user_id": user_id, "lesson_id": lesson.id, "completed_at": moment})
            for sitting in range(rng.choice((1, 1, 2))):
                answers = [(q, rng.random() < 0.6) for q in quiz.questions]
                right = sum(ok for _, ok in answers)
                attempts.append({"id": next_id, "user_id": user_id, "quiz_id": quiz.id,
                                 "question_order": [q.id for q, _ in answers], "choice_order": {},
                                 "started_at": moment, "submitted_at": moment + timedelta(minutes=5 + sitting),
                                 "score": 50 * right, "correct_count": right, "passed": right == 2})
                responses += [{"attempt_id": next_id, "question_id": q.id, "answer": ok, "correct": ok,
                               "question_snapshot": {"type": "truefalse", "data": {"answer": True}}}
                              for q, ok in answers]
                next_id += 1
    for model, rows in ((LessonCompletion, completions), (Attempt, attempts), (Response, responses)):
        if rows:
            db.session.execute(insert(model), rows)
    db.session.commit()


def counts(client, count_queries, ids) -> dict[str, int]:
    out = {}
    for url in PAGES:
        with count_queries() as statements:
            response = client.get(url.format(**ids))
        assert response.status_code == 200, url
        out[url] = len(statements)
    return out


def test_cohort_pages_do_not_issue_more_queries_for_more_learners(client, world, count_queries):
    from cohorts import services

    cohort = world["cohort"]
    study_session = services.add_session(cohort, datetime(2027, 6, 1).date(), [world["lessons"][0].module_id])
    db.session.commit()
    ids = {"id": cohort.id, "session": study_session.id}
    rng = random.Random(6)
    login(client, "mentor@example.jp")
    work(world, bulk_learners(cohort, 4) + [world["learner"].id], rng)  # 5 learners
    small = counts(client, count_queries, ids)
    work(world, bulk_learners(cohort, 195), rng)  # 200 learners
    large = counts(client, count_queries, ids)
    assert small == large
    assert large["/cohorts/{id}/review"] <= 15, large


def test_the_learners_page_does_not_grow_either(app, world, count_queries):
    client = app.test_client()
    login(client, "learner@example.jp")
    rng = random.Random(7)
    cohort = world["cohort"]
    work(world, bulk_learners(cohort, 4) + [world["learner"].id], rng)
    with count_queries() as small:
        assert client.get(f"/cohorts/{cohort.id}").status_code == 200
    work(world, bulk_learners(cohort, 195), rng)
    with count_queries() as large:
        assert client.get(f"/cohorts/{cohort.id}").status_code == 200
    assert len(small) == len(large)
