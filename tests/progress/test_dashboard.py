"""The dashboard and the syllabus: progress derived from completions and attempts, in a fixed number of
queries whatever the size of the course."""

from sqlalchemy import select

from extensions import db
from lessons.models import Lesson
from lessons.services import mark_done
from progress.services import course_progress
from quizzes.models import Attempt, Quiz
from tests.conftest import login
from tests.factories import make_course


def finish(user_id: int, lesson: Lesson, score: int) -> None:
    mark_done(user_id, lesson.id)
    quiz = db.session.scalar(select(Quiz).where(Quiz.lesson_id == lesson.id))
    db.session.add(Attempt(user_id=user_id, quiz_id=quiz.id, question_order=[], choice_order={},
                           submitted_at=db.func.now(), score=score, correct_count=0, passed=score >= quiz.pass_mark))
    db.session.commit()


def test_progress_counts_and_next_lesson(app, users):
    make_course(modules=2, lessons=3)
    learner = users["learner"]
    lessons = db.session.scalars(select(Lesson).order_by(Lesson.module_id, Lesson.position)).all()
    finish(learner.id, lessons[0], 100)
    finish(learner.id, lessons[1], 0)  # read, quiz failed: it is the next thing to do
    [progress] = course_progress(learner.id)
    first, second = progress.modules
    assert (first.done, first.total, first.percent, first.quizzes_passed) == (2, 3, 67, 1)
    assert (second.done, second.percent) == (0, 0)
    assert progress.next_lesson.lesson.id == lessons[1].id
    assert [s.lesson.id for s in first.weak] == [lessons[1].id]
    assert progress.percent == 33


def test_dashboard_page_shows_modules_scores_and_next(client, users):
    make_course(modules=2, lessons=2)
    lessons = db.session.scalars(select(Lesson).order_by(Lesson.module_id, Lesson.position)).all()
    finish(users["learner"].id, lessons[0], 100)
    login(client, "learner@example.jp")
    page = client.get("/dashboard").get_data(as_text=True)
    assert "モジュール1" in page and "モジュール2" in page
    assert 'value="50"' in page  # module 1: one of two lessons read
    assert "1 / 2" in page
    assert "100%" in page
    assert "/courses/demo/m1/l2" in page  # the next lesson


def _queries(client, count_queries, url: str) -> int:
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


def test_dashboard_and_lesson_page_issue_a_fixed_number_of_queries(app, users, count_queries):
    client = app.test_client()
    login(client, "learner@example.jp")
    make_course(modules=1, lessons=2, slug="small")
    small = (_queries(client, count_queries, "/dashboard"),
             _queries(client, count_queries, "/courses/small/m1/l1"),
             _queries(client, count_queries, "/courses/small/"))
    make_course(modules=8, lessons=10, questions=6, slug="large")
    for lesson in db.session.scalars(select(Lesson)).all()[::3]:
        finish(users["learner"].id, lesson, 60)
    large = (_queries(client, count_queries, "/dashboard"),
             _queries(client, count_queries, "/courses/large/m5/l7"),
             _queries(client, count_queries, "/courses/large/"))
    assert small == large
    assert large[0] <= 6 and large[1] <= 9
