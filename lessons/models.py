from datetime import datetime
from itertools import chain

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from sqlalchemy.types import JSON

from common.timeutil import utcnow
from curriculum.models import Course, Module
from extensions import db
from statutes.models import CitationColumns


class Lesson(db.Model):
    __tablename__ = "lessons"
    __table_args__ = (
        UniqueConstraint("module_id", "slug"),
        CheckConstraint("status IN ('draft', 'published')", name="status"),
        CheckConstraint("minutes > 0", name="minutes_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    slug: Mapped[str] = mapped_column(String(80))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    minutes: Mapped[int] = mapped_column(default=10)
    objectives: Mapped[list] = mapped_column(JSON, default=list)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(Text, default="")  # Markdown as written
    html: Mapped[str] = mapped_column(Text, default="")  # rendered and sanitised when saved, never per request
    status: Mapped[str] = mapped_column(String(16), default="published")
    archived: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    module: Mapped[Module] = relationship()
    citations: Mapped[list["LessonCitation"]] = relationship(
        back_populates="lesson", cascade="all, delete-orphan", order_by="LessonCitation.id")


class LessonRevision(db.Model):
    """One saved state of a lesson and its quiz, as the content pack would write them. Every save is a new
    revision (numbered 1, 2, … per lesson); the revision most recently published is what learners see, copied
    into the lesson's own columns (and the quiz's rows) so that pages never read revisions.

    `front` is the front matter (title, summary, minutes, objectives, tags), `body` the Markdown, `quiz` the quiz
    file as a mapping (title, pass_mark, questions) or None."""

    __tablename__ = "lesson_revisions"
    __table_args__ = (UniqueConstraint("lesson_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))  # indexed by the unique
    number: Mapped[int]  # 1, 2, … within the lesson: two saves from the same base cannot both take a number
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))  # None: an import
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str] = mapped_column(String(200), default="")
    front: Mapped[dict] = mapped_column(JSON, default=dict)
    body: Mapped[str] = mapped_column(Text, default="")
    quiz: Mapped[dict | None] = mapped_column(JSON)
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    restored_from: Mapped[int | None]  # the number of the revision this one restores

    @property
    def content(self) -> dict:
        return {"front": self.front, "body": self.body, "quiz": self.quiz}


class LessonCitation(CitationColumns, db.Model):
    __tablename__ = "lesson_citations"
    __table_args__ = (Index("ix_lesson_citations_article", "law_id", "article_num"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)

    lesson: Mapped[Lesson] = relationship(back_populates="citations")


class LessonCompletion(db.Model):
    __tablename__ = "lesson_completions"
    __table_args__ = (UniqueConstraint("user_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"), index=True)
    completed_at: Mapped[datetime] = mapped_column(default=utcnow)


class GlossaryTerm(db.Model):
    __tablename__ = "glossary_terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    term: Mapped[str] = mapped_column(String(80), unique=True)
    reading: Mapped[str] = mapped_column(String(120), default="")
    position: Mapped[int] = mapped_column(default=0)
    definition: Mapped[str] = mapped_column(Text)  # source, with citations
    definition_html: Mapped[str] = mapped_column(Text, default="")
    private_analogy: Mapped[str] = mapped_column(Text, default="")
    private_analogy_html: Mapped[str] = mapped_column(Text, default="")
    archived: Mapped[bool] = mapped_column(default=False)

    citations: Mapped[list["TermCitation"]] = relationship(cascade="all, delete-orphan")


class TermCitation(CitationColumns, db.Model):
    __tablename__ = "term_citations"

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("glossary_terms.id", ondelete="CASCADE"), index=True)


@event.listens_for(Session, "before_flush")
def _bump_content_revisions(session: Session, _context, _instances) -> None:
    """A flush that adds, changes or removes a lesson (its citations included: they change through
    `lesson.citations`) or a module bumps its course's `content_revision` in the same transaction. The lesson page
    keeps a course's reading order and each lesson's citation list per worker under that number
    (lessons/services.py), so a publication shows on every worker's next request. Every write to these tables
    goes through the ORM; a change made in SQL by hand needs a restart (or a bump of the column)."""
    courses: set[int] = set()
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Lesson | Module) and (obj not in session.dirty or session.is_modified(obj)):
            module = obj if isinstance(obj, Module) else obj.module
            course_id = module.course_id if module is not None else None
            if course_id is None and module is not None and module.course is not None:
                course_id = module.course.id
            if course_id is not None:
                courses.add(course_id)
    for course_id in courses:
        course = session.get(Course, course_id)
        if course is not None:
            course.content_revision = (course.content_revision or 0) + 1
