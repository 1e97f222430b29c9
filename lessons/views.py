from flask import Blueprint

bp = Blueprint("lessons", __name__)


@bp.get("/glossary")
def glossary():
    return "glossary"
