"""The review's aggregates are kept per cohort while its learners' activity stamp is unchanged (cohorts/review.py,
`cached`): a second look costs a few queries, and anything a learner does shows on the next one."""

from datetime import datetime

import pytest
from sqlalchemy import update

from cohorts import review
from cohorts.models import Membership
from extensions import db
from quizzes.models import Attempt
from tests.cohorts.conftest import attempt, bulk_learners, complete, question_ids
from tests.conftest import login


@pytest.fixture
def cached_app(app):
    app.config["COHORT_CACHE_SECONDS"] = 60
    review.clear_cache()
    yield app
    review.clear_cache()


def _review(client, world, count_queries):
    db.session.expire_all()
    with count_queries() as statements:
        page = client.get(f"/cohorts/{world['cohort'].id}/review")
    assert page.status_code == 200
    return page.get_data(as_text=True), len(statements)


def test_a_second_look_reuses_the_aggregates_and_every_change_shows(cached_app, client, world, count_queries):
    learner = world["learner"].id
    quiz = world["quizzes"][0]
    q1, q2 = question_ids(quiz)
    login(client, "mentor@example.jp")
    first, cold = _review(client, world, count_queries)
    again, warm = _review(client, world, count_queries)
    assert again == first and warm < cold  # the matrix's and the statistics' queries are skipped

    # A lesson read shows at once.
    complete(learner, world["lessons"][0].id)
    page, _n = _review(client, world, count_queries)
    assert "1/2" in page

    # A submission shows at once (the statistics now have an answered question).
    attempt(learner, quiz, {q1: (True, True), q2: (False, False)}, datetime(2027, 4, 6, 10))
    page, _n = _review(client, world, count_queries)
    assert "50%" in page

    # A regrade that changes a score shows at once.
    db.session.execute(update(Attempt).where(Attempt.user_id == learner).values(score=100, correct_count=2))
    db.session.commit()
    page, _n = _review(client, world, count_queries)
    assert "100%" in page

    # A learner joining or leaving shows at once.
    new = bulk_learners(world["cohort"], 1, prefix="newcomer")
    page, _n = _review(client, world, count_queries)
    assert "newcomer0000" in page
    db.session.execute(update(Membership).where(Membership.user_id == new[0]).values(left_at=datetime(2027, 5, 1)))
    db.session.commit()
    page, _n = _review(client, world, count_queries)
    assert "newcomer0000" not in page


def test_the_cache_is_per_cohort_and_can_be_turned_off(app, client, world, count_queries):
    login(client, "mentor@example.jp")
    app.config["COHORT_CACHE_SECONDS"] = 0
    _page, first = _review(client, world, count_queries)
    _page, second = _review(client, world, count_queries)
    assert first == second  # computed afresh each time
