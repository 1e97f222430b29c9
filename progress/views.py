from flask import Blueprint

bp = Blueprint("progress", __name__)


@bp.get("/dashboard")
def dashboard():
    return "dashboard"
