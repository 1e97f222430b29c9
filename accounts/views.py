from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from accounts import services
from accounts.forms import LoginForm, RegisterForm
from accounts.models import User
from common.auth import ROLES, role_label, role_required
from common.urls import safe_next
from extensions import SUPPORTED_LOCALES, db, limiter, login_manager

bp = Blueprint("accounts", __name__)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id))


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_app.config["REGISTRATION"] == "invite" and not session.get("invite_code"):
        return render_template("accounts/register_closed.html"), 403
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(form.email.data, form.password.data, form.display_name.data,
                                        form.organisation.data or "")
        except services.AccountError as error:
            getattr(form, error.field).errors.append(str(error))
        else:
            try:
                services.user_registered.send(current_app._get_current_object(), user=user)
            except services.RegistrationRefused as refusal:
                db.session.rollback()  # nothing of the account is kept
                return render_template("accounts/register_closed.html", reason=str(refusal)), 403
            db.session.commit()
            login_user(user)
            flash(_("Welcome, %(name)s. Your account is ready.", name=user.display_name), "success")
            return redirect(safe_next(request.args.get("next"), url_for("progress.dashboard")))
    return render_template("accounts/register.html", form=form), 200 if not form.errors else 422


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data,
                                         current_app.config["LOGIN_LOCKOUT_FAILURES"],
                                         current_app.config["LOGIN_LOCKOUT_MINUTES"])
        except services.AccountLocked:
            db.session.commit()  # the failure that locked it counts
            form.password.errors.append(_(
                "Too many wrong passwords for this account: signing in is paused for %(minutes)s minutes. "
                "Try again later, or ask an administrator.", minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"]))
            return render_template("accounts/login.html", form=form), 429
        if user is None:
            db.session.commit()  # the count of wrong passwords
            form.password.errors.append(_("The e-mail address or password is not right."))
        else:
            db.session.commit()
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next"), url_for("progress.dashboard")))
    return render_template("accounts/login.html", form=form), 200 if not form.errors else 422


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("curriculum.index"))


@bp.post("/locale")
def set_locale():
    locale = request.form.get("locale")
    if locale in SUPPORTED_LOCALES:
        session["locale"] = locale
        if current_user.is_authenticated:
            current_user.locale = locale
            db.session.commit()
    return redirect(safe_next(request.form.get("next"), url_for("curriculum.index")))


@bp.get("/admin/users")
@role_required("admin")
def users():
    people = db.session.scalars(select(User).order_by(User.created_at)).all()
    return render_template("accounts/users.html", users=people, roles=ROLES)


@bp.post("/admin/users/<int:user_id>/role")
@role_required("admin")
def change_role(user_id: int):
    user = db.get_or_404(User, user_id)
    role = request.form.get("role", "")
    if role not in ROLES:
        flash(_("Unknown role: %(role)s", role=role), "error")
    elif user.id == current_user.id and role != "admin":
        flash(_("You cannot remove your own admin role."), "error")
    else:
        user.role = role
        db.session.commit()
        flash(_("%(name)s is now %(role)s.", name=user.display_name, role=role_label(role)), "success")
    return redirect(url_for("accounts.users"))
