"""Lesson rules: rendering stored with the source, completions, the glossary. Flush, never commit."""

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from curriculum.models import Course, Module
from extensions import db
from lessons.markdown import Rendered
from lessons.models import GlossaryTerm, Lesson, LessonCompletion
from statutes.citations import CitationRef


def citation_values(ref: CitationRef) -> tuple:
    return (ref.law.law_id, ref.article, ref.paragraph, ref.item, ref.label())


def replace_citations(rows: list, model, refs: list[CitationRef]) -> None:
    """Make a citation collection (lesson.citations, question.citations …) match `refs`, touching nothing
    when they already match, so that a re-import writes nothing."""
    wanted = [citation_values(ref) for ref in refs]
    current = [(r.law_id, r.article_num, r.paragraph, r.item, r.label) for r in rows]
    if wanted == current:
        return
    rows.clear()
    for law_id, article_num, paragraph, item, label in wanted:
        rows.append(model(law_id=law_id, article_num=article_num, paragraph=paragraph, item=item, label=label))


def store_render(lesson: Lesson, source: str, rendered: Rendered) -> None:
    from lessons.models import LessonCitation

    lesson.source = source
    lesson.html = rendered.html
    replace_citations(lesson.citations, LessonCitation, rendered.citations)


def find_lesson(course_slug: str, module_slug: str, lesson_slug: str) -> Lesson | None:
    return db.session.scalar(
        select(Lesson).join(Module, Lesson.module_id == Module.id).join(Course, Module.course_id == Course.id)
        .where(Course.slug == course_slug, Module.slug == module_slug, Lesson.slug == lesson_slug,
               Lesson.archived.is_(False), Module.archived.is_(False), Course.archived.is_(False)))


def course_lessons(course_id: int) -> list[tuple[Module, Lesson]]:
    """The course's published lessons in reading order, in one query."""
    rows = db.session.execute(
        select(Module, Lesson).join(Lesson, Lesson.module_id == Module.id)
        .where(Module.course_id == course_id, Module.archived.is_(False), Lesson.archived.is_(False),
               Lesson.status == "published")
        .order_by(Module.position, Lesson.position)).all()
    return [(m, lsn) for m, lsn in rows]


def mark_done(user_id: int, lesson_id: int) -> None:
    """Idempotent: marking a lesson done twice keeps the first completion time."""
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(insert(LessonCompletion).values(user_id=user_id, lesson_id=lesson_id)
                       .on_conflict_do_nothing(index_elements=["user_id", "lesson_id"]))


def is_done(user_id: int, lesson_id: int) -> bool:
    return db.session.scalar(select(LessonCompletion.id).where(
        LessonCompletion.user_id == user_id, LessonCompletion.lesson_id == lesson_id)) is not None


def glossary_terms() -> list[GlossaryTerm]:
    return list(db.session.scalars(select(GlossaryTerm).where(GlossaryTerm.archived.is_(False))
                                   .order_by(GlossaryTerm.reading, GlossaryTerm.term)))
