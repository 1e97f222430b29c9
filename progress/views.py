from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from progress import services

bp = Blueprint("progress", __name__)


@bp.get("/courses/<course_slug>/")
def course(course_slug: str):
    """The syllabus: modules and lessons in order, with the learner's progress when signed in."""
    user_id = current_user.id if current_user.is_authenticated else None
    found = services.course_progress(user_id, course_slug)
    if not found:
        abort(404)
    return render_template("progress/course.html", progress=found[0])


@bp.get("/dashboard")
@login_required
def dashboard():
    return render_template("progress/dashboard.html", courses=services.course_progress(current_user.id))
