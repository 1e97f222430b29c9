from flask import Blueprint

bp = Blueprint("curriculum", __name__)


@bp.get("/")
def index():
    return "courses"
