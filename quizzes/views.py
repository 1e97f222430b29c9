"""Quiz pages: take a quiz, see an attempt's result, see one's history. Every page needs a signed-in user."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from accounts.models import User
from extensions import db
from quizzes import services
from quizzes.forms import RetakeForm, SubmitAttemptForm
from quizzes.models import Attempt, Quiz

bp = Blueprint("quizzes", __name__)


def lesson_url(quiz: Quiz) -> str:
    lesson = quiz.lesson
    return url_for("lessons.detail", course_slug=lesson.module.course.slug, module_slug=lesson.module.slug,
                   lesson_slug=lesson.slug)


def _open_quiz_or_404(quiz_id: int) -> Quiz:
    quiz = services.get_quiz(quiz_id)
    if quiz is None or not services.is_open(quiz, current_user):
        abort(404)
    return quiz


def _error_message(error) -> str:
    messages = {
        "not_a_choice": _("Choose one of the options shown."),
        "too_many": _("Choose only one option."),
        "not_true_false": _("Choose “True” or “False”."),
        "not_a_number": _("Enter a number using digits, for example 5000 or 5,000."),
        "incomplete": _("Choose an item for every position, or leave them all empty."),
        "duplicate": _("Each item can be placed only once."),
    }
    return messages.get(error.code, _("This answer could not be read. Please answer again."))


def _raw_answers(form, attempt: Attempt, questions) -> dict[int, list[str]]:
    """The posted values per question id (field q-<id>): display positions, 'true'/'false' or the number as
    typed; for an order question one value per position, in position order, blank where none was chosen."""
    active = {q.id for q in questions}
    return {qid: form.getlist(f"q-{qid}") for qid in attempt.question_order or [] if qid in active}


def _take_page(quiz: Quiz, attempt: Attempt | None, questions, raw=None, errors=None) -> dict:
    """Everything the quiz page shows, read now: the page is rendered after the commit, which expires the
    loaded rows, and reading them again would cost a query per question."""
    summary = services.score_summaries(current_user.id, [quiz.id]).get(quiz.id)
    return {"quiz_id": quiz.id, "title": quiz.title, "pass_mark": quiz.pass_mark,
            "lesson_title": quiz.lesson.title, "lesson_url": lesson_url(quiz),
            "attempt_id": attempt.id if attempt is not None else None,
            "questions": services.shown_questions(attempt, questions) if attempt is not None else [],
            "summary": summary, "raw": raw or {}, "errors": errors or {}}


@bp.get("/quizzes/<int:quiz_id>")
@login_required
def take(quiz_id: int):
    quiz = _open_quiz_or_404(quiz_id)
    questions = services.active_questions(quiz)
    attempt = services.start_attempt(current_user, quiz) if questions else None
    page = _take_page(quiz, attempt, questions)
    db.session.commit()
    return render_template("quizzes/take.html", **page)


@bp.post("/quizzes/<int:quiz_id>")
@login_required
def submit(quiz_id: int):
    quiz = _open_quiz_or_404(quiz_id)
    form = SubmitAttemptForm()
    if not form.validate_on_submit():
        abort(400)
    if form.attempt_id.data:
        attempt = db.session.get(Attempt, int(form.attempt_id.data))
        if attempt is None or attempt.user_id != current_user.id or attempt.quiz_id != quiz.id:
            abort(404)
    else:
        attempt = services.current_attempt(current_user, quiz)
        if attempt is None:
            flash(_("There was no open attempt to submit. Here is the quiz again."), "info")
            return redirect(url_for(".take", quiz_id=quiz.id))
    questions = services.active_questions(quiz)
    raw = _raw_answers(request.form, attempt, questions)
    try:
        services.submit_attempt(attempt, raw)
    except services.AlreadySubmitted:
        db.session.rollback()
        flash(_("These answers had already been submitted. Here is the result."), "info")
        return redirect(url_for(".result", attempt_id=attempt.id))
    except services.AttemptOutdated:
        db.session.rollback()
        flash(_("The quiz was updated while you were answering. Please answer it again."), "warning")
        return redirect(url_for(".take", quiz_id=quiz.id))
    except services.AnswerErrors as error:
        # Nothing was written: show the form again with the answers as given and what to fix.
        messages = {qid: _error_message(e) for qid, e in error.errors.items()}
        page = _take_page(quiz, attempt, questions, raw, messages)
        return render_template("quizzes/take.html", **page), 422
    except services.NoQuestions:
        abort(404)
    attempt_id = attempt.id
    db.session.commit()
    return redirect(url_for(".result", attempt_id=attempt_id))


@bp.post("/quizzes/<int:quiz_id>/retake")
@login_required
def retake(quiz_id: int):
    quiz = _open_quiz_or_404(quiz_id)
    if not RetakeForm().validate_on_submit():
        abort(400)
    try:
        services.start_attempt(current_user, quiz)
    except services.NoQuestions:
        abort(404)
    db.session.commit()
    return redirect(url_for(".take", quiz_id=quiz.id))


@bp.get("/attempts/<int:attempt_id>")
@login_required
def result(attempt_id: int):
    attempt = services.get_attempt(attempt_id)
    # Someone else's attempt is "not found" rather than "forbidden": its existence is not theirs to know.
    if attempt is None or not services.can_view_attempt(current_user, attempt):
        abort(404)
    own = attempt.user_id == current_user.id
    if attempt.submitted_at is None:
        if own and services.is_open(attempt.quiz, current_user):
            return redirect(url_for(".take", quiz_id=attempt.quiz_id))
        abort(404)
    learner = None if own else db.session.get(User, attempt.user_id)
    return render_template("quizzes/result.html", attempt=attempt, quiz=attempt.quiz,
                           items=services.review(attempt), own=own, learner=learner,
                           can_retake=own and services.is_open(attempt.quiz, current_user),
                           form=RetakeForm(formdata=None), lesson_url=lesson_url(attempt.quiz))


@bp.get("/quizzes/<int:quiz_id>/history")
@login_required
def history(quiz_id: int):
    quiz = services.get_quiz(quiz_id)
    if quiz is None:
        abort(404)
    is_open = services.is_open(quiz, current_user)
    attempts = services.attempt_history(current_user, quiz)
    if not is_open and not attempts:
        abort(404)
    best = max((a.score for a in attempts), default=None)
    return render_template("quizzes/history.html", quiz=quiz, attempts=attempts, best=best, is_open=is_open,
                           lesson_url=lesson_url(quiz))
