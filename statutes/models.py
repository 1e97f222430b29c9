from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from common.timeutil import utcnow
from extensions import db


class Law(db.Model):
    """A law as e-Gov identifies it (e.g. 322AC0000000067 for 地方自治法), across all its versions."""

    __tablename__ = "laws"

    id: Mapped[int] = mapped_column(primary_key=True)
    law_id: Mapped[str] = mapped_column(String(40), unique=True)  # e-Gov law ID
    title: Mapped[str] = mapped_column(String(255))
    law_num: Mapped[str] = mapped_column(String(120), default="")  # 昭和二十二年法律第六十七号
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("law_versions.id", use_alter=True, ondelete="SET NULL"))

    versions: Mapped[list["LawVersion"]] = relationship(
        back_populates="law", foreign_keys="LawVersion.law_pk", order_by="LawVersion.enforcement_date")
    current_version: Mapped["LawVersion | None"] = relationship(foreign_keys=[current_version_id],
                                                                post_update=True)


class LawVersion(db.Model):
    """The text of a law as in force from one date (an e-Gov revision)."""

    __tablename__ = "law_versions"
    __table_args__ = (UniqueConstraint("law_pk", "revision_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    law_pk: Mapped[int] = mapped_column(ForeignKey("laws.id", ondelete="CASCADE"))
    revision_id: Mapped[str] = mapped_column(String(60))  # <enforcement date>_<amending law ID>
    enforcement_date: Mapped[date | None]
    amending_law_id: Mapped[str] = mapped_column(String(40), default="")
    source_sha256: Mapped[str] = mapped_column(String(64))  # of the imported file: unchanged ones are skipped
    toc_json: Mapped[str] = mapped_column(Text, default="[]")  # chapters → article nums, for the ToC page
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)

    law: Mapped[Law] = relationship(back_populates="versions", foreign_keys=[law_pk])
    articles: Mapped[list["Article"]] = relationship(back_populates="version", order_by="Article.position",
                                                     cascade="all, delete-orphan", passive_deletes=True)


class Article(db.Model):
    """One article (条) or appended table (別表) of one version of a law."""

    __tablename__ = "articles"
    __table_args__ = (
        UniqueConstraint("version_id", "num"),
        Index("ix_articles_version_position", "version_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("law_versions.id", ondelete="CASCADE"))
    num: Mapped[str] = mapped_column(String(40))  # "234_3"; appended tables: "appdx_3" (別表第三)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(80))  # 第二百三十四条の三 / 別表第三
    caption: Mapped[str] = mapped_column(String(255), default="")  # （長期継続契約）
    chapter: Mapped[str] = mapped_column(String(255), default="")
    text: Mapped[str] = mapped_column(Text)  # plain text, readings dropped: quotations are checked against it
    html: Mapped[str] = mapped_column(Text)  # rendered once at import, paragraph anchors #p1, items #p1-i2
    structure_json: Mapped[str] = mapped_column(Text, default="{}")  # {"1": ["1", "2"], "2": []}: 項 → 号
    text_sha256: Mapped[str] = mapped_column(String(64))
    deleted: Mapped[bool] = mapped_column(default=False)  # 削除 placeholders keep their number

    version: Mapped[LawVersion] = relationship(back_populates="articles")


class CitationColumns:
    """What a citation row records; lessons, questions and glossary terms each keep their own table of these,
    so "who cites 第234条?" and "what does this amendment affect?" are plain queries."""

    law_id: Mapped[str] = mapped_column(String(40), index=True)  # e-Gov law ID
    article_num: Mapped[str] = mapped_column(String(40))
    paragraph: Mapped[int | None]
    item: Mapped[str | None] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(120))  # 地方自治法第234条の3第1項
