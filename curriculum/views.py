from flask import Blueprint, render_template

from curriculum import services

bp = Blueprint("curriculum", __name__)


@bp.get("/")
def index():
    return render_template("curriculum/index.html", courses=services.active_courses())
