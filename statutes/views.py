from flask import Blueprint

bp = Blueprint("statutes", __name__)


@bp.get("/statutes/")
def index():
    return "statutes"
