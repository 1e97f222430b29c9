"""A newcomer's first hour, over HTTP, on the real course and the real statute text."""

import re

from sqlalchemy import select

from extensions import db
from quizzes.models import Question, Quiz


def correct_form(quiz_page: str, questions: dict[int, Question]) -> dict:
    """Answer every question on the page rightly, using the answer key from the database (never the page)."""
    form: dict = {}
    for qid in map(int, re.findall(r'name="q-(\d+)"', quiz_page)):
        question = questions[qid]
        data = question.data
        name = f"q-{qid}"
        if question.type == "single":
            form[name] = str(next(i for i, c in enumerate(data["choices"]) if c["correct"]))
        elif question.type == "multiple":
            form[name] = [str(i) for i, c in enumerate(data["choices"]) if c["correct"]]
        elif question.type == "truefalse":
            form[name] = "true" if data["answer"] else "false"
        elif question.type == "number":
            form[name] = str(data["answer"])
        elif question.type == "order":
            form[name] = [str(i) for i in range(len(data["items"]))]
    return form


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

    # The quiz, answered wrongly (empty) then rightly.
    quiz_url = re.search(r'href="(/quizzes/\d+)"', lesson).group(1)
    quiz_id = int(quiz_url.rsplit("/", 1)[1])
    questions = {q.id: q for q in db.session.scalars(select(Question).where(Question.quiz_id == quiz_id))}
    page = client.get(quiz_url).get_data(as_text=True)
    failed = client.post(quiz_url, data={}, follow_redirects=True).get_data(as_text=True)
    assert "0%" in failed
    page = client.get(quiz_url).get_data(as_text=True)
    result = client.post(quiz_url, data=correct_form(page, questions), follow_redirects=True)
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
    module_lessons = len([ls for ls in quiz.lesson.module.lessons]) if hasattr(quiz.lesson.module, "lessons") else None
    assert "100%" in dashboard
    assert re.search(r'value="(\d+)"', dashboard)
    del module_lessons
