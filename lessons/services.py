"""Lesson rules: rendering stored with the source, revisions, completions, the glossary. Flush, never commit."""

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import bindparam, case, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload

from common.errors import DomainError
from common.timeutil import utcnow
from curriculum.models import Course, Module
from extensions import db
from lessons.markdown import Rendered
from lessons.models import GlossaryTerm, Lesson, LessonCompletion, LessonRevision
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


@dataclass(frozen=True)
class LessonStop:
    """One lesson of a course's reading order, as the lesson page's navigation needs it (no body)."""

    id: int
    slug: str
    title: str
    module_slug: str


# The lesson page's three statements are built once, with bound parameters, and reused: building a select()
# and its cache key costs a fifth of a millisecond, and this is the most requested page (docs/benchmarks.md).
_STATEMENTS: dict[str, object] = {}


def _statement(name: str, build):
    statement = _STATEMENTS.get(name)
    if statement is None:
        statement = _STATEMENTS[name] = build()
    return statement


def _lesson_page_statement():
    done = select(LessonCompletion.id).where(LessonCompletion.user_id == bindparam("user_id"),
                                             LessonCompletion.lesson_id == Lesson.id).exists()
    return (select(Lesson, done.label("done"), Course.content_revision).join(Module, Lesson.module_id == Module.id)
            .join(Course, Module.course_id == Course.id)
            .options(contains_eager(Lesson.module), joinedload(Lesson.quiz))
            .where(Course.slug == bindparam("course_slug"), Module.slug == bindparam("module_slug"),
                   Lesson.slug == bindparam("lesson_slug"), Lesson.archived.is_(False), Module.archived.is_(False),
                   Course.archived.is_(False)))


@dataclass(frozen=True)
class LessonPage:
    lesson: Lesson
    done: bool  # the user has read it
    revision: int  # the course's content_revision, under which its navigation and citations are kept


def lesson_page(course_slug: str, module_slug: str, lesson_slug: str, user_id: int) -> LessonPage | None:
    """The lesson page's one query: the lesson with its module and, through the backref that quizzes/models.py
    declares, its quiz; whether the user has read it; the course's content revision. None when there is no such
    lesson."""
    row = db.session.execute(_statement("lesson_page", _lesson_page_statement), {
        "course_slug": course_slug, "module_slug": module_slug, "lesson_slug": lesson_slug,
        "user_id": user_id}).first()
    return LessonPage(row[0], bool(row[1]), row[2]) if row is not None else None


def _kept(kind: str, key: int, revision: int, load):
    """What `load()` returned for `key` under this content revision, kept per app (each worker has one; each test
    its own). A newer revision replaces it; an entry is never served for a revision other than its own."""
    kept = current_app.extensions.setdefault("lessons.kept", {}).setdefault(kind, {})
    entry = kept.get(key)
    if entry is None or entry[0] != revision:
        entry = kept[key] = (revision, load())
    return entry[1]


@dataclass(frozen=True)
class CitationLink:
    law_id: str
    article_num: str
    paragraph: int | None
    label: str


def citation_links(lesson_id: int, revision: int) -> list[CitationLink]:
    """The lesson's cited articles, in the order they were written, for the list under the lesson (one query of
    four columns, kept per worker while the course's content revision stays the same)."""
    from lessons.models import LessonCitation

    return _kept("citations", lesson_id, revision, lambda: [CitationLink(*row) for row in db.session.execute(
        _statement("citation_links", lambda: (
            select(LessonCitation.law_id, LessonCitation.article_num, LessonCitation.paragraph, LessonCitation.label)
            .where(LessonCitation.lesson_id == bindparam("lesson_id")).order_by(LessonCitation.id))),
        {"lesson_id": lesson_id})])


def reading_order(course_id: int, revision: int) -> list[LessonStop]:
    """The course's published lessons in reading order, without their bodies (one query of four columns, kept per
    worker while the course's content revision stays the same): the lesson page needs only its neighbours and its
    position."""
    return _kept("reading_order", course_id, revision, lambda: [
        LessonStop(*row) for row in db.session.execute(_statement("reading_order", lambda: (
            select(Lesson.id, Lesson.slug, Lesson.title, Module.slug).join(Module, Lesson.module_id == Module.id)
            .where(Module.course_id == bindparam("course_id"), Module.archived.is_(False),
                   Lesson.archived.is_(False), Lesson.status == "published")
            .order_by(Module.position, Lesson.position))), {"course_id": course_id})])


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


# --- revisions ----------------------------------------------------------------------------------------------


class RevisionConflict(DomainError):
    """Someone saved the lesson since the revision the change was based on: nothing was written. `head` is the
    lesson's newest revision now, `base` the one the refused change started from (None if unknown)."""

    def __init__(self, head: LessonRevision | None, base: LessonRevision | None):
        super().__init__("The lesson was saved by someone else in the meantime.")
        self.head = head
        self.base = base


def head_revision(lesson_id: int) -> LessonRevision | None:
    """The lesson's newest revision (its working copy)."""
    return db.session.scalar(select(LessonRevision).where(LessonRevision.lesson_id == lesson_id)
                             .order_by(LessonRevision.number.desc()).limit(1))


def published_revision(lesson_id: int) -> LessonRevision | None:
    """The revision published most recently: what learners see when the lesson is published."""
    return db.session.scalar(select(LessonRevision).where(LessonRevision.lesson_id == lesson_id,
                                                          LessonRevision.published_at.is_not(None))
                             .order_by(LessonRevision.number.desc()).limit(1))


def get_revision(lesson_id: int, revision_id: int) -> LessonRevision | None:
    revision = db.session.get(LessonRevision, revision_id)
    return revision if revision is not None and revision.lesson_id == lesson_id else None


def lesson_revisions(lesson_id: int) -> list[LessonRevision]:
    """Every revision of the lesson, newest first (one query)."""
    return list(db.session.scalars(select(LessonRevision).where(LessonRevision.lesson_id == lesson_id)
                                   .order_by(LessonRevision.number.desc())))


def revision_numbers(lesson_ids: list[int] | None = None) -> dict[int, tuple[int, int | None]]:
    """{lesson id: (newest revision number, newest published revision number or None)}, in one query."""
    published = func.max(case((LessonRevision.published_at.is_not(None), LessonRevision.number)))
    query = select(LessonRevision.lesson_id, func.max(LessonRevision.number), published) \
        .group_by(LessonRevision.lesson_id)
    if lesson_ids is not None:
        query = query.where(LessonRevision.lesson_id.in_(lesson_ids))
    return {lesson_id: (head, pub) for lesson_id, head, pub in db.session.execute(query)}


def add_revision(lesson: Lesson, content: dict, author_id: int | None, note: str = "",
                 base_id: int | None = None, check_base: bool = True) -> LessonRevision:
    """Record `content` ({front, body, quiz}) as the lesson's new newest revision. With `check_base`, the
    change must be based on the newest revision (`base_id`; None for a lesson without revisions), or
    RevisionConflict is raised and nothing is written. The database guards the same rule: two saves from the
    same base would take the same number, and the unique (lesson_id, number) constraint lets only one in."""
    head = head_revision(lesson.id)
    if check_base and (head.id if head is not None else None) != base_id:
        base = get_revision(lesson.id, base_id) if base_id is not None else None
        raise RevisionConflict(head, base)
    revision = LessonRevision(lesson_id=lesson.id, number=(head.number if head is not None else 0) + 1,
                              author_id=author_id, note=(note or "").strip()[:200], front=dict(content["front"]),
                              body=content["body"], quiz=content.get("quiz"), created_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(revision)
    except IntegrityError as error:
        raise RevisionConflict(head_revision(lesson.id), head) from error
    return revision


def mark_published(revision: LessonRevision, user_id: int | None) -> None:
    revision.published_at = utcnow()
    revision.published_by_id = user_id
    db.session.flush()
