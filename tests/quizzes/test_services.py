"""quizzes.services against the database: shuffling, submitting once, snapshots, scores."""

import random

import pytest
from sqlalchemy import func, select, update

from extensions import db
from quizzes import services
from quizzes.models import Attempt, Question, Response
from tests.conftest import make_user
from tests.quizzes.factories import answer_form, make_quiz


def raw_from(form: dict) -> dict[int, list[str]]:
    """answer_form's fields as submit_attempt takes them."""
    out = {}
    for name, value in form.items():
        if name.startswith("q-"):
            out[int(name[2:])] = value if isinstance(value, list) else [value]
    return out


@pytest.fixture
def learner(app):
    return make_user("hanako@example.jp")


def test_start_shuffles_and_stores_the_order(learner):
    quiz = make_quiz(count=15)
    attempt = services.start_attempt(learner, quiz, rng=random.Random(7))
    db.session.commit()
    ids = [q.id for q in quiz.questions]
    assert sorted(attempt.question_order) == sorted(ids)
    assert attempt.question_order != ids  # seed 7 does not give the authored order
    by_id = {q.id: q for q in quiz.questions}
    assert set(attempt.choice_order) == {str(q.id) for q in quiz.questions
                                         if q.type in ("single", "multiple", "order")}
    for key, order in attempt.choice_order.items():
        q = by_id[int(key)]
        n = len(q.data.get("choices") or q.data.get("items"))
        assert sorted(order) == list(range(n))
        if q.type == "order":
            assert order != list(range(n))  # an order question never shows its answer


def test_start_reuses_the_open_attempt(learner):
    quiz = make_quiz()
    first = services.start_attempt(learner, quiz, rng=random.Random(1))
    db.session.commit()
    again = services.start_attempt(learner, quiz, rng=random.Random(2))
    assert again.id == first.id
    assert db.session.scalar(select(func.count(Attempt.id))) == 1


def test_start_reshuffles_when_the_quiz_changed(learner):
    quiz = make_quiz()
    attempt = services.start_attempt(learner, quiz)
    db.session.commit()
    quiz.questions.append(Question(key="new", position=9, type="truefalse", prompt="新しい問い",
                                   data={"answer": True}))
    db.session.commit()
    again = services.start_attempt(learner, quiz)
    assert again.id == attempt.id
    assert len(again.question_order) == 6


def test_start_refuses_an_empty_quiz(learner):
    quiz = make_quiz(questions=[])
    with pytest.raises(services.NoQuestions):
        services.start_attempt(learner, quiz)


def test_submit_grades_records_snapshots_and_refuses_a_second_time(learner):
    quiz = make_quiz(pass_mark=60)
    attempt = services.start_attempt(learner, quiz)
    raw = raw_from(answer_form(attempt, quiz.questions, right=True))
    wrong = raw_from(answer_form(attempt, quiz.questions, right=False))
    # Two right (single, truefalse), three wrong: 40%, not passed.
    for q in quiz.questions:
        if q.type in ("single", "truefalse"):
            wrong[q.id] = raw[q.id]
    services.submit_attempt(attempt, wrong)
    db.session.commit()
    assert (attempt.score, attempt.correct_count, attempt.passed) == (40, 2, False)
    assert attempt.submitted_at is not None
    responses = db.session.scalars(select(Response).where(Response.attempt_id == attempt.id)).all()
    assert len(responses) == 5
    number = next(r for r in responses if r.question_snapshot["type"] == "number")
    assert number.answer == "7322" and number.correct is False
    assert number.question_snapshot["data"] == {"answer": 7321, "unit": "万円"}
    assert "EXPLANATION-" in number.question_snapshot["explanation_html"]

    with pytest.raises(services.AlreadySubmitted):
        services.submit_attempt(attempt, raw)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Response.id))) == 5


def test_the_database_guard_lets_only_one_submission_through(learner):
    """A concurrent request submitted first: this one's attempt object still says 'open', the row does not."""
    quiz = make_quiz()
    attempt = services.start_attempt(learner, quiz)
    db.session.commit()
    assert attempt.submitted_at is None  # loaded, and now stale:
    db.session.execute(update(Attempt).where(Attempt.id == attempt.id)
                       .values(submitted_at=func.current_timestamp(), score=100)
                       .execution_options(synchronize_session=False))
    with pytest.raises(services.AlreadySubmitted):
        services.submit_attempt(attempt, raw_from(answer_form(attempt, quiz.questions)))
    db.session.rollback()
    assert db.session.scalar(select(func.count(Response.id))) == 0


def test_unanswered_counts_as_wrong_and_unreadable_records_nothing(learner):
    quiz = make_quiz()
    attempt = services.start_attempt(learner, quiz)
    number = next(q for q in quiz.questions if q.type == "number")
    order = next(q for q in quiz.questions if q.type == "order")
    with pytest.raises(services.AnswerErrors) as info:
        services.submit_attempt(attempt, {number.id: ["たくさん"], order.id: ["0", "0", "1", "2"]})
    assert {qid: e.code for qid, e in info.value.errors.items()} == {
        number.id: "not_a_number", order.id: "duplicate"}
    assert attempt.submitted_at is None
    services.submit_attempt(attempt, {})
    assert (attempt.score, attempt.correct_count, attempt.passed) == (0, 0, False)
    assert all(r.answer is None and not r.correct for r in
               db.session.scalars(select(Response).where(Response.attempt_id == attempt.id)))


def test_archived_questions_are_skipped(learner):
    quiz = make_quiz()
    attempt = services.start_attempt(learner, quiz)
    db.session.commit()
    raw = raw_from(answer_form(attempt, quiz.questions))
    quiz.questions[0].archived = True
    db.session.commit()
    services.submit_attempt(attempt, raw)
    assert (attempt.score, attempt.correct_count) == (100, 4)
    assert len(services.review(attempt)) == 4
    assert [s.id for s in services.shown_questions(attempt, services.active_questions(quiz))] == \
        [qid for qid in attempt.question_order if qid != quiz.questions[0].id]


def test_an_outdated_attempt_is_refused(learner):
    quiz = make_quiz()
    attempt = services.start_attempt(learner, quiz)
    db.session.commit()
    single = next(q for q in quiz.questions if q.type == "single")
    single.data = {"choices": single.data["choices"] + [{"text": "追加", "correct": False}]}
    db.session.commit()
    with pytest.raises(services.AttemptOutdated):
        services.submit_attempt(attempt, {})


def test_review_follows_the_snapshot_not_the_current_question(learner):
    quiz = make_quiz()
    attempt = services.start_attempt(learner, quiz)
    services.submit_attempt(attempt, raw_from(answer_form(attempt, quiz.questions)))
    db.session.commit()
    single = next(q for q in quiz.questions if q.type == "single")
    single.prompt = "書き換えられた問い"
    single.explanation_html = "<p>新しい解説</p>"
    db.session.commit()
    item = next(i for i in services.review(attempt) if i.question_id == single.id)
    assert item.prompt.startswith("単一選択の問い")
    assert "EXPLANATION-" in item.explanation_html
    assert [c.text for c in item.choices] == [
        single.data["choices"][i]["text"] for i in attempt.choice_order[str(single.id)]]


def test_best_scores_and_history_in_one_query_each(learner, count_queries):
    quizzes = [make_quiz(pass_mark=50) for _ in range(3)]
    for quiz, rights in ((quizzes[0], (False, True)), (quizzes[1], (False,))):
        for right in rights:
            attempt = services.start_attempt(learner, quiz)
            services.submit_attempt(attempt, raw_from(answer_form(attempt, quiz.questions, right=right)))
            db.session.commit()
    other = make_user("taro@example.jp")
    attempt = services.start_attempt(other, quizzes[2])
    services.submit_attempt(attempt, raw_from(answer_form(attempt, quizzes[2].questions)))
    services.start_attempt(learner, quizzes[2])  # open, not submitted: not a score
    db.session.commit()

    ids = [q.id for q in quizzes]
    user_id = learner.id
    with count_queries() as statements:
        best = services.best_scores(user_id, ids)
    assert len(statements) == 1
    assert best == {ids[0]: 100, ids[1]: 0}
    summaries = services.score_summaries(learner.id, ids)
    assert (summaries[ids[0]].attempts, summaries[ids[0]].passed) == (2, True)
    assert (summaries[ids[1]].attempts, summaries[ids[1]].passed) == (1, False)
    assert services.best_scores(learner.id, []) == {}

    quizzes[0].id  # noqa: B018 - loaded before counting
    with count_queries() as statements:
        history = services.attempt_history(learner, quizzes[0])
    assert len(statements) == 1
    assert [a.score for a in history] == [100, 0]  # newest first


def test_concurrent_submissions_record_exactly_one_result(app, wide_pool, learner):
    """Fifty requests submit the same attempt at once, each in its own session and connection (as fifty gunicorn
    workers would): exactly one result, one set of rows; the other 49 are told it was already submitted. The
    guard is the database's (UPDATE … WHERE submitted_at IS NULL), so this holds on SQLite and PostgreSQL."""
    import threading

    quiz = make_quiz()
    attempt = services.start_attempt(learner, quiz)
    db.session.commit()
    attempt_id, raw = attempt.id, raw_from(answer_form(attempt, quiz.questions))
    threads_count = 50
    outcomes, barrier = [], threading.Barrier(threads_count)

    def submit():
        with wide_pool.app_context():  # a session (and a pooled connection) of its own, as a request has
            try:
                mine = db.session.get(Attempt, attempt_id)
                services.active_questions(mine.quiz)
                barrier.wait(timeout=60)
                services.submit_attempt(mine, raw)
                db.session.commit()
                outcomes.append("recorded")
            except services.AlreadySubmitted:
                db.session.rollback()
                outcomes.append("refused")
            except Exception as error:  # reported by the assertion below
                db.session.rollback()
                outcomes.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["recorded"] + ["refused"] * (threads_count - 1)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Response.id))) == 5
    assert db.session.scalar(select(func.count(Response.id)).where(Response.attempt_id == attempt_id)) == 5
    assert db.session.get(Attempt, attempt_id).score == 100
