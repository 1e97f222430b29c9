"""Statute pages, open to everyone: the list of laws, a law's table of contents, an article. Each page
issues a fixed number of queries (tests/statutes/test_views.py counts them)."""

from flask import Blueprint, abort, render_template, request

from statutes import services
from statutes.citations import EGOV_LAW_URL, LAWS_BY_ID
from statutes.egov import CHAPTER_SEPARATOR

bp = Blueprint("statutes", __name__)


@bp.get("/statutes/")
def index():
    return render_template("statutes/index.html", laws=services.laws_overview())


def _law_and_version(law_id: str):
    law_versions = services.law_versions(law_id)
    if law_versions is None:
        abort(404)
    requested = request.args.get("version") or None
    version = law_versions.find(requested)
    if version is None:
        abort(404)
    # Links inside a page keep showing the same version, unless it is the current one.
    keep = {"version": version.revision_id} if requested and version is not law_versions.current else {}
    return law_versions, version, keep


def _page_context(law_versions, version, keep) -> dict:
    law = law_versions.law
    known = LAWS_BY_ID.get(law.law_id)
    return {
        "law": law,
        "law_name": known.short if known else law.title,
        "versions": law_versions,
        "version": version,
        "status": law_versions.status(version),
        "keep": keep,
        "egov_law_url": EGOV_LAW_URL + law.law_id,
    }


@bp.get("/statutes/<law_id>/")
def toc(law_id):
    law_versions, version, keep = _law_and_version(law_id)
    return render_template("statutes/toc.html", toc=services.law_toc(version),
                           **_page_context(law_versions, version, keep))


@bp.get("/statutes/<law_id>/<num>")
def article(law_id, num):
    law_versions, version, keep = _law_and_version(law_id)
    found = services.version_article(version, num)
    if found is None:
        abort(404)
    previous, following = services.article_neighbours(found)
    return render_template("statutes/article.html", article=found, previous=previous, following=following,
                           chapters=[c for c in found.chapter.split(CHAPTER_SEPARATOR) if c],
                           **_page_context(law_versions, version, keep))
