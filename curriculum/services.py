from sqlalchemy import select

from curriculum.models import Course
from extensions import db


def active_courses() -> list[Course]:
    return list(db.session.scalars(select(Course).where(Course.archived.is_(False)).order_by(Course.title)))
