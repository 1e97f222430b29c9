"""Statute services: importing e-Gov XML, choosing each law's current version, reading articles and the
table of contents, and resolving citations against the current texts. Plain arguments in, model objects out;
flush, never commit (the CLI and the views commit)."""

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from blinker import Namespace
from flask import current_app, has_app_context
from sqlalchemy import delete, func, insert, select

from common.errors import DomainError
from common.timeutil import utcnow
from extensions import db
from statutes import egov
from statutes.citations import ABBREVIATIONS, LAWS_BY_ID, CitationRef
from statutes.models import Article, Law, LawVersion

TOKYO = ZoneInfo("Asia/Tokyo")


class StatuteImportError(DomainError):
    """A statute file could not be imported; the message names the file and the reason."""


# Sent by import_law_bytes, inside the import's transaction, when a newly imported version of a law is newer
# (by enforcement date) than the version that was current before the import: whether it becomes current now
# or comes into force later. Arguments: sender = the Law, previous = the version current before, version = the
# new one. Packages above statutes connect to it (authoring flags the lessons and questions that cite an
# article that changed), so this package never imports them.
version_imported = Namespace().signal("version-imported")


# --- dates and current versions ----------------------------------------------------------------------------

def statutes_as_of() -> date:
    """The date on which "current" is judged: config STATUTES_AS_OF (YYYY-MM-DD), else today in Tokyo."""
    configured = current_app.config.get("STATUTES_AS_OF") if has_app_context() else None
    if configured:
        return configured if isinstance(configured, date) else date.fromisoformat(str(configured))
    return datetime.now(TOKYO).date()


def select_current_version(versions: Iterable[LawVersion], as_of: date) -> LawVersion | None:
    """The version with the latest enforcement date on or before `as_of` (a version without a date counts as
    always in force). When every version lies in the future, the earliest one: better than no text at all."""
    versions = list(versions)
    in_force = [v for v in versions if v.enforcement_date is None or v.enforcement_date <= as_of]
    if in_force:
        return max(in_force, key=lambda v: (v.enforcement_date or date.min, v.id or 0))
    return min(versions, key=lambda v: v.enforcement_date) if versions else None


def _update_current(law: Law, as_of: date | None = None) -> None:
    current = select_current_version(law.versions, as_of or statutes_as_of())
    if current is not None and law.current_version_id != current.id:
        law.current_version = current


def refresh_current_versions(as_of: date | None = None) -> list[Law]:
    """Re-judge every law's current version (e.g. when an imported future version comes into force)."""
    laws = db.session.scalars(select(Law)).all()
    versions = db.session.scalars(select(LawVersion)).all()
    by_law: dict[int, list[LawVersion]] = {}
    for version in versions:
        by_law.setdefault(version.law_pk, []).append(version)
    as_of = as_of or statutes_as_of()
    for law in laws:
        current = select_current_version(by_law.get(law.id, []), as_of)
        if current is not None and law.current_version_id != current.id:
            law.current_version = current
    db.session.flush()
    return list(laws)


# --- import ------------------------------------------------------------------------------------------------

def import_law_file(path: str | Path) -> tuple[LawVersion, bool]:
    """Import one e-Gov XML file named `<law ID>_<revision ID>.xml`. Idempotent: a file whose bytes were
    already imported for that revision is skipped before parsing (created is False); a changed file replaces
    the revision's articles. Sets the law's current version. Flushes, never commits."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise StatuteImportError(f"{path}: {error.strerror or error}") from error
    return import_law_bytes(data, path.name)


def import_law_bytes(data: bytes, filename: str) -> tuple[LawVersion, bool]:
    try:
        info = egov.parse_filename(filename)
    except egov.StatuteFormatError as error:
        raise StatuteImportError(str(error)) from error
    digest = hashlib.sha256(data).hexdigest()
    law = db.session.scalar(select(Law).where(Law.law_id == info.law_id))
    version = None
    if law is not None:
        version = db.session.scalar(select(LawVersion).where(LawVersion.law_pk == law.id,
                                                             LawVersion.revision_id == info.revision_id))
        if version is not None and version.source_sha256 == digest:
            _update_current(law)
            db.session.flush()
            return version, False

    try:
        parsed = egov.parse_law_xml(data, filename)
    except egov.StatuteFormatError as error:
        raise StatuteImportError(str(error)) from error

    previous = None
    if law is None:
        law = Law(law_id=info.law_id, title=parsed.title[:255], law_num=parsed.law_num[:120])
        db.session.add(law)
    else:
        law.title, law.law_num = parsed.title[:255], parsed.law_num[:120]
        previous = law.current_version
    if version is None:
        version = LawVersion(law=law, revision_id=info.revision_id, source_sha256=digest)
        db.session.add(version)
    else:
        db.session.execute(delete(Article).where(Article.version_id == version.id))
        db.session.expire(version, ["articles"])
    version.enforcement_date = info.enforcement_date
    version.amending_law_id = info.amending_law_id
    version.source_sha256 = digest
    version.toc_json = parsed.toc_json()
    version.imported_at = utcnow()
    db.session.flush()

    db.session.execute(insert(Article), [{
        "version_id": version.id,
        "num": article.num,
        "position": article.position,
        "title": article.title[:80],
        "caption": article.caption[:255],
        "chapter": article.chapter[:255],
        "text": article.text,
        "html": article.html,
        "structure_json": json.dumps(article.structure, separators=(",", ":")),
        "text_sha256": article.text_sha256,
        "deleted": article.deleted,
    } for article in parsed.articles])
    _update_current(law)
    db.session.flush()
    if previous is not None and previous.id != version.id and _is_newer(version, previous):
        version_imported.send(law, previous=previous, version=version)
    return version, True


def _is_newer(version: LawVersion, than: LawVersion) -> bool:
    if version.enforcement_date is None or than.enforcement_date is None:
        return False
    return version.enforcement_date > than.enforcement_date


# --- reading -----------------------------------------------------------------------------------------------

def law_short_name(law: Law) -> str:
    """The name shown for a law: the short name of the abbreviation table (地方自治法, 個人情報保護法)."""
    known = LAWS_BY_ID.get(law.law_id)
    return known.short if known else law.title


def law_abbreviation(law_id: str) -> str:
    return next((abbrev for abbrev, name in ABBREVIATIONS.items() if name.law_id == law_id), "")


@dataclass(frozen=True)
class LawSummary:
    law: Law
    version: LawVersion | None
    article_count: int
    short_name: str
    abbreviation: str


def laws_overview() -> list[LawSummary]:
    """Every law with its current version and the number of (not deleted) articles in it: one query."""
    count = (select(func.count(Article.id))
             .where(Article.version_id == Law.current_version_id, Article.deleted.is_(False))
             .correlate(Law).scalar_subquery())
    rows = db.session.execute(
        select(Law, LawVersion, count).outerjoin(LawVersion, LawVersion.id == Law.current_version_id)).all()
    order = {name.law_id: index for index, name in enumerate(ABBREVIATIONS.values())}
    rows = sorted(rows, key=lambda row: (order.get(row[0].law_id, len(order)), row[0].law_id))
    return [LawSummary(law, version, n or 0, law_short_name(law), law_abbreviation(law.law_id))
            for law, version, n in rows]


@dataclass(frozen=True)
class LawVersions:
    law: Law
    versions: list[LawVersion]  # by enforcement date
    current: LawVersion | None
    as_of: date

    def find(self, revision_id: str | None) -> LawVersion | None:
        """The version asked for (?version=<revision ID>), or the current one when none is asked for."""
        if not revision_id:
            return self.current
        return next((v for v in self.versions if v.revision_id == revision_id), None)

    def status(self, version: LawVersion) -> str:
        """current | future (not yet in force) | past (superseded)."""
        if self.current is not None and version.id == self.current.id:
            return "current"
        if version.enforcement_date is not None and version.enforcement_date > self.as_of:
            return "future"
        return "past"


def law_versions(law_id: str) -> LawVersions | None:
    """A law with all its versions, in one query; None when the law has no imported version."""
    rows = db.session.execute(
        select(Law, LawVersion).join(LawVersion, LawVersion.law_pk == Law.id)
        .where(Law.law_id == law_id)).all()
    if not rows:
        return None
    law = rows[0][0]
    versions = sorted((row[1] for row in rows), key=lambda v: (v.enforcement_date or date.min, v.id))
    current = next((v for v in versions if v.id == law.current_version_id), None)
    return LawVersions(law, versions, current, statutes_as_of())


def current_article(law_id: str, num: str) -> Article | None:
    """The article `num` ("234_3", "appdx_3") of the law's current version: one query."""
    return db.session.scalar(
        select(Article).join(LawVersion, LawVersion.id == Article.version_id)
        .join(Law, Law.current_version_id == LawVersion.id)
        .where(Law.law_id == law_id, Article.num == num))


def version_article(version: LawVersion, num: str) -> Article | None:
    return db.session.scalar(select(Article).where(Article.version_id == version.id, Article.num == num))


@dataclass(frozen=True)
class ArticleLink:
    num: str
    title: str
    caption: str
    deleted: bool = False


def article_neighbours(article: Article) -> tuple[ArticleLink | None, ArticleLink | None]:
    """The previous and next article of the same version (positions are consecutive): one query."""
    rows = db.session.execute(
        select(Article.num, Article.title, Article.caption, Article.deleted, Article.position)
        .where(Article.version_id == article.version_id,
               Article.position.in_((article.position - 1, article.position + 1)))).all()
    by_position = {row.position: ArticleLink(row.num, row.title, row.caption, row.deleted) for row in rows}
    return by_position.get(article.position - 1), by_position.get(article.position + 1)


@dataclass
class TocEntry:
    title: str
    depth: int
    articles: list[ArticleLink]
    children: list["TocEntry"]


def law_toc(version: LawVersion) -> list[TocEntry]:
    """The chapter tree of a version with each article's title and caption: one query."""
    rows = db.session.execute(
        select(Article.num, Article.title, Article.caption, Article.deleted)
        .where(Article.version_id == version.id).order_by(Article.position)).all()
    links = {row.num: ArticleLink(row.num, row.title, row.caption, row.deleted) for row in rows}

    def build(node: dict, depth: int) -> TocEntry:
        return TocEntry(node.get("title", ""), depth,
                        [links[num] for num in node.get("articles", []) if num in links],
                        [build(child, depth + 1) for child in node.get("children", [])])

    return [build(node, 0) for node in json.loads(version.toc_json or "[]")]


# --- citations ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Resolution:
    ref: CitationRef
    verified: bool  # False when the law has no imported text: nothing could be checked
    problem: str | None  # why the citation does not fit the current text (Japanese), or None
    caption: str
    text: str  # the article's plain text, for quotation checks
    href: str
    label: str

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class _ArticleFacts:
    caption: str
    structure: dict[str, list[str]]
    text: str
    deleted: bool


def _num_key(num: str) -> tuple[int, ...] | None:
    parts = num.split("_")
    return tuple(int(p) for p in parts) if all(p.isdigit() for p in parts) else None


def _item_label(item: str) -> str:
    head, *branches = item.split("_")
    return f"第{head}号" + "".join(f"の{b}" for b in branches)


class CitationResolver:
    """Resolves citations against the current versions. Create one per render batch: each law's articles
    are loaded once, by `prefetch()` (one query for any number of laws) or lazily on first use (one query a
    law)."""

    def __init__(self):
        self._laws: dict[str, dict[str, _ArticleFacts] | None] = {}

    def prefetch(self, refs_or_law_ids: Iterable[CitationRef | str]) -> None:
        wanted = {r.law.law_id if isinstance(r, CitationRef) else r for r in refs_or_law_ids}
        missing = sorted(wanted - self._laws.keys())
        if not missing:
            return
        rows = db.session.execute(
            select(Law.law_id, Article.num, Article.caption, Article.structure_json, Article.text,
                   Article.deleted)
            .join(LawVersion, LawVersion.id == Law.current_version_id)
            .join(Article, Article.version_id == LawVersion.id)
            .where(Law.law_id.in_(missing))).all()
        loaded: dict[str, dict[str, _ArticleFacts]] = {}
        for law_id, num, caption, structure, text, deleted in rows:
            loaded.setdefault(law_id, {})[num] = _ArticleFacts(caption, json.loads(structure or "{}"), text,
                                                               deleted)
        for law_id in missing:
            self._laws[law_id] = loaded.get(law_id)

    def _articles(self, law_id: str) -> dict[str, _ArticleFacts] | None:
        if law_id not in self._laws:
            self.prefetch([law_id])
        return self._laws[law_id]

    def resolve(self, ref: CitationRef) -> Resolution:
        articles = self._articles(ref.law.law_id)
        if articles is None:
            return Resolution(ref, False, None, "", "", ref.egov_href(), ref.label())
        facts = articles.get(ref.article)
        problem = self._problem(ref, facts, articles)
        return Resolution(ref, True, problem, facts.caption if facts else "", facts.text if facts else "",
                          ref.href(), ref.label())

    def article_text(self, ref: CitationRef) -> str:
        return self.resolve(ref).text

    @staticmethod
    def _problem(ref: CitationRef, facts: _ArticleFacts | None,
                 articles: dict[str, _ArticleFacts]) -> str | None:
        article_label = ref.law.short + ref.article_label
        if facts is None:
            key = _num_key(ref.article)
            for num in articles:
                if ":" in num and key is not None:
                    low, high = (_num_key(part) for part in num.split(":", 1))
                    if low is not None and high is not None and low <= key <= high:
                        return f"{article_label}は削除されています"
            return f"{article_label}は現行の条文にありません"
        if facts.deleted:
            return f"{article_label}は削除されています"
        if ref.paragraph is None and ref.item is None:
            return None
        paragraph = str(ref.paragraph or 1)
        if paragraph not in facts.structure:
            count = len(facts.structure)
            return f"{ref.label()}は現行の条文にありません（{ref.article_label}は全{count}項）"
        if ref.item is None:
            return None
        items = facts.structure[paragraph]
        if ref.item in items:
            return None
        where = f"{ref.article_label}第{paragraph}項"
        if not items:
            return f"{ref.label()}は現行の条文にありません（{where}に号はありません）"
        return (f"{ref.label()}は現行の条文にありません"
                f"（{where}の号は{_item_label(items[0])}から{_item_label(items[-1])}まで）")


_FILE_RE = re.compile(r".+\.xml$", re.IGNORECASE)


def statute_files(directory: str | Path) -> list[Path]:
    """The *.xml files of a folder, in name order (so versions of a law come oldest first)."""
    folder = Path(directory)
    if not folder.is_dir():
        raise StatuteImportError(f"{folder}: not a folder")
    return sorted(p for p in folder.iterdir() if p.is_file() and _FILE_RE.match(p.name))


@dataclass(frozen=True)
class VersionChanges:
    """What differs between two versions of a law, by article number (in the order of the law)."""

    added: list[str]
    removed: list[str]
    changed: list[str]  # same number, different text

    @property
    def affected(self) -> set[str]:
        return {*self.added, *self.removed, *self.changed}


def version_changes(old: LawVersion, new: LawVersion) -> VersionChanges:
    """Compare two versions article by article (text hashes): one query. A citation of an article in
    `affected` deserves a review when `new` becomes current."""
    rows = db.session.execute(
        select(Article.version_id, Article.num, Article.text_sha256, Article.position)
        .where(Article.version_id.in_((old.id, new.id))).order_by(Article.position)).all()
    before = {row.num: row.text_sha256 for row in rows if row.version_id == old.id}
    after = {row.num: row.text_sha256 for row in rows if row.version_id == new.id}
    return VersionChanges(
        added=[num for num in after if num not in before],
        removed=[num for num in before if num not in after],
        changed=[num for num in after if num in before and before[num] != after[num]])
