"""A newcomer's first hour, over HTTP, on the real course and the real statute text."""

import re

from sqlalchemy import func, select

from extensions import db
from lessons.models import Lesson
from quizzes.models import Attempt, Question, Quiz


def correct_form(attempt: Attempt, questions: dict[int, Question]) -> dict:
    """Answer every question rightly, using the answer key from the database (the page never holds it). The
    page posts display positions, so original indices go through the attempt's shuffled order."""
    form: dict = {}
    for qid in attempt.question_order:
        question = questions[qid]
        data = question.data
        shown = attempt.choice_order.get(str(qid), [])
        name = f"q-{qid}"
        if question.type == "single":
            form[name] = str(shown.index(next(i for i, c in enumerate(data["choices"]) if c["correct"])))
        elif question.type == "multiple":
            form[name] = [str(shown.index(i)) for i, c in enumerate(data["choices"]) if c["correct"]]
        elif question.type == "truefalse":
            form[name] = "true" if data["answer"] else "false"
        elif question.type == "number":
            form[name] = str(data["answer"])
        elif question.type == "order":
            form[name] = [str(shown.index(i)) for i in range(len(data["items"]))]
    return form


def open_attempt(quiz_id: int) -> Attempt:
    return db.session.scalar(select(Attempt).where(Attempt.quiz_id == quiz_id, Attempt.submitted_at.is_(None)))


def test_newcomer_walks_through_the_course(client, loaded):
    # Register: the newcomer lands on the dashboard.
    response = client.post("/register", data={
        "email": "newcomer@example.jp", "display_name": "佐藤", "organisation": "〇〇町 DX推進室",
        "password": "machi-no-dx-2027", "confirm": "machi-no-dx-2027"}, follow_redirects=True)
    assert response.status_code == 200 and "佐藤" in response.get_data(as_text=True)

    # The catalogue and the course page.
    catalogue = client.get("/").get_data(as_text=True)
    assert "地方自治法 はじめの一歩" in catalogue
    course = client.get("/courses/jichiho-hajimeno-ippo/").get_data(as_text=True)
    first = re.search(r'href="(/courses/jichiho-hajimeno-ippo/hojin-no-kihon/[^"]+)"', course).group(1)

    # The first lesson: statute links that resolve to article pages, and the 民間との違い box.
    lesson = client.get(first).get_data(as_text=True)
    assert '<div class="admonition contrast">' in lesson
    links = re.findall(r'<a class="cite" href="(/statutes/[^"#]+)', lesson)
    assert len(set(links)) >= 3
    assert client.get(links[0]).status_code == 200
    assert client.post(first + "/done").status_code == 302

    # The quiz: answered wrongly (fails), retaken, answered rightly (passes).
    quiz_url = re.search(r'href="(/quizzes/\d+)"', lesson).group(1)
    quiz_id = int(quiz_url.rsplit("/", 1)[1])
    questions = {q.id: q for q in db.session.scalars(select(Question).where(Question.quiz_id == quiz_id))}
    page = client.get(quiz_url).get_data(as_text=True)
    assert len(re.findall(r"<fieldset", page)) == len(questions)
    attempt = open_attempt(quiz_id)
    wrong = {name: ("false" if value == "true" else "true") for name, value in correct_form(attempt, questions).items()
             if value in ("true", "false")}
    failed = client.post(quiz_url, data={"attempt_id": attempt.id, **wrong}, follow_redirects=True)
    assert failed.status_code == 200
    assert "まだ合格していません" in failed.get_data(as_text=True)
    client.post(f"/quizzes/{quiz_id}/retake")
    client.get(quiz_url)
    attempt = open_attempt(quiz_id)
    result = client.post(quiz_url, data={"attempt_id": attempt.id, **correct_form(attempt, questions)},
                         follow_redirects=True)
    html = result.get_data(as_text=True)
    assert result.status_code == 200 and "100%" in html
    # The result explains each answer with its articles.
    some = next(iter(questions.values()))
    assert some.explanation_html[:40] in html
    assert re.search(r'<a class="cite" href="/statutes/', html)

    # The dashboard shows the module's progress and the quiz score.
    quiz = db.session.get(Quiz, quiz_id)
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert quiz.lesson.module.title in dashboard
    assert "100%" in dashboard  # the quiz's best score
    module_size = db.session.scalar(select(func.count(Lesson.id)).where(Lesson.module_id == quiz.lesson.module_id))
    assert f"1 / {module_size}" in dashboard  # one lesson of the module read
