"""The authoring workspace (mentors and admins only): courses → modules → lessons, the lesson and quiz editors,
revisions, publishing, regrading, and the review of content a new version of a law may have made wrong.

Every page works without JavaScript: Preview is a submit button; static/js/authoring.js only refreshes the
preview as one types. Every change is a POST with a CSRF token; a view parses, calls a service, commits once
and redirects (or shows the form again with the problems next to their fields)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from accounts.models import User
from authoring import services
from authoring.diff import FileDiff, diff_lines, diff_side_by_side
from authoring.forms import (
    ActionForm,
    LessonForm,
    ModuleForm,
    NewLessonForm,
    NewModuleForm,
    QuestionForm,
    QuizSettingsForm,
    RevisionedActionForm,
)
from common.auth import role_required
from common.text import article_label
from contentpack.reader import LESSON_FILE, QUESTION_TYPES
from contentpack.services import lesson_text, quiz_text
from extensions import db
from lessons.services import RevisionConflict, get_revision
from quizzes.models import Question
from statutes.citations import LAWS_BY_ID, int_to_kanji

bp = Blueprint("authoring", __name__, url_prefix="/authoring")


@bp.before_request
@role_required("mentor")
def _mentors_only():
    """Every route of the workspace is for mentors and admins: anonymous users are sent to sign in, learners
    get 403."""


def _type_labels() -> dict[str, str]:
    return {"single": _("Single choice"), "multiple": _("Multiple choice"), "truefalse": _("True or false"),
            "number": _("Number"), "order": _("Put in order")}


def _state_labels() -> dict[str, str]:
    return {"draft": _("Draft (not published)"), "published": _("Published"),
            "changes": _("Published, with unpublished changes"), "archived": _("Archived")}


def _change_labels() -> dict[str, str]:
    return {"changed": _("text changed"), "removed": _("removed"), "added": _("newly numbered")}


def law_name(law_id: str) -> str:
    known = LAWS_BY_ID.get(law_id)
    return known.short if known else law_id


def article_name(num: str) -> str:
    """'234_3' → '第234条の3', 'appdx_1' → '別表第一'."""
    suffix = num.removeprefix("appdx_")
    if suffix != num and suffix.isdigit():
        return "別表第" + int_to_kanji(int(suffix))
    return article_label(num)


@bp.app_context_processor
def _helpers():
    return {"authoring_type_labels": _type_labels, "authoring_law_name": law_name,
            "authoring_article": article_name}


def _lesson_or_404(lesson_id: int):
    lesson = services.get_lesson(lesson_id)
    if lesson is None:
        abort(404)
    return lesson


def _base(form) -> int | None:
    value = form.base_revision.data
    return int(value) if value else None


def _lesson_url(lesson) -> str:
    module = lesson.module
    return url_for("lessons.detail", course_slug=module.course.slug, module_slug=module.slug,
                   lesson_slug=lesson.slug)


# --- diffs --------------------------------------------------------------------------------------------------

def content_files(content: dict) -> list[tuple[str, str]]:
    """A lesson's content as the two files of the pack, for diffs."""
    return [("lesson.md", lesson_text(content["front"], content["body"])), ("quiz.yaml", quiz_text(content["quiz"]))]


def content_diff(old: dict | None, new: dict) -> list[FileDiff]:
    old_files = dict(content_files(old)) if old is not None else {}
    return [FileDiff(name, diff_lines(old_files.get(name, ""), text)) for name, text in content_files(new)]


# --- problems next to their fields --------------------------------------------------------------------------

def _problem_text(problem, with_line: bool = False) -> str:
    if with_line and problem.line > 0:
        return _("Line %(n)s: %(message)s", n=problem.line, message=problem.message)
    return problem.message


LESSON_FIELDS = ("title", "summary", "minutes", "objectives", "tags", "body")


def _attach_lesson_problems(form, problems) -> list[str]:
    """Put each problem of the lesson file under its field; return those that belong to no field."""
    general = []
    for problem in problems:
        if problem.file != LESSON_FILE or problem.field not in LESSON_FIELDS:
            general.append(f"{problem.field}: {problem.message}")
            continue
        field = getattr(form, problem.field)
        if not (problem.field == "minutes" and field.errors):  # "not a number" already says it
            field.errors = [*field.errors, _problem_text(problem, with_line=problem.field == "body")]
    return general


# --- the workspace ------------------------------------------------------------------------------------------

@bp.get("/")
def index():
    return render_template("authoring/index.html", courses=services.workspace(), states=_state_labels(),
                           open_reviews=sum(services.open_flag_counts().values()), form=ActionForm(formdata=None))


# --- modules ------------------------------------------------------------------------------------------------

@bp.route("/courses/<int:course_id>/modules/new", methods=["GET", "POST"])
def new_module(course_id: int):
    course = services.get_course(course_id) or abort(404)
    form = NewModuleForm()
    if form.validate_on_submit():
        try:
            module = services.create_module(course, form.slug.data, form.title.data, form.summary.data,
                                            services.parse_lines(form.objectives.data))
        except services.AuthoringError as error:
            getattr(form, error.field or "slug").errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Module “%(title)s” was created.", title=module.title), "success")
            return redirect(url_for(".index") + f"#module-{module.id}")
    return render_template("authoring/module_form.html", form=form, course=course, module=None), \
        422 if form.errors else 200


@bp.route("/modules/<int:module_id>", methods=["GET", "POST"])
def edit_module(module_id: int):
    module = services.get_module(module_id) or abort(404)
    form = ModuleForm()
    if request.method == "GET":
        form.title.data, form.summary.data = module.title, module.summary
        form.objectives.data = "\n".join(module.objectives or [])
    elif form.validate_on_submit():
        services.update_module(module, form.title.data, form.summary.data,
                               services.parse_lines(form.objectives.data))
        db.session.commit()
        flash(_("Module “%(title)s” was saved.", title=module.title), "success")
        return redirect(url_for(".index") + f"#module-{module.id}")
    return render_template("authoring/module_form.html", form=form, course=module.course, module=module), \
        422 if form.errors else 200


@bp.post("/modules/<int:module_id>/move")
def move_module(module_id: int):
    module = services.get_module(module_id) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.move_module(module, "up" if request.form.get("direction") == "up" else "down")
    except services.AuthoringError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
    return redirect(url_for(".index") + f"#module-{module.id}")


@bp.post("/modules/<int:module_id>/archive")
def archive_module(module_id: int):
    module = services.get_module(module_id) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    archived = request.form.get("archived") == "1"
    try:
        services.set_module_archived(module, archived)
    except services.AuthoringError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Module “%(title)s” was archived.", title=module.title) if archived
              else _("Module “%(title)s” was restored.", title=module.title), "success")
    return redirect(url_for(".index") + f"#module-{module.id}")


# --- lessons ------------------------------------------------------------------------------------------------

def _front_from(form) -> dict:
    return {"title": (form.title.data or "").strip(), "summary": (form.summary.data or "").strip(),
            "minutes": form.minutes.data, "objectives": services.parse_lines(form.objectives.data),
            "tags": services.parse_tags(form.tags.data)}


def _fill_lesson_form(form, content: dict, base_id: int | None) -> None:
    front = content["front"]
    form.title.data, form.summary.data, form.minutes.data = front["title"], front["summary"], front["minutes"]
    form.objectives.data = "\n".join(front.get("objectives") or [])
    form.tags.data = ", ".join(front.get("tags") or [])
    form.body.data = content["body"]
    form.base_revision.data = str(base_id or "")
    form.note.data = ""


@bp.route("/modules/<int:module_id>/lessons/new", methods=["GET", "POST"])
def new_lesson(module_id: int):
    module = services.get_module(module_id) or abort(404)
    form = NewLessonForm()
    checked = None
    general: list[str] = []
    status = 200
    if request.method == "GET":
        form.minutes.data = 10
    elif form.validate_on_submit():
        content = {"front": _front_from(form), "body": form.body.data or "", "quiz": None}
        if request.form.get("action") == "preview":
            checked = services.preview(content)
            general = _attach_lesson_problems(form, services.lesson_problems(checked.problems))
        else:
            try:
                lesson, _revision = services.create_lesson(module, form.slug.data, content, current_user.id,
                                                           form.note.data)
            except services.ContentProblems as error:
                checked = error.checked
                general = _attach_lesson_problems(form, error.problems)
                status = 422
            except services.AuthoringError as error:
                form.slug.errors.append(str(error))
                status = 422
            else:
                db.session.commit()
                flash(_("Lesson “%(title)s” was created as a draft. Learners will see it once you publish it.",
                        title=lesson.title), "success")
                return redirect(url_for(".edit_lesson", lesson_id=lesson.id))
    else:
        status = 422
    return render_template("authoring/lesson_form.html", form=form, module=module, lesson=None, row=None,
                           checked=checked, conflict=None, general=general, flags=[]), status


@bp.route("/lessons/<int:lesson_id>", methods=["GET", "POST"])
def edit_lesson(lesson_id: int):
    lesson = _lesson_or_404(lesson_id)
    copy = services.working_copy(lesson)
    form = LessonForm()
    checked = conflict = None
    general: list[str] = []
    status = 200
    if request.method == "GET":
        _fill_lesson_form(form, copy.content, copy.base_id)
    elif form.validate_on_submit():
        content = {"front": _front_from(form), "body": form.body.data or "", "quiz": copy.content["quiz"]}
        if request.form.get("action") == "preview":
            checked = services.preview(content)
            general = _attach_lesson_problems(form, services.lesson_problems(checked.problems))
        else:
            try:
                revision = services.save_lesson(lesson, content["front"], content["body"], current_user.id,
                                                form.note.data, _base(form))
            except RevisionConflict as error:
                conflict = _conflict(error, content)
                form.base_revision.data = str(error.head.id) if error.head else ""
                status = 409
            except services.ContentProblems as error:
                checked = error.checked
                general = _attach_lesson_problems(form, error.problems)
                status = 422
            else:
                db.session.commit()
                flash(_("Saved as revision #%(n)s.", n=revision.number) + " " + (
                    _("Learners still see the published version until you publish this one.")
                    if lesson.status == "published" else _("The lesson is a draft: learners do not see it.")),
                    "success")
                return redirect(url_for(".edit_lesson", lesson_id=lesson.id))
    else:
        status = 422
    head_author = db.session.get(User, copy.head.author_id) if copy.head and copy.head.author_id else None
    return render_template("authoring/lesson_form.html", form=form, module=lesson.module, lesson=lesson,
                           row=services.lesson_row(lesson), copy=copy, head_author=head_author, checked=checked,
                           conflict=conflict, general=general, flags=services.review_items(lesson_id=lesson.id),
                           states=_state_labels()), status


def _conflict(error: RevisionConflict, yours: dict) -> dict:
    """What the conflict page shows: who saved what since the page was opened, and what this save would
    change compared with that newest revision."""
    head = error.head
    theirs = content_diff(error.base.content, head.content) if error.base is not None and head else []
    mine = content_diff(head.content if head else None, yours)
    author = db.session.get(User, head.author_id) if head and head.author_id else None
    return {"head": head, "author": author, "theirs": theirs, "mine": mine, "base": error.base}


@bp.post("/preview")
def live_preview():
    """The preview as a fragment, for static/js/authoring.js (the same render as the Preview button)."""
    form = LessonForm()
    if not form.validate_on_submit():
        abort(400)
    lesson = services.get_lesson(request.args.get("lesson", type=int) or 0)
    quiz = services.working_copy(lesson).content["quiz"] if lesson is not None else None
    checked = services.preview({"front": _front_from(form), "body": form.body.data or "", "quiz": quiz})
    return render_template("authoring/_preview.html", checked=checked)


@bp.post("/lessons/<int:lesson_id>/publish")
def publish(lesson_id: int):
    lesson = _lesson_or_404(lesson_id)
    form = RevisionedActionForm()
    if not form.validate_on_submit():
        abort(400)
    base = _base(form)
    try:
        revision = services.publish(lesson, current_user.id, base)
    except RevisionConflict as error:
        db.session.rollback()
        flash(_("Someone saved a newer revision after you opened this page. Check what changed, then publish "
                "again."), "error")
        if error.base is not None and error.head is not None:
            return redirect(url_for(".diff", lesson_id=lesson.id, a=error.base.id, b=error.head.id))
        return redirect(url_for(".edit_lesson", lesson_id=lesson.id))
    except services.PublishRefused as error:
        db.session.rollback()
        lesson = _lesson_or_404(lesson_id)
        return render_template("authoring/publish_refused.html", lesson=lesson, problems=error.problems), 422
    db.session.commit()
    flash(_("Revision #%(n)s is published: learners see it now.", n=revision.number), "success")
    return redirect(url_for(".edit_lesson", lesson_id=lesson_id))


@bp.post("/lessons/<int:lesson_id>/move")
def move_lesson(lesson_id: int):
    lesson = _lesson_or_404(lesson_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.move_lesson(lesson, "up" if request.form.get("direction") == "up" else "down")
    db.session.commit()
    return redirect(url_for(".index") + f"#lesson-{lesson_id}")


@bp.post("/lessons/<int:lesson_id>/archive")
def archive_lesson(lesson_id: int):
    lesson = _lesson_or_404(lesson_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    archived = request.form.get("archived") == "1"
    services.set_lesson_archived(lesson, archived)
    db.session.commit()
    flash(_("Lesson “%(title)s” was archived: learners no longer see it.", title=lesson.title) if archived
          else _("Lesson “%(title)s” was restored.", title=lesson.title), "success")
    return redirect(url_for(".index") + f"#lesson-{lesson_id}")


@bp.get("/lessons/<int:lesson_id>/preview")
def preview(lesson_id: int):
    """The newest revision as learners would see it once published, rendered now, with the quiz's answer
    keys (for the author)."""
    lesson = _lesson_or_404(lesson_id)
    copy = services.working_copy(lesson)
    return render_template("authoring/preview.html", lesson=lesson, copy=copy,
                           checked=services.preview(copy.content))


# --- revisions ----------------------------------------------------------------------------------------------

@bp.get("/lessons/<int:lesson_id>/history")
def history(lesson_id: int):
    lesson = _lesson_or_404(lesson_id)
    entries = services.history(lesson)
    return render_template("authoring/history.html", lesson=lesson, entries=entries,
                           head=entries[0].revision if entries else None,
                           form=RevisionedActionForm(formdata=None))


def _revision_or_404(lesson, revision_id):
    revision = get_revision(lesson.id, revision_id) if revision_id else None
    if revision is None:
        abort(404)
    return revision


@bp.get("/lessons/<int:lesson_id>/diff")
def diff(lesson_id: int):
    lesson = _lesson_or_404(lesson_id)
    old = _revision_or_404(lesson, request.args.get("a", type=int))
    new = _revision_or_404(lesson, request.args.get("b", type=int))
    return render_template("authoring/diff.html", lesson=lesson, old=old, new=new,
                           files=content_diff(old.content, new.content))


@bp.get("/lessons/<int:lesson_id>/revisions/<int:revision_id>")
def revision(lesson_id: int, revision_id: int):
    lesson = _lesson_or_404(lesson_id)
    shown = _revision_or_404(lesson, revision_id)
    head = services.working_copy(lesson).head
    return render_template("authoring/revision.html", lesson=lesson, revision=shown, head=head,
                           files=content_files(shown.content), form=RevisionedActionForm(formdata=None))


@bp.post("/lessons/<int:lesson_id>/revisions/<int:revision_id>/restore")
def restore(lesson_id: int, revision_id: int):
    lesson = _lesson_or_404(lesson_id)
    old = _revision_or_404(lesson, revision_id)
    form = RevisionedActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        new = services.restore(lesson, old, current_user.id, _base(form))
    except RevisionConflict as error:
        db.session.rollback()
        flash(_("Someone saved a newer revision after you opened this page; nothing was restored. Here is "
                "what they changed."), "error")
        if error.base is not None and error.head is not None:
            return redirect(url_for(".diff", lesson_id=lesson_id, a=error.base.id, b=error.head.id))
        return redirect(url_for(".history", lesson_id=lesson_id))
    db.session.commit()
    flash(_("Revision #%(old)s was restored as revision #%(new)s.", old=old.number, new=new.number), "success")
    return redirect(url_for(".history", lesson_id=lesson_id))


# --- the quiz editor ----------------------------------------------------------------------------------------

@bp.route("/lessons/<int:lesson_id>/quiz", methods=["GET", "POST"])
def quiz(lesson_id: int):
    lesson = _lesson_or_404(lesson_id)
    copy = services.working_copy(lesson)
    form = QuizSettingsForm()
    general: list[str] = []
    status = 200
    quiz_content = copy.content["quiz"]
    if request.method == "GET" and quiz_content:
        form.title.data, form.pass_mark.data = quiz_content["title"], quiz_content["pass_mark"]
        form.base_revision.data = str(copy.base_id or "")
    elif request.method == "POST":
        if form.validate_on_submit():
            try:
                revision = services.save_quiz_settings(lesson, form.title.data, form.pass_mark.data,
                                                       current_user.id, form.note.data, _base(form))
            except RevisionConflict as error:
                return _stale(lesson, error)
            except services.ContentProblems as error:
                for problem in error.problems:
                    field = {"title": form.title, "pass_mark": form.pass_mark}.get(problem.field)
                    if field is not None:
                        field.errors = [*field.errors, problem.message]
                    else:
                        general.append(f"{problem.field}: {problem.message}")
                status = 422
            except services.AuthoringError as error:
                general.append(str(error))
                status = 422
            else:
                db.session.commit()
                flash(_("Saved as revision #%(n)s.", n=revision.number), "success")
                return redirect(url_for(".quiz", lesson_id=lesson_id))
        else:
            status = 422
    live = services.live_questions(lesson)
    stats = services.answer_stats([q.id for q in live.values()])
    flags = services.review_items(lesson_id=lesson.id)
    flagged = {item.question.key for item in flags if item.question is not None}
    return render_template("authoring/quiz.html", lesson=lesson, copy=copy, form=form, general=general,
                           live=live, stats=stats, flagged=flagged, key_changed=services.key_changed,
                           action_form=RevisionedActionForm(formdata=None), types=QUESTION_TYPES), status


def _stale(lesson, error: RevisionConflict):
    """A quiz change based on an old revision: nothing was written; show what changed since."""
    db.session.rollback()
    flash(_("Someone saved a newer revision after you opened this page; your change was not saved. Here is "
            "what they changed: make your change again on the newest revision."), "error")
    if error.base is not None and error.head is not None:
        return redirect(url_for(".diff", lesson_id=lesson.id, a=error.base.id, b=error.head.id))
    return redirect(url_for(".quiz", lesson_id=lesson.id))


def _choice_rows(form, wanted: int) -> None:
    while len(form.choices.entries) < wanted:
        form.choices.append_entry()


def _fill_question_form(form, question: dict, base_id: int | None) -> None:
    form.key.data = question["key"]
    form.prompt.data = question.get("prompt", "")
    form.explanation.data = question.get("explanation", "")
    form.difficulty.data = str(question.get("difficulty", 1))
    form.tags.data = ", ".join(question.get("tags") or [])
    if question["type"] in ("single", "multiple"):
        for choice in question.get("choices") or []:
            if isinstance(choice, str):
                choice = {"text": choice}
            form.choices.append_entry({"text": choice.get("text", ""), "correct": bool(choice.get("correct")),
                                       "feedback": choice.get("feedback", "")})
    elif question["type"] == "truefalse":
        form.answer.data = "true" if question.get("answer") is True else "false"
    elif question["type"] == "number":
        form.number.data = str(question.get("answer", ""))
        form.unit.data = question.get("unit", "")
    elif question["type"] == "order":
        form.items.data = "\n".join(question.get("items") or [])
    form.base_revision.data = str(base_id or "")


def _question_from(form, qtype: str, key: str) -> tuple[dict, list[int]]:
    """The question as the pack writes it, and for each of its choices the form row it came from (empty
    rows are left out)."""
    question: dict = {"key": key, "type": qtype, "prompt": (form.prompt.data or "").strip()}
    rows: list[int] = []
    if qtype in ("single", "multiple"):
        choices = []
        for index, entry in enumerate(form.choices.entries):
            text, feedback = (entry.form.text.data or "").strip(), (entry.form.feedback.data or "").strip()
            if not text and not feedback and not entry.form.correct.data:
                continue
            choice = {"text": text}
            if entry.form.correct.data:
                choice["correct"] = True
            if feedback:
                choice["feedback"] = feedback
            choices.append(choice)
            rows.append(index)
        question["choices"] = choices
    elif qtype == "truefalse":
        question["answer"] = {"true": True, "false": False}.get(form.answer.data)
    elif qtype == "number":
        question["answer"] = services.to_number(form.number.data)
        if (form.unit.data or "").strip():
            question["unit"] = form.unit.data.strip()
    elif qtype == "order":
        question["items"] = services.parse_lines(form.items.data)
    question["explanation"] = (form.explanation.data or "").strip()
    question["difficulty"] = int(form.difficulty.data or 1)
    question["tags"] = services.parse_tags(form.tags.data)
    return question, rows


def _attach_question_problems(form, problems, key: str, qtype: str, rows: list[int]
                              ) -> tuple[list[str], list[str]]:
    """Put each problem under its field; return (problems of no field, problems of the choices as a whole)."""
    general, choice_errors = [], []
    prefix = f"questions[{key}]."
    for problem in problems:
        if not problem.field.startswith(prefix):
            general.append(f"{problem.field}: {problem.message}")
            continue
        name = problem.field[len(prefix):]
        target = None
        if name.startswith("choices[") and "]." in name:
            index = int(name[len("choices["):name.index("]")])
            part = name[name.index("].") + 2:]
            if index < len(rows) and part in ("text", "correct", "feedback"):
                target = getattr(form.choices.entries[rows[index]].form, part)
        elif name == "choices":
            choice_errors.append(problem.message)
            continue
        elif name == "answer":
            target = form.answer if qtype == "truefalse" else form.number
        else:
            target = {"key": form.key, "prompt": form.prompt, "explanation": form.explanation,
                      "difficulty": form.difficulty, "tags": form.tags, "unit": form.unit,
                      "items": form.items}.get(name)
        if target is None:
            general.append(f"{name}: {problem.message}")
        else:
            target.errors = [*target.errors, problem.message]
    return general, choice_errors


def _question_page(lesson, qtype: str, original_key: str | None):
    copy = services.working_copy(lesson)
    existing = None
    if original_key is not None:
        index = services.question_index(copy.content["quiz"], original_key)
        if index is None:
            abort(404)
        existing = copy.content["quiz"]["questions"][index]
        qtype = existing["type"]
    form = QuestionForm()
    general: list[str] = []
    choice_errors: list[str] = []
    conflict = None
    status = 200
    if request.method == "GET":
        if existing is not None:
            _fill_question_form(form, existing, copy.base_id)
        else:
            form.base_revision.data = str(copy.base_id or "")
            taken = {q["key"] for q in (copy.content["quiz"] or {}).get("questions") or []}
            form.key.data = next(f"q{n}" for n in range(1, len(taken) + 2) if f"q{n}" not in taken)
            if qtype == "truefalse":
                form.answer.data = None
    elif form.validate_on_submit():
        key = original_key if original_key is not None else (form.key.data or "").strip()
        action = request.form.get("action")
        if action == "more":
            _choice_rows(form, len(form.choices.entries) + 2)
        else:
            question, rows = _question_from(form, qtype, key)
            try:
                revision = services.save_question(lesson, question, original_key, current_user.id,
                                                  form.note.data, _base(form))
            except RevisionConflict as error:
                conflict = _conflict(error, services.with_question(copy.content, question, original_key))
                form.base_revision.data = str(error.head.id) if error.head else ""
                status = 409
            except services.ContentProblems as error:
                general, choice_errors = _attach_question_problems(form, error.problems, key, qtype, rows)
                status = 422
            except services.AuthoringError as error:
                general.append(str(error))
                status = 422
            else:
                db.session.commit()
                flash(_("Saved as revision #%(n)s.", n=revision.number), "success")
                return redirect(url_for(".quiz", lesson_id=lesson.id) + f"#question-{key}")
    else:
        status = 422
    if qtype in ("single", "multiple"):
        _choice_rows(form, max(4, len(form.choices.entries) + (2 if request.method == "GET" else 0)))
    live = services.live_questions(lesson).get(original_key) if original_key is not None else None
    stats = services.answer_stats([live.id]).get(live.id) if live is not None else None
    flags = [item for item in services.review_items(lesson_id=lesson.id)
             if item.question is not None and item.question.key == original_key] if original_key else []
    return render_template("authoring/question_form.html", lesson=lesson, form=form, qtype=qtype,
                           original_key=original_key, general=general, choice_errors=choice_errors,
                           conflict=conflict, live=live,
                           stats=stats, flags=flags, existing=existing,
                           key_changed=live is not None and existing is not None
                           and services.key_changed(live, existing)), status


@bp.route("/lessons/<int:lesson_id>/quiz/new/<qtype>", methods=["GET", "POST"])
def new_question(lesson_id: int, qtype: str):
    lesson = _lesson_or_404(lesson_id)
    if qtype not in QUESTION_TYPES:
        abort(404)
    return _question_page(lesson, qtype, None)


@bp.route("/lessons/<int:lesson_id>/quiz/questions/<key>", methods=["GET", "POST"])
def edit_question(lesson_id: int, key: str):
    return _question_page(_lesson_or_404(lesson_id), "", key)


@bp.post("/lessons/<int:lesson_id>/quiz/questions/<key>/move")
def move_question(lesson_id: int, key: str):
    lesson = _lesson_or_404(lesson_id)
    form = RevisionedActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.move_question(lesson, key, "up" if request.form.get("direction") == "up" else "down",
                               current_user.id, _base(form))
    except RevisionConflict as error:
        return _stale(lesson, error)
    except services.AuthoringError as error:
        flash(str(error), "error")
        return redirect(url_for(".quiz", lesson_id=lesson_id))
    db.session.commit()
    return redirect(url_for(".quiz", lesson_id=lesson_id) + f"#question-{key}")


@bp.post("/lessons/<int:lesson_id>/quiz/questions/<key>/remove")
def remove_question(lesson_id: int, key: str):
    lesson = _lesson_or_404(lesson_id)
    form = RevisionedActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.remove_question(lesson, key, current_user.id, _base(form))
    except RevisionConflict as error:
        return _stale(lesson, error)
    except services.AuthoringError as error:
        flash(str(error), "error")
        return redirect(url_for(".quiz", lesson_id=lesson_id))
    db.session.commit()
    flash(_("Question “%(key)s” was removed from the draft. Past answers to it are kept.", key=key), "success")
    return redirect(url_for(".quiz", lesson_id=lesson_id))


@bp.post("/lessons/<int:lesson_id>/quiz/remove")
def remove_quiz(lesson_id: int):
    lesson = _lesson_or_404(lesson_id)
    form = RevisionedActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.remove_quiz(lesson, current_user.id, _base(form))
    except RevisionConflict as error:
        return _stale(lesson, error)
    db.session.commit()
    flash(_("The quiz was removed from the draft. Past attempts are kept."), "success")
    return redirect(url_for(".quiz", lesson_id=lesson_id))


@bp.route("/questions/<int:question_id>/regrade", methods=["GET", "POST"])
def regrade(question_id: int):
    question = db.session.get(Question, question_id) or abort(404)
    form = ActionForm()
    plan = services.plan_regrade(question)
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        services.apply_regrade(plan, current_user.id)
        db.session.commit()
        flash(_("%(n)s past answers were regraded against the current answer key: %(right)s now right, "
                "%(wrong)s now wrong; %(attempts)s scores changed.", n=len(plan.regrades), right=plan.to_right,
                wrong=plan.to_wrong, attempts=plan.attempts_changed), "success")
        return redirect(url_for(".quiz", lesson_id=question.quiz.lesson_id) + f"#question-{question.key}")
    return render_template("authoring/regrade.html", question=question, lesson=question.quiz.lesson, plan=plan,
                           form=form)


# --- the law changes ----------------------------------------------------------------------------------------

@bp.get("/reviews")
def reviews():
    reviewed = request.args.get("reviewed") == "1"
    return render_template("authoring/reviews.html", items=services.review_items(reviewed=reviewed),
                           reviewed=reviewed, changes=_change_labels(), form=ActionForm(formdata=None))


@bp.get("/reviews/<int:flag_id>")
def review(flag_id: int):
    item = services.get_flag(flag_id) or abort(404)
    old, new = services.flag_articles(item)
    rows = diff_side_by_side(old.text if old else "", new.text if new else "", context=2)
    return render_template("authoring/review.html", item=item, old=old, new=new, rows=rows,
                           changes=_change_labels(), label=law_name(item.flag.law_id) + article_name(
                               item.flag.article_num), form=ActionForm(formdata=None))


@bp.post("/reviews/<int:flag_id>/reviewed")
def mark_reviewed(flag_id: int):
    item = services.get_flag(flag_id) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    if services.mark_reviewed(item.flag, current_user.id):
        db.session.commit()
        flash(_("Marked as reviewed."), "success")
    else:
        flash(_("This was already marked as reviewed."), "info")
    if request.form.get("next") == "review":
        return redirect(url_for(".review", flag_id=flag_id))
    return redirect(url_for(".reviews"))


@bp.get("/citations/<law_id>/<num>")
def citing(law_id: str, num: str):
    found = services.citing(law_id, num)
    return render_template("authoring/citing.html", law_id=law_id, num=num, found=found,
                           label=law_name(law_id) + article_name(num))
