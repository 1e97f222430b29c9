"""What the authoring tests share: a small pack to start from, and the forms a mentor posts."""

import re

from sqlalchemy import select

from contentpack.services import import_pack
from extensions import db
from lessons.models import Lesson, LessonRevision
from tests.contentpack.test_check import write_pack

BODY = """## ルール

地方公共団体の契約は、一般競争入札、指名競争入札、随意契約又はせり売りの方法により締結します [[自治法234条1項]]。

!!! contrast "民間との違い"
    企業なら取引先を自由に選べます。
"""


def import_demo(tmp_path) -> Lesson:
    """The demo pack of tests/contentpack (course demo, module keiyaku, lesson gensoku with a 2-question quiz),
    imported as `flask content import` does: the lesson is published and has revision 1."""
    import_pack(write_pack(tmp_path))
    db.session.commit()
    return db.session.scalar(select(Lesson).where(Lesson.slug == "gensoku"))


def head(lesson_id: int) -> LessonRevision:
    db.session.expire_all()
    return db.session.scalar(select(LessonRevision).where(LessonRevision.lesson_id == lesson_id)
                             .order_by(LessonRevision.number.desc()).limit(1))


def base_of(html: str) -> str:
    """The base revision id the page put in its form."""
    return re.search(r'name="base_revision"[^>]*value="(\d*)"', html).group(1)


def lesson_form(base: str = "", **overrides) -> dict:
    form = {"title": "契約は一般競争入札が原則", "summary": "自治体が物を買うとき", "minutes": "8",
            "objectives": "4つの方法を挙げられる\n原則と例外を説明できる", "tags": "契約、調達", "body": BODY,
            "note": "", "base_revision": base, "action": "save"}
    form.update(overrides)
    return form


def single_question(key: str = "principle-web", **overrides) -> dict:
    form = {"key": key, "prompt": "原則となる契約方法はどれですか。",
            "choices-0-text": "一般競争入札", "choices-0-correct": "y", "choices-0-feedback": "",
            "choices-1-text": "随意契約", "choices-1-feedback": "随意契約は例外です [[自治法234条2項]]。",
            "choices-2-text": "", "choices-3-text": "",
            "explanation": "一般競争入札が原則です [[自治法234条2項]]。", "difficulty": "1", "tags": "契約",
            "note": "", "action": "save"}
    form.update(overrides)
    return form


def question_form(qtype: str, key: str, **overrides) -> dict:
    """A valid question of each type, as the question editor posts it."""
    common = {"key": key, "explanation": "解説です [[自治法234条1項]]。", "difficulty": "2", "tags": "",
              "note": "", "action": "save"}
    by_type = {
        "single": {"prompt": "原則はどれですか。", "choices-0-text": "一般競争入札", "choices-0-correct": "y",
                   "choices-1-text": "随意契約"},
        "multiple": {"prompt": "競争入札はどれですか(すべて)。", "choices-0-text": "一般競争入札",
                     "choices-0-correct": "y", "choices-1-text": "指名競争入札", "choices-1-correct": "y",
                     "choices-2-text": "随意契約", "choices-2-feedback": "競争ではありません。"},
        "truefalse": {"prompt": "随意契約は自由に使える。", "answer": "false"},
        "number": {"prompt": "契約の方法はいくつですか。", "number": "4", "unit": "つ"},
        "order": {"prompt": "手続の順に並べてください。", "items": "公告\n入札\n落札者の決定\n契約の締結"},
    }
    return {**common, **by_type[qtype], **overrides}
