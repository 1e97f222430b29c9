"""Cohort pages: the list, creating and editing a cohort, invites and joining, study sessions, the mentor's
review (matrix, item statistics, weakest articles, charts, the review deck), CSV exports, and the learner's
view of their own cohort.

A cohort the user may not see is "not found" (404), as with someone else's quiz attempt: its existence is not
theirs to know. A member who is not one of its mentors gets 403 on mentor pages.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from accounts.services import RegistrationRefused, user_registered
from cohorts import review, services
from cohorts.forms import ActionForm, CohortForm, JoinForm, MentorForm, PrivacyForm, SessionForm
from cohorts.models import Cohort
from common.auth import role_required
from common.spreadsheet import csv_text
from common.timeutil import utcnow
from extensions import db, limiter
from progress import services as progress

bp = Blueprint("cohorts", __name__)


def _join_limit() -> str:
    return current_app.config.get("JOIN_RATE_LIMIT", "30 per minute;200 per hour")


def _today() -> date:
    """Today where the cohort meets (the interface's time zone, Asia/Tokyo)."""
    return datetime.now(ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Tokyo")).date()


def _cohort_or_404(cohort_id: int) -> tuple[Cohort, services.Access]:
    cohort = services.get_cohort(cohort_id)
    if cohort is None:
        abort(404)
    allowed = services.access(current_user, cohort)
    if not allowed.visible:
        abort(404)
    return cohort, allowed


def _managed_cohort(cohort_id: int) -> Cohort:
    cohort, allowed = _cohort_or_404(cohort_id)
    if not allowed.manage:
        abort(403)
    return cohort


def _action_or_400() -> None:
    if not ActionForm().validate_on_submit():
        abort(400)


def _course_choices(form: CohortForm) -> None:
    form.course_id.choices = [SelectChoice(c.id, c.title) for c in services.courses()]


def _cohort_values(form: CohortForm) -> dict:
    return {"name": form.name.data or "", "course_id": form.course_id.data, "organisation": form.organisation.data,
            "starts_on": form.starts_on.data, "ends_on": form.ends_on.data, "stall_days": form.stall_days.data}


# --- list, create, edit ------------------------------------------------------------------------------------


@bp.get("/cohorts/")
@login_required
def index():
    return render_template("cohorts/index.html", listings=services.visible_cohorts(current_user),
                           join_form=JoinForm(formdata=None))


@bp.route("/cohorts/new", methods=["GET", "POST"])
@role_required("mentor")
def create():
    form = CohortForm()
    _course_choices(form)
    if not form.course_id.choices:
        flash(_("Import a course before creating a cohort."), "error")
        return redirect(url_for(".index"))
    if form.validate_on_submit():
        try:
            cohort = services.create_cohort(current_user, **_cohort_values(form))
        except services.CohortError as error:
            getattr(form, error.field or "name").errors.append(str(error))
        else:
            cohort_id = cohort.id
            db.session.commit()
            flash(_("The cohort was created. Share the invite link or code with its learners."), "success")
            return redirect(url_for(".detail", cohort_id=cohort_id))
    return render_template("cohorts/form.html", form=form, cohort=None), 422 if form.errors else 200


@bp.route("/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@login_required
def edit(cohort_id: int):
    cohort = _managed_cohort(cohort_id)
    form = CohortForm(obj=cohort)
    _course_choices(form)
    if form.validate_on_submit():
        try:
            services.update_cohort(cohort, **_cohort_values(form))
        except services.CohortError as error:
            getattr(form, error.field or "name").errors.append(str(error))
        else:
            db.session.commit()
            flash(_("The cohort was saved."), "success")
            return redirect(url_for(".detail", cohort_id=cohort_id))
    return render_template("cohorts/form.html", form=form, cohort=cohort), 422 if form.errors else 200


# --- the cohort page ---------------------------------------------------------------------------------------


@bp.get("/cohorts/<int:cohort_id>")
@login_required
def detail(cohort_id: int):
    cohort, allowed = _cohort_or_404(cohort_id)
    all_sessions = services.sessions(cohort.id)
    upcoming = services.next_session(all_sessions, _today())
    if allowed.manage:
        grid = review.matrix(cohort, utcnow())
        session_form = SessionForm(formdata=None)
        session_form.modules.choices = [SelectChoice(m.id, m.title) for m in grid.modules]
        return render_template(
            "cohorts/detail.html", cohort=cohort, sessions=all_sessions, upcoming=upcoming, grid=grid,
            members=services.members(cohort.id), session_form=session_form, mentor_form=MentorForm(formdata=None),
            action=ActionForm(formdata=None), invite_url=url_for(".invite", code=cohort.invite_code, _external=True),
            invite_code=services.display_code(cohort.invite_code), membership=allowed.membership)
    mine = progress.course_progress(current_user.id, cohort.course.slug)
    infos = review.modules(cohort.course_id)
    names, hidden = review.co_learners(cohort.id, current_user.id)
    return render_template(
        "cohorts/learner.html", cohort=cohort, sessions=all_sessions, upcoming=upcoming,
        mine=mine[0] if mine else None, aggregates=review.aggregates(cohort, infos), modules=infos,
        co_learners=names, hidden=hidden, mentors=[m for m in services.members(cohort.id) if m.role == "mentor"],
        membership=allowed.membership, privacy_form=PrivacyForm(hide_name=allowed.membership.hide_name),
        action=ActionForm(formdata=None))


# --- invites -----------------------------------------------------------------------------------------------


@bp.post("/cohorts/<int:cohort_id>/invite/rotate")
@login_required
def rotate_invite(cohort_id: int):
    cohort = _managed_cohort(cohort_id)
    _action_or_400()
    services.rotate_invite(cohort)
    db.session.commit()
    flash(_("A new invite code was made. The old link and code no longer work."), "success")
    return redirect(url_for(".detail", cohort_id=cohort_id))


@bp.post("/cohorts/<int:cohort_id>/invite/close")
@login_required
def close_invite(cohort_id: int):
    cohort = _managed_cohort(cohort_id)
    _action_or_400()
    services.set_invite_open(cohort, False)
    db.session.commit()
    flash(_("Invites are closed: the link and the code do not work until you open them again."), "success")
    return redirect(url_for(".detail", cohort_id=cohort_id))


@bp.post("/cohorts/<int:cohort_id>/invite/open")
@login_required
def open_invite(cohort_id: int):
    cohort = _managed_cohort(cohort_id)
    _action_or_400()
    services.set_invite_open(cohort, True)
    db.session.commit()
    flash(_("Invites are open again."), "success")
    return redirect(url_for(".detail", cohort_id=cohort_id))


@bp.get("/join/<code>")
@limiter.limit(_join_limit)
def invite(code: str):
    """The page an invite link opens. Signed out: remember the code (with REGISTRATION=invite it is what lets
    the person register) and offer to register or sign in; signed in: offer to join."""
    try:
        cohort = services.cohort_for_invite(code)
    except services.InviteInvalid as error:
        return render_template("cohorts/invite.html", cohort=None, error=str(error), form=None), 404
    if not current_user.is_authenticated:
        session["invite_code"] = cohort.invite_code
        return render_template("cohorts/invite.html", cohort=cohort, error=None, form=None,
                               here=url_for(".invite", code=cohort.invite_code))
    allowed = services.access(current_user, cohort)
    if allowed.member:
        return redirect(url_for(".detail", cohort_id=cohort.id))
    form = JoinForm(formdata=None, code=cohort.invite_code)
    return render_template("cohorts/invite.html", cohort=cohort, error=None, form=form)


@bp.route("/join", methods=["GET", "POST"])
@login_required
@limiter.limit(_join_limit, methods=["POST"])
def join():
    form = JoinForm()
    if form.validate_on_submit():
        try:
            membership = services.join(current_user, form.code.data)
        except services.CohortError as error:
            form.code.errors.append(str(error))
        else:
            cohort_id = membership.cohort_id
            session.pop("invite_code", None)
            db.session.commit()
            flash(_("You have joined the cohort."), "success")
            return redirect(url_for(".detail", cohort_id=cohort_id))
    return render_template("cohorts/join.html", form=form), 422 if form.errors else 200


@user_registered.connect
def _join_after_registration(_app, user, **_extra) -> None:
    """A person who opened an invite link and then registered joins its cohort in the same transaction."""
    code = session.pop("invite_code", None)
    if not code:
        return
    try:
        services.join(user, code)
    except services.CohortError as error:
        # The invite was closed or rotated after the person opened it. Where only an invite lets a person
        # register, the registration is undone; otherwise the account stays and the person is told.
        if current_app.config["REGISTRATION"] == "invite":
            raise RegistrationRefused(str(error)) from error
        flash(_("Your account is ready, but you have not joined the cohort: %(reason)s", reason=str(error)),
              "error")
        return
    flash(_("You have joined the cohort."), "success")


@bp.post("/cohorts/<int:cohort_id>/leave")
@login_required
def leave(cohort_id: int):
    cohort, allowed = _cohort_or_404(cohort_id)
    _action_or_400()
    if not allowed.member:
        abort(403)
    try:
        services.leave(allowed.membership)
    except services.CohortError as error:
        flash(str(error), "error")
        return redirect(url_for(".detail", cohort_id=cohort.id))
    db.session.commit()
    flash(_("You have left the cohort. Your progress in the course is kept."), "success")
    return redirect(url_for(".index"))


@bp.post("/cohorts/<int:cohort_id>/privacy")
@login_required
def privacy(cohort_id: int):
    _cohort, allowed = _cohort_or_404(cohort_id)
    form = PrivacyForm()
    if not form.validate_on_submit():
        abort(400)
    if not allowed.member:
        abort(403)
    services.set_hide_name(allowed.membership, form.hide_name.data)
    db.session.commit()
    flash(_("Your name is hidden from the other learners.") if form.hide_name.data
          else _("Your name is shown to the other learners."), "success")
    return redirect(url_for(".detail", cohort_id=cohort_id))


# --- members -----------------------------------------------------------------------------------------------


@bp.post("/cohorts/<int:cohort_id>/mentors")
@login_required
def add_mentor(cohort_id: int):
    cohort = _managed_cohort(cohort_id)
    form = MentorForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        flash(_("Enter the e-mail address of a mentor's account."), "error")
        return redirect(url_for(".detail", cohort_id=cohort_id))
    try:
        services.add_mentor(cohort, form.email.data)
    except services.CohortError as error:
        flash(str(error), "error")
        return redirect(url_for(".detail", cohort_id=cohort_id))
    db.session.commit()
    flash(_("The co-mentor was added."), "success")
    return redirect(url_for(".detail", cohort_id=cohort_id))


@bp.post("/cohorts/<int:cohort_id>/members/<int:membership_id>/remove")
@login_required
def remove_member(cohort_id: int, membership_id: int):
    cohort = _managed_cohort(cohort_id)
    _action_or_400()
    try:
        services.remove_member(cohort, membership_id)
    except services.CohortError as error:
        flash(str(error), "error")
        return redirect(url_for(".detail", cohort_id=cohort_id))
    db.session.commit()
    flash(_("The member was removed from the cohort. Their progress in the course is kept."), "success")
    return redirect(url_for(".detail", cohort_id=cohort_id))


# --- study sessions ----------------------------------------------------------------------------------------


def _session_form(cohort: Cohort, **kwargs) -> SessionForm:
    form = SessionForm(**kwargs)
    form.modules.choices = [SelectChoice(m.id, m.title) for m in services.course_modules(cohort.course_id)]
    return form


@bp.post("/cohorts/<int:cohort_id>/sessions")
@login_required
def add_session(cohort_id: int):
    cohort = _managed_cohort(cohort_id)
    form = _session_form(cohort)
    if form.validate_on_submit():
        try:
            services.add_session(cohort, form.held_on.data, form.modules.data, form.note.data)
        except services.CohortError as error:
            getattr(form, error.field or "held_on").errors.append(str(error))
        else:
            db.session.commit()
            flash(_("The meeting was added."), "success")
            return redirect(url_for(".detail", cohort_id=cohort_id) + "#sessions")
    if "csrf_token" in form.errors:
        abort(400)
    return render_template("cohorts/session.html", cohort=cohort, form=form, study_session=None, ready=None,
                           grid=None, action=ActionForm(formdata=None)), 422


@bp.route("/cohorts/<int:cohort_id>/sessions/<int:session_id>", methods=["GET", "POST"])
@login_required
def edit_session(cohort_id: int, session_id: int):
    cohort = _managed_cohort(cohort_id)
    study_session = services.get_session(cohort, session_id)
    if study_session is None:
        abort(404)
    if request.method == "GET":
        form = _session_form(cohort, formdata=None, obj=study_session)
        form.modules.data = [m.id for m in study_session.modules]
    else:
        form = _session_form(cohort)
    if form.validate_on_submit():
        try:
            services.update_session(study_session, form.held_on.data, form.modules.data, form.note.data)
        except services.CohortError as error:
            getattr(form, error.field or "held_on").errors.append(str(error))
        else:
            db.session.commit()
            flash(_("The meeting was saved."), "success")
            return redirect(url_for(".edit_session", cohort_id=cohort_id, session_id=session_id))
    grid = review.matrix(cohort, utcnow())
    return render_template("cohorts/session.html", cohort=cohort, form=form, study_session=study_session,
                           grid=grid, ready={r.user_id for r in grid.ready(study_session)},
                           action=ActionForm(formdata=None)), 422 if form.errors else 200


@bp.post("/cohorts/<int:cohort_id>/sessions/<int:session_id>/delete")
@login_required
def delete_session(cohort_id: int, session_id: int):
    cohort = _managed_cohort(cohort_id)
    _action_or_400()
    study_session = services.get_session(cohort, session_id)
    if study_session is None:
        abort(404)
    services.delete_session(study_session)
    db.session.commit()
    flash(_("The meeting was deleted."), "success")
    return redirect(url_for(".detail", cohort_id=cohort_id) + "#sessions")


# --- the mentor's review -----------------------------------------------------------------------------------


def _sort_args() -> tuple[str, bool]:
    key = request.args.get("sort", "name")
    if key not in review.SORTS and not (key.startswith("m") and key[1:].isdigit()):
        key = "name"
    return key, request.args.get("dir") == "desc"


@bp.get("/cohorts/<int:cohort_id>/review")
@login_required
def review_page(cohort_id: int):
    cohort = _managed_cohort(cohort_id)
    now = utcnow()
    # The two aggregates over every learner's work, kept per cohort until its activity changes (review.cached).
    grid = review.cached(cohort, "matrix", lambda: review.matrix(cohort, now))
    sort, descending = _sort_args()
    items = review.cached(cohort, "items", lambda: review.item_statistics(cohort))
    infos = review.questions(cohort.course_id)
    all_sessions = services.sessions(cohort.id)
    upcoming = services.next_session(all_sessions, _today())
    return render_template(
        "cohorts/review.html", cohort=cohort, grid=grid, rows=review.sort_rows(grid.rows, sort, descending),
        sort=sort, descending=descending, questions=review.question_rows(infos, items),
        articles=review.weakest_articles(cohort, items),
        charts=review.cached(cohort, "charts", lambda: review.charts(cohort, grid, _today())),
        upcoming=upcoming, ready=grid.ready(upcoming) if upcoming else [])


@bp.get("/cohorts/<int:cohort_id>/deck")
@login_required
def deck(cohort_id: int):
    cohort = _managed_cohort(cohort_id)
    now = utcnow()
    grid = review.cached(cohort, "matrix", lambda: review.matrix(cohort, now))
    items = review.cached(cohort, "items", lambda: review.item_statistics(cohort))
    infos = review.questions(cohort.course_id)
    upcoming = services.next_session(services.sessions(cohort.id), _today())
    return render_template(
        "cohorts/deck.html", cohort=cohort, upcoming=upcoming, grid=grid,
        ready=grid.ready(upcoming) if upcoming else [],
        items=review.deck(cohort, items, infos, upcoming, len(grid.rows)),
        articles=review.weakest_articles(cohort, items, limit=5))


def _csv(rows, name: str) -> Response:
    return Response(csv_text(rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "no-store"})


def _ratio(value: float | None):
    return None if value is None else round(value, 2)


@bp.get("/cohorts/<int:cohort_id>/matrix.csv")
@login_required
def export_matrix(cohort_id: int):
    cohort = _managed_cohort(cohort_id)
    grid = review.matrix(cohort, utcnow())
    header = [_("Learner"), _("Organisation"), _("Progress (%)"), _("Mean best quiz score (%)"),
              _("Last activity (Japan time)"), _("Not started"), _("Stalled")]
    for m in grid.modules:
        header += [_("%(module)s: lessons read", module=m.title), _("%(module)s: lessons finished", module=m.title),
                   _("%(module)s: quizzes passed", module=m.title), _("%(module)s: mean best score (%%)",
                                                                       module=m.title)]
    rows = [header]
    for row in grid.rows:
        line = [row.name, row.organisation, row.percent, row.score,
                format_datetime(row.last_activity, "yyyy-MM-dd HH:mm") if row.last_activity else None,
                _("yes") if row.not_started else "", _("yes") if row.stalled else ""]
        for m in grid.modules:
            cell = row.cells[m.id]
            line += [cell.read, cell.finished, cell.quizzes_passed, cell.score]
        rows.append(line)
    return _csv(rows, f"cohort-{cohort.id}-matrix.csv")


@bp.get("/cohorts/<int:cohort_id>/questions.csv")
@login_required
def export_questions(cohort_id: int):
    cohort = _managed_cohort(cohort_id)
    items = review.item_statistics(cohort)
    infos = review.questions(cohort.course_id)
    rows = [[_("Module"), _("Lesson"), _("Question key"), _("Question"), _("Answered"),
             _("Correct on first attempt"), _("Facility index"), _("Discrimination index"),
             _("Most-chosen wrong answer"), _("Chosen by")]]
    for r in review.question_rows(infos, items):
        rows.append([r.info.module_title, r.info.lesson_title, r.info.key, r.info.prompt, r.stats.answered,
                     r.stats.correct, _ratio(r.stats.facility), _ratio(r.stats.discrimination),
                     r.stats.wrong_answer, r.stats.wrong_count or None])
    return _csv(rows, f"cohort-{cohort.id}-questions.csv")
