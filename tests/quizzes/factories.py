"""Test factories: a course → module → lesson → quiz with questions of every type, built directly as rows."""

import itertools

from curriculum.models import Course, Module
from extensions import db
from lessons.models import Lesson
from quizzes.models import Attempt, Question, Quiz

_serial = itertools.count(1)

NUMBER_ANSWER = 7321  # unusual enough that finding it on a page means the key leaked


def five_questions(tag: str = "") -> list[dict]:
    """One question of each type; every feedback and explanation text is unique, to search pages for."""
    return [
        {"key": "single", "type": "single", "prompt": f"単一選択の問い{tag}",
         "data": {"choices": [
             {"text": f"正しい選択肢{tag}", "correct": True, "feedback": ""},
             {"text": f"誤った選択肢A{tag}", "correct": False, "feedback": f"FEEDBACK-single-A{tag}"},
             {"text": f"誤った選択肢B{tag}", "correct": False, "feedback": ""}]}},
        {"key": "multiple", "type": "multiple", "prompt": f"複数選択の問い{tag}",
         "data": {"choices": [
             {"text": f"当たり1{tag}", "correct": True, "feedback": f"FEEDBACK-multi-right{tag}"},
             {"text": f"当たり2{tag}", "correct": True, "feedback": ""},
             {"text": f"外れ{tag}", "correct": False, "feedback": f"FEEDBACK-multi-wrong{tag}"}]}},
        {"key": "truefalse", "type": "truefalse", "prompt": f"正誤の問い{tag}", "data": {"answer": False}},
        {"key": "number", "type": "number", "prompt": f"数値の問い{tag}",
         "data": {"answer": NUMBER_ANSWER, "unit": "万円"}},
        {"key": "order", "type": "order", "prompt": f"並べ替えの問い{tag}",
         "data": {"items": [f"手順一{tag}", f"手順二{tag}", f"手順三{tag}", f"手順四{tag}"]}},
    ]


def make_quiz(questions: list[dict] | None = None, *, count: int | None = None, pass_mark: int = 80,
              title: str = "確認問題:テスト") -> Quiz:
    """A quiz in its own course/module/lesson. `count` repeats the five types to make that many questions."""
    n = next(_serial)
    course = Course(slug=f"course-{n}", title=f"コース{n}")
    module = Module(course=course, slug=f"module-{n}", position=1, title=f"モジュール{n}")
    lesson = Lesson(module=module, slug=f"lesson-{n}", position=1, title=f"レッスン{n}", source="", html="")
    quiz = Quiz(lesson=lesson, title=title, pass_mark=pass_mark)
    if questions is None:
        questions = []
        for round_ in itertools.count():
            for spec in five_questions(f"-{n}-{round_}"):
                if len(questions) < (count or 5):
                    questions.append(dict(spec, key=f"{spec['key']}-{round_}"))
            if len(questions) >= (count or 5):
                break
    for position, spec in enumerate(questions, start=1):
        key = spec["key"]
        quiz.questions.append(Question(
            key=key, position=position, type=spec["type"], prompt=spec["prompt"], data=spec["data"],
            explanation=f"EXPLANATION-SOURCE-{n}-{key}",
            explanation_html=(f'<p>EXPLANATION-{n}-{key} <a class="cite" '
                              f'href="/statutes/322AC0000000067/234">地方自治法第234条</a></p>'),
            difficulty=1, tags=[]))
    db.session.add(quiz)
    db.session.commit()
    return quiz


def open_attempt(user_id: int, quiz_id: int) -> Attempt | None:
    return db.session.scalar(db.select(Attempt).where(
        Attempt.user_id == user_id, Attempt.quiz_id == quiz_id, Attempt.submitted_at.is_(None)))


def answer_form(attempt: Attempt, questions: list[Question], right: bool = True) -> dict:
    """A form answering every question of the attempt rightly (or every one wrongly), in display positions:
    the key comes from the database, never from the page."""
    form: dict = {"attempt_id": str(attempt.id)}
    for q in questions:
        if q.id not in attempt.question_order:
            continue
        name = f"q-{q.id}"
        order = attempt.choice_order.get(str(q.id))
        shown = {original: position for position, original in enumerate(order)} if order else {}
        if q.type in ("single", "multiple"):
            chosen = [i for i, c in enumerate(q.data["choices"]) if c["correct"] == right]
            if q.type == "single":
                chosen = chosen[:1]
            form[name] = [str(shown[i]) for i in chosen]
        elif q.type == "truefalse":
            form[name] = "true" if q.data["answer"] == right else "false"
        elif q.type == "number":
            form[name] = str(q.data["answer"] if right else q.data["answer"] + 1)
        elif q.type == "order":
            originals = list(range(len(q.data["items"])))
            if not right:
                originals.reverse()
            form[name] = [str(shown[i]) for i in originals]
    return form
