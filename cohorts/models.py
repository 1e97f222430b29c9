"""Cohorts (学ぶ会): a mentor and newcomers taking one course on a shared schedule.

A cohort has memberships (learners and mentors; the creator is a mentor too, others are co-mentors), an invite
code (a link or a code typed in; it can be rotated or closed) and study sessions (the meetings, each with the
modules to finish before it). Leaving keeps the row (`left_at`), so rejoining restores the membership.
"""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.models import User
from common.timeutil import utcnow
from curriculum.models import Course, Module
from extensions import db
from quizzes.models import Response

MEMBER_ROLES = ("learner", "mentor")


class Cohort(db.Model):
    __tablename__ = "cohorts"
    __table_args__ = (
        CheckConstraint("ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on", name="dates_in_order"),
        CheckConstraint("stall_days BETWEEN 1 AND 365", name="stall_days_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    organisation: Mapped[str] = mapped_column(String(120), default="")
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    invite_code: Mapped[str] = mapped_column(String(32), unique=True)
    invite_open: Mapped[bool] = mapped_column(default=True)
    # A learner who has started but done nothing for this many days is flagged as stalled on the review page.
    stall_days: Mapped[int] = mapped_column(default=14)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    course: Mapped[Course] = relationship()
    created_by: Mapped[User | None] = relationship()
    memberships: Mapped[list["Membership"]] = relationship(back_populates="cohort", cascade="all, delete-orphan",
                                                           passive_deletes=True)
    sessions: Mapped[list["StudySession"]] = relationship(
        back_populates="cohort", cascade="all, delete-orphan", passive_deletes=True,
        order_by="(StudySession.held_on, StudySession.id)")

    def __repr__(self) -> str:
        return f"<Cohort {self.id} {self.name}>"


class Membership(db.Model):
    __tablename__ = "cohort_memberships"
    __table_args__ = (
        UniqueConstraint("cohort_id", "user_id"),
        CheckConstraint("role IN ('learner', 'mentor')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="learner")
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    left_at: Mapped[datetime | None]
    # Hidden from co-learners (never from the cohort's mentors).
    hide_name: Mapped[bool] = mapped_column(default=False)

    cohort: Mapped[Cohort] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship()

    @property
    def active(self) -> bool:
        return self.left_at is None


study_session_modules = Table(
    "study_session_modules",
    db.metadata,
    Column("session_id", ForeignKey("study_sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("module_id", ForeignKey("modules.id", ondelete="CASCADE"), primary_key=True),
)


class StudySession(db.Model):
    """A meeting of the cohort: its date, the modules to finish before it, and a note (place, agenda …)."""

    __tablename__ = "study_sessions"
    __table_args__ = (Index("ix_study_sessions_cohort_held_on", "cohort_id", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    held_on: Mapped[date]
    note: Mapped[str] = mapped_column(Text, default="")

    cohort: Mapped[Cohort] = relationship(back_populates="sessions")
    modules: Mapped[list[Module]] = relationship(secondary=study_session_modules, order_by=Module.position)


# The cohort statistics read every first answer of a cohort's learners (attempt, question, right or wrong, and for
# wrong ones the answer), never the question snapshots. This index covers those reads: a response's JSON snapshot
# is stored inline on SQLite, so reaching responses through the table reads kilobytes per row (the benchmark's
# cohort review spent most of its time there). The answer is a key column (jsonb on PostgreSQL, which a b-tree
# can index); the id is in every SQLite index anyway and included on PostgreSQL, so both answer the item
# statistics from the index alone (docs/benchmarks.md has the EXPLAIN).
Index("ix_responses_first_answers", Response.attempt_id, Response.question_id, Response.correct, Response.answer,
      postgresql_include=["id"])
