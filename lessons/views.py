from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_required

from extensions import db
from lessons import services

bp = Blueprint("lessons", __name__)


def _lesson_or_404(course_slug: str, module_slug: str, lesson_slug: str):
    lesson = services.find_lesson(course_slug, module_slug, lesson_slug)
    if lesson is None or lesson.status != "published":
        abort(404)
    return lesson


@bp.get("/courses/<course_slug>/<module_slug>/<lesson_slug>")
@login_required
def detail(course_slug: str, module_slug: str, lesson_slug: str):
    # Two queries whatever the size of the course: the user, and the lesson with its module, quiz, whether it was
    # read and the course's content revision. The reading order and the citation list are one query each when
    # the revision is new to this worker, none after.
    page = services.lesson_page(course_slug, module_slug, lesson_slug, current_user.id)
    if page is None or page.lesson.status != "published":
        abort(404)
    lesson = page.lesson
    sequence = services.reading_order(lesson.module.course_id, page.revision)
    index = next(i for i, stop in enumerate(sequence) if stop.id == lesson.id)
    previous = sequence[index - 1] if index > 0 else None
    following = sequence[index + 1] if index + 1 < len(sequence) else None
    quiz = lesson.quiz if lesson.quiz is not None and not lesson.quiz.archived else None
    return render_template("lessons/detail.html", lesson=lesson, course_slug=course_slug, previous=previous,
                           following=following, position=index + 1, count=len(sequence), quiz=quiz,
                           done=page.done, citations=services.citation_links(lesson.id, page.revision))


@bp.post("/courses/<course_slug>/<module_slug>/<lesson_slug>/done")
@login_required
def mark_done(course_slug: str, module_slug: str, lesson_slug: str):
    lesson = _lesson_or_404(course_slug, module_slug, lesson_slug)
    services.mark_done(current_user.id, lesson.id)
    db.session.commit()
    return redirect(url_for("lessons.detail", course_slug=course_slug, module_slug=module_slug,
                            lesson_slug=lesson_slug) + "#lesson-actions")


@bp.get("/glossary")
def glossary():
    return render_template("lessons/glossary.html", terms=services.glossary_terms())
