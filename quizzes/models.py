from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship
from sqlalchemy.types import JSON

from common.timeutil import utcnow
from extensions import db
from lessons.models import Lesson
from statutes.models import CitationColumns

QUESTION_TYPES = ("single", "multiple", "truefalse", "number", "order")


class Quiz(db.Model):
    __tablename__ = "quizzes"
    __table_args__ = (CheckConstraint("pass_mark BETWEEN 0 AND 100", name="pass_mark_percent"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    pass_mark: Mapped[int] = mapped_column(default=80)  # percent
    archived: Mapped[bool] = mapped_column(default=False)

    # A backref, so that lessons (lower in the dependency order) never imports quizzes.
    lesson: Mapped[Lesson] = relationship(backref=backref("quiz", uselist=False))
    questions: Mapped[list["Question"]] = relationship(back_populates="quiz", order_by="Question.position")


class Question(db.Model):
    """A question; `data` holds what its type needs, including the answer key, which never reaches the quiz
    page: single/multiple {"choices": [{"text", "correct", "feedback"}]}, truefalse {"answer": bool},
    number {"answer": number, "unit": str}, order {"items": [text, ...] in the correct order}."""

    __tablename__ = "questions"
    __table_args__ = (
        UniqueConstraint("quiz_id", "key"),
        CheckConstraint("difficulty BETWEEN 1 AND 3", name="difficulty_range"),
        CheckConstraint("type IN ('single', 'multiple', 'truefalse', 'number', 'order')", name="type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    position: Mapped[int]
    type: Mapped[str] = mapped_column(String(16))
    prompt: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str] = mapped_column(Text, default="")  # source, with citations
    explanation_html: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    difficulty: Mapped[int] = mapped_column(default=1)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    archived: Mapped[bool] = mapped_column(default=False)

    quiz: Mapped[Quiz] = relationship(back_populates="questions")
    citations: Mapped[list["QuestionCitation"]] = relationship(cascade="all, delete-orphan")


class QuestionCitation(CitationColumns, db.Model):
    __tablename__ = "question_citations"
    __table_args__ = (Index("ix_question_citations_article", "law_id", "article_num"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)


class Attempt(db.Model):
    """One sitting of a quiz. The shuffled order of questions and choices is fixed when it starts."""

    __tablename__ = "attempts"
    # A learner's attempts of a quiz, in the order they were submitted, with their scores: the dashboard's best
    # scores, the cohort matrix, "first attempt" (no earlier submitted one) and the cohort's activity stamp read
    # only this index (index-only on SQLite and PostgreSQL; docs/benchmarks.md has the EXPLAIN).
    __table_args__ = (Index("ix_attempts_user_quiz_submitted", "user_id", "quiz_id", "submitted_at", "id", "score"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id"), index=True)
    question_order: Mapped[list] = mapped_column(JSON)  # question ids as shown
    choice_order: Mapped[dict] = mapped_column(JSON, default=dict)  # str(question id) → indices as shown
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    score: Mapped[int | None]  # percent, once submitted
    correct_count: Mapped[int | None]
    passed: Mapped[bool | None]

    quiz: Mapped[Quiz] = relationship()
    responses: Mapped[list["Response"]] = relationship(back_populates="attempt", cascade="all, delete-orphan")


class Response(db.Model):
    """A learner's answer to one question in one attempt, with the question as it was when answered."""

    __tablename__ = "responses"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    # jsonb on PostgreSQL: it can be a key of a b-tree index (ix_responses_first_answers, cohorts/models.py).
    answer: Mapped[dict | list | int | float | bool | None] = mapped_column(JSON().with_variant(JSONB(), "postgresql"))
    correct: Mapped[bool]
    question_snapshot: Mapped[dict] = mapped_column(JSON, default=dict)

    attempt: Mapped[Attempt] = relationship(back_populates="responses")
