"""Role checks for views. Roles are ordered: an admin can do what a mentor can, a mentor what a learner can."""

from functools import wraps

from flask import abort
from flask_login import current_user

ROLES = ("learner", "mentor", "admin")


def role_label(role: str) -> str:
    from flask_babel import gettext as _

    return {"learner": _("Learner"), "mentor": _("Mentor"), "admin": _("Administrator")}.get(role, role)


def has_role(user, role: str) -> bool:
    return bool(user and user.is_authenticated and ROLES.index(user.role) >= ROLES.index(role))


def role_required(role: str):
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            from extensions import login_manager

            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not has_role(current_user, role):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
