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


def test_lesson_page_reads_one_lesson_body_in_four_queries(app, users, count_queries):
    client = app.test_client()
    login(client, "learner@example.jp")
    make_course(modules=6, lessons=8, slug="big")
    statements = _statements(client, count_queries, "/courses/big/m3/l4")
    # the user; the lesson with its module, quiz and "read?"; the reading order; the citations
    assert len(statements) == 4, statements
    assert sum(_reads_bodies(s) for s in statements) == 1
    page = client.get("/courses/big/m3/l4").get_data(as_text=True)
    assert 'href="/courses/big/m3/l3"' in page and 'href="/courses/big/m3/l5"' in page
    assert "レッスン 20 / 48" in page  # its position in the course
    assert 'href="/statutes/322AC0000000067/234#p1"' in page


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
