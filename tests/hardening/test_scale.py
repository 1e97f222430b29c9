"""What the benchmark (docs/benchmarks.md) found and fixed stays fixed: the pages it drives issue a fixed number of
queries and never read what they do not show — above all not every lesson's Markdown and HTML, which made the
lesson page and the dashboard slow on the real course."""

import re

from sqlalchemy import select

from lessons.models import Lesson
from tests.conftest import login
from tests.factories import make_course


def _statements(client, count_queries, url: str) -> list[str]:
    from extensions import db

    db.session.expire_all()  # as in a new request: nothing already loaded
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return statements


def _reads_bodies(statement: str) -> bool:
    return bool(re.search(r"\blessons\.(html|source)\b", statement))


def test_lesson_page_reads_one_lesson_body_in_four_queries_then_two(app, users, count_queries):
    client = app.test_client()
    login(client, "learner@example.jp")
    make_course(modules=6, lessons=8, slug="big")
    statements = _statements(client, count_queries, "/courses/big/m3/l4")
    # the user; the lesson with its module, quiz, "read?" and the course's revision; the reading order; the citations
    assert len(statements) == 4, statements
    assert sum(_reads_bodies(s) for s in statements) == 1
    # The reading order and the citations are kept under the course's content revision: the next request reads
    # the user and the lesson only.
    again = _statements(client, count_queries, "/courses/big/m3/l4")
    assert len(again) == 2, again
    page = client.get("/courses/big/m3/l4").get_data(as_text=True)
    assert 'href="/courses/big/m3/l3"' in page and 'href="/courses/big/m3/l5"' in page
    assert "レッスン 20 / 48" in page  # its position in the course
    assert 'href="/statutes/322AC0000000067/234#p1"' in page


def test_a_change_to_the_course_shows_on_the_next_lesson_page(app, users):
    """What the lesson page keeps is keyed by the course's content revision, which every change to a lesson or a
    module bumps in the same transaction: a renamed neighbour, a new lesson, a module moved or a lesson's new
    citations show on the next request, with nothing to clear."""
    from curriculum.models import Course, Module
    from extensions import db
    from lessons.models import LessonCitation

    client = app.test_client()
    login(client, "learner@example.jp")
    course = make_course(modules=2, lessons=3, slug="c")
    url = "/courses/c/m1/l2"
    first = client.get(url).get_data(as_text=True)
    assert "レッスン 2 / 6" in first and "234#p1" in first
    revision = db.session.get(Course, course.id).content_revision

    lessons = {lsn.slug: lsn for lsn in db.session.scalars(
        select(Lesson).join(Module).where(Module.course_id == course.id, Module.slug == "m1"))}
    lessons["l3"].title = "改題された次のレッスン"
    db.session.commit()
    assert "改題された次のレッスン" in client.get(url).get_data(as_text=True)

    module2 = db.session.scalar(select(Module).where(Module.course_id == course.id, Module.slug == "m2"))
    module2.position = 0  # module 2 now comes first: this lesson is the 5th of 6
    db.session.commit()
    assert "レッスン 5 / 6" in client.get(url).get_data(as_text=True)

    lessons["l2"].citations.clear()
    lessons["l2"].citations.append(LessonCitation(law_id="322AC0000000067", article_num="96", paragraph=1,
                                                  label="地方自治法第96条第1項"))
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "地方自治法第96条第1項" in page and "234#p1" not in page
    assert db.session.get(Course, course.id).content_revision == revision + 3


def test_reading_lessons_does_not_change_the_content_revision(app, users):
    from curriculum.models import Course
    from extensions import db

    client = app.test_client()
    login(client, "learner@example.jp")
    course = make_course(modules=1, lessons=2, slug="c")
    before = db.session.get(Course, course.id).content_revision
    assert client.post("/courses/c/m1/l1/done").status_code == 302
    db.session.expire_all()
    assert db.session.get(Course, course.id).content_revision == before


def test_dashboard_and_syllabus_read_no_lesson_bodies(app, users, count_queries):
    client = app.test_client()
    login(client, "learner@example.jp")
    make_course(modules=4, lessons=6, slug="big")
    for url in ("/dashboard", "/courses/big/"):
        statements = _statements(client, count_queries, url)
        assert not any(_reads_bodies(s) for s in statements), url


def test_first_answers_exclude_archived_questions_by_join(app):
    """PostgreSQL planned `NOT IN (subquery)` into a scan of the whole responses index for a cohort whose attempts
    came late; the item statistics join the questions instead."""
    from cohorts import review
    from cohorts.models import Cohort

    sql = str(review._first_answers(Cohort(id=1, course_id=1)).compile())
    assert "NOT IN" not in sql.upper()
    assert "row_number" not in sql  # "first" is an anti-join on the covering index, not a window
    assert db_count_lessons() == 0


def db_count_lessons() -> int:
    from extensions import db

    return len(db.session.scalars(select(Lesson.id)).all())
