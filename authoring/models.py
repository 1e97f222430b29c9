from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from common.timeutil import utcnow
from extensions import db


class ReviewFlag(db.Model):
    """A lesson or a question that cites an article which a newer version of the law changed, removed or
    added (a renumbering shows as changed, removed and added numbers): it needs a mentor's review. Open until
    someone marks it reviewed, which records who and when. The article's old and new texts stay in the two
    versions' rows, so the flag only points at them."""

    __tablename__ = "review_flags"
    __table_args__ = (
        CheckConstraint("(lesson_id IS NULL) <> (question_id IS NULL)", name="one_subject"),
        CheckConstraint("change IN ('changed', 'removed', 'added')", name="change"),
        Index("ix_review_flags_article", "law_id", "article_num"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    law_id: Mapped[str] = mapped_column(String(40))  # e-Gov law ID
    article_num: Mapped[str] = mapped_column(String(40))
    change: Mapped[str] = mapped_column(String(16))
    old_version_id: Mapped[int] = mapped_column(ForeignKey("law_versions.id", ondelete="CASCADE"))
    new_version_id: Mapped[int] = mapped_column(ForeignKey("law_versions.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column(index=True)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
