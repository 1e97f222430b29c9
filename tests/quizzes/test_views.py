"""The quiz pages over HTTP: take, fail, retake, pass; no answer key on the page; who may see what."""

import re

import pytest
from flask import g
from sqlalchemy import func, select

from extensions import db
from quizzes.models import Attempt, Question, Quiz, Response
from tests.conftest import login, make_user
from tests.quizzes.factories import NUMBER_ANSWER, answer_form, make_quiz, open_attempt


@pytest.fixture
def quiz(app):
    return make_quiz(pass_mark=80)


def sign_in(client, email: str) -> None:
    """Sign in and switch the interface to English, so that assertions do not depend on the wording of the
    Japanese catalog (one test below checks the Japanese page)."""
    login(client, email)
    client.post("/locale", data={"locale": "en"})


def signed_in(client, users, role="learner"):
    sign_in(client, f"{role}@example.jp")
    return users[role]


def questions_of(quiz_id: int) -> list[Question]:
    return list(db.session.scalars(select(Question).where(Question.quiz_id == quiz_id)))


def take(client, quiz_id: int, user_id: int, right: bool | dict = True):
    """Open the quiz page and submit it answered rightly or wrongly; returns (attempt id, response)."""
    page = client.get(f"/quizzes/{quiz_id}")
    assert page.status_code == 200
    attempt = open_attempt(user_id, quiz_id)
    form = answer_form(attempt, questions_of(quiz_id), right=right)
    response = client.post(f"/quizzes/{quiz_id}", data=form)
    return attempt.id, response


def form_part(html: str) -> str:
    start = html.index('<form method="post" action="/quizzes/')
    return html[start:html.index("</form>", start)]


def test_learner_fails_retakes_and_passes(client, users, quiz):
    learner = signed_in(client, users)
    quiz_id = quiz.id
    first_id, response = take(client, quiz_id, learner.id, right=False)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/attempts/{first_id}")
    page = client.get(f"/attempts/{first_id}").get_data(as_text=True)
    assert "0%" in page and "Not passed yet" in page and "Take the quiz again" in page

    retake = client.post(f"/quizzes/{quiz_id}/retake")
    assert retake.status_code == 302 and retake.headers["Location"].endswith(f"/quizzes/{quiz_id}")
    page = client.get(f"/quizzes/{quiz_id}").get_data(as_text=True)
    assert "1 (<a" in page and "0%" in page  # one attempt so far, best 0%
    second_id, response = take(client, quiz_id, learner.id, right=True)
    assert second_id != first_id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "100%" in page and "Passed" in page and "5 of 5 questions correct" in page

    attempts = db.session.scalars(select(Attempt).order_by(Attempt.id)).all()
    assert [(a.score, a.passed) for a in attempts] == [(0, False), (100, True)]

    history = client.get(f"/quizzes/{quiz_id}/history").get_data(as_text=True)
    assert history.count('href="/attempts/') == 2
    best_row = re.search(r'<tr class="quiz-best">.*?</tr>', history, re.S).group(0)
    assert f"/attempts/{second_id}" in best_row and "Best" in best_row
    assert history.count('class="quiz-best"') == 1


def test_the_quiz_page_never_contains_the_answer_key(client, users, quiz):
    signed_in(client, users)
    html = client.get(f"/quizzes/{quiz.id}").get_data(as_text=True)
    form = form_part(html)
    for question in questions_of(quiz.id):
        assert question.explanation_html not in html
        assert question.explanation not in html
        assert "EXPLANATION-" not in html
        for choice in question.data.get("choices", []):
            assert choice["text"] in html  # the choices are shown …
            if choice["feedback"]:
                assert choice["feedback"] not in html  # … their feedback is not
    assert "FEEDBACK" not in html
    assert str(NUMBER_ANSWER) not in html
    assert "correct" not in form.lower() and "feedback" not in form.lower()
    assert "data-" not in form
    # Values are display positions: the order question's options are not numbered in the right order.
    attempt = db.session.scalar(select(Attempt))
    order_q = next(q for q in questions_of(quiz.id) if q.type == "order")
    select_html = re.search(rf'<select name="q-{order_q.id}".*?</select>', form, re.S).group(0)
    texts = re.findall(r'<option value="(\d+)">([^<]+)</option>', select_html)
    items = order_q.data["items"]
    assert [text for _, text in texts] == [items[i] for i in attempt.choice_order[str(order_q.id)]]
    assert [int(v) for v, _ in texts] == list(range(len(items)))


def test_the_form_is_usable_without_javascript(client, users, quiz):
    signed_in(client, users)
    form = form_part(client.get(f"/quizzes/{quiz.id}").get_data(as_text=True))
    ids = re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', form)
    assert ids and len(ids) == len(set(ids))
    for element_id in ids:
        assert f'<label for="{element_id}"' in form, element_id
    assert form.count("<fieldset") == 5 and form.count("<legend>") == 5
    assert 'inputmode="decimal"' in form and "万円" in form
    assert 'type="radio"' in form and 'type="checkbox"' in form and form.count("<select") == 4
    assert ">True</label>" in form and ">False</label>" in form
    assert '<button type="submit"' in form and 'name="csrf_token"' in form


def test_the_pages_are_japanese_by_default(client, users, quiz):
    login(client, "learner@example.jp")
    form = form_part(client.get(f"/quizzes/{quiz.id}").get_data(as_text=True))
    assert ">正しい</label>" in form and ">誤り</label>" in form


def test_the_result_shows_answers_feedback_and_explanations(client, users, quiz):
    learner = signed_in(client, users)
    attempt = (client.get(f"/quizzes/{quiz.id}"), open_attempt(learner.id, quiz.id))[1]
    questions = questions_of(quiz.id)
    form = answer_form(attempt, questions, right=False)
    number = next(q for q in questions if q.type == "number")
    form[f"q-{number.id}"] = "７,３２１万円"  # right, typed with full-width digits and the unit
    order = next(q for q in questions if q.type == "order")
    form[f"q-{order.id}"] = ["", "", "", ""]  # left unanswered
    response = client.post(f"/quizzes/{quiz.id}", data=form, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "20%" in html and "1 of 5 questions correct" in html
    for question in questions:
        assert question.explanation_html in html  # unescaped, with its statute link
    assert '<a class="cite" href="/statutes/322AC0000000067/234">' in html
    assert html.count(">Incorrect</span>") == 4 and html.count(">Correct</span>") == 1
    assert html.count('aria-hidden="true">✘ </span>') >= 4  # not by colour alone: text and icon
    assert "Not answered" in html
    assert "7321万円" in html
    assert "FEEDBACK-single-A" in html  # the wrong choice the learner took
    assert "FEEDBACK-multi-wrong" in html and "FEEDBACK-multi-right" in html
    assert "you chose this; it is not right" in html
    # Questions are listed in the order the attempt showed them.
    prompts = {q.id: q.prompt for q in questions}
    positions = [html.index(prompts[qid]) for qid in attempt.question_order]
    assert positions == sorted(positions)


def test_unreadable_answers_show_the_form_again(client, users, quiz):
    learner = signed_in(client, users)
    client.get(f"/quizzes/{quiz.id}")
    attempt = open_attempt(learner.id, quiz.id)
    questions = questions_of(quiz.id)
    form = answer_form(attempt, questions)
    number = next(q for q in questions if q.type == "number")
    order = next(q for q in questions if q.type == "order")
    form[f"q-{number.id}"] = "たくさん"
    form[f"q-{order.id}"] = ["0", "0", "1", "2"]
    response = client.post(f"/quizzes/{quiz.id}", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'role="alert"' in html and f'href="#q-{number.id}"' in html
    assert f'id="q-{number.id}-error"' in html and f'id="q-{order.id}-error"' in html
    assert 'value="たくさん"' in html  # what was typed is kept
    assert "Each item can be placed only once." in html
    assert db.session.scalar(select(func.count(Response.id))) == 0
    assert open_attempt(learner.id, quiz.id).id == attempt.id


def test_shuffling_is_remembered_across_reloads(client, users, app):
    quiz = make_quiz(count=15)
    learner = signed_in(client, users)

    def names(html):
        return list(dict.fromkeys(re.findall(r'name="(q-\d+)"', html)))

    first = client.get(f"/quizzes/{quiz.id}").get_data(as_text=True)
    second = client.get(f"/quizzes/{quiz.id}").get_data(as_text=True)
    assert names(first) == names(second) and len(names(first)) == 15
    assert form_part(first).replace("\n", "") == form_part(second).replace("\n", "")
    assert db.session.scalar(select(func.count(Attempt.id))) == 1
    attempt = open_attempt(learner.id, quiz.id)
    assert names(first) == [f"q-{qid}" for qid in attempt.question_order]


def test_a_double_submit_records_one_result(client, users, quiz):
    learner = signed_in(client, users)
    attempt_id, response = take(client, quiz.id, learner.id, right=True)
    attempt = db.session.get(Attempt, attempt_id)
    again = client.post(f"/quizzes/{quiz.id}", data=answer_form(attempt, questions_of(quiz.id), right=False))
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/attempts/{attempt_id}")
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "already been submitted" in page and "100%" in page
    assert db.session.scalar(select(func.count(Attempt.id)).where(Attempt.submitted_at.is_not(None))) == 1
    assert db.session.scalar(select(func.count(Response.id))) == 5


def test_submitting_without_an_open_attempt_goes_back_to_the_quiz(client, users, quiz):
    signed_in(client, users)
    response = client.post(f"/quizzes/{quiz.id}", data={})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/quizzes/{quiz.id}")
    assert db.session.scalar(select(func.count(Attempt.id))) == 0


def test_submitting_the_open_attempt_without_its_id(client, users, quiz):
    signed_in(client, users)
    client.get(f"/quizzes/{quiz.id}")
    response = client.post(f"/quizzes/{quiz.id}", data={}, follow_redirects=True)
    assert response.status_code == 200 and "0%" in response.get_data(as_text=True)


def test_another_learner_cannot_see_an_attempt_but_mentors_can(client, users, quiz):
    learner = signed_in(client, users)
    attempt_id, _ = take(client, quiz.id, learner.id)
    client.post("/logout")
    make_user("other@example.jp")
    sign_in(client, "other@example.jp")
    assert client.get(f"/attempts/{attempt_id}").status_code == 404
    other_history = client.get(f"/quizzes/{quiz.id}/history").get_data(as_text=True)
    assert f"/attempts/{attempt_id}" not in other_history
    # Nor submit into someone else's attempt.
    client.get(f"/quizzes/{quiz.id}")
    assert client.post(f"/quizzes/{quiz.id}", data={"attempt_id": str(attempt_id)}).status_code == 404
    client.post("/logout")
    for role in ("mentor", "admin"):
        sign_in(client, f"{role}@example.jp")
        page = client.get(f"/attempts/{attempt_id}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "Attempt by learner" in html and "Take the quiz again" not in html
        client.post("/logout")


@pytest.mark.parametrize(("method", "path"), [
    ("get", "/quizzes/{quiz}"), ("post", "/quizzes/{quiz}"), ("post", "/quizzes/{quiz}/retake"),
    ("get", "/quizzes/{quiz}/history"), ("get", "/attempts/1"),
])
def test_anonymous_is_sent_to_sign_in(client, quiz, method, path):
    response = getattr(client, method)(path.format(quiz=quiz.id))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["learner", "mentor", "admin"])
def test_every_role_can_take_a_quiz(client, users, quiz, role):
    user = signed_in(client, users, role)
    attempt_id, response = take(client, quiz.id, user.id)
    assert response.status_code == 302
    assert client.get(f"/attempts/{attempt_id}").status_code == 200
    assert client.get(f"/quizzes/{quiz.id}/history").status_code == 200


def test_archived_and_missing_quizzes(client, users, quiz):
    learner = signed_in(client, users)
    attempt_id, _ = take(client, quiz.id, learner.id)
    assert client.get("/quizzes/999999").status_code == 404
    assert client.get("/attempts/999999").status_code == 404
    db.session.get(Quiz, quiz.id).archived = True
    db.session.commit()
    assert client.get(f"/quizzes/{quiz.id}").status_code == 404
    assert client.post(f"/quizzes/{quiz.id}", data={}).status_code == 404
    assert client.post(f"/quizzes/{quiz.id}/retake").status_code == 404
    # What the learner did stays readable.
    result = client.get(f"/attempts/{attempt_id}")
    assert result.status_code == 200 and "Take the quiz again" not in result.get_data(as_text=True)
    assert client.get(f"/quizzes/{quiz.id}/history").status_code == 200


def test_archived_questions_are_not_shown(client, users, quiz):
    signed_in(client, users)
    questions = questions_of(quiz.id)
    questions[0].archived = True
    db.session.commit()
    html = client.get(f"/quizzes/{quiz.id}").get_data(as_text=True)
    assert questions[0].prompt not in html and questions[1].prompt in html


def test_draft_lessons_quiz_is_for_mentors_only(client, users, quiz):
    quiz.lesson.status = "draft"
    db.session.commit()
    signed_in(client, users)
    assert client.get(f"/quizzes/{quiz.id}").status_code == 404
    assert client.get(f"/quizzes/{quiz.id}/history").status_code == 404
    client.post("/logout")
    signed_in(client, users, "mentor")
    assert client.get(f"/quizzes/{quiz.id}").status_code == 200


def test_a_quiz_changed_while_open_is_shown_again(client, users, quiz):
    learner = signed_in(client, users)
    client.get(f"/quizzes/{quiz.id}")
    attempt = open_attempt(learner.id, quiz.id)
    form = answer_form(attempt, questions_of(quiz.id))
    db.session.get(Quiz, quiz.id).questions.append(
        Question(key="late", position=99, type="truefalse", prompt="後から追加された問い",
                 data={"answer": True}))
    db.session.commit()
    response = client.post(f"/quizzes/{quiz.id}", data=form, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "updated while you were answering" in html and "後から追加された問い" in html
    assert db.session.scalar(select(func.count(Response.id))) == 0


def test_the_result_links_back_to_the_lesson(client, users, quiz):
    learner = signed_in(client, users)
    attempt_id, _ = take(client, quiz.id, learner.id)
    lesson = db.session.get(Quiz, quiz.id).lesson
    html = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert f'href="/courses/{lesson.module.course.slug}/{lesson.module.slug}/{lesson.slug}"' in html


def test_a_quiz_without_questions(client, users):
    quiz = make_quiz(questions=[])
    signed_in(client, users)
    response = client.get(f"/quizzes/{quiz.id}")
    assert response.status_code == 200 and "no questions yet" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Attempt.id))) == 0


def fresh_request():
    """Tests share one app context, hence one session and one `g`, across requests; a real request starts with
    neither loaded rows nor a loaded user. Start each counted request like that."""
    db.session.expunge_all()
    g.pop("_login_user", None)


def test_queries_do_not_grow_with_the_number_of_questions(client, users, count_queries):
    learner_id = signed_in(client, users).id
    counts = {}
    for size in (3, 15):
        quiz_id = make_quiz(count=size).id
        seen, location = {}, None
        for name, method, path in (("start", "get", "/quizzes/{}"), ("reload", "get", "/quizzes/{}"),
                                   ("submit", "post", "/quizzes/{}"), ("result", "get", None),
                                   ("history", "get", "/quizzes/{}/history")):
            data = None
            if name == "submit":
                attempt = open_attempt(learner_id, quiz_id)
                data = answer_form(attempt, questions_of(quiz_id), right=False)
            fresh_request()
            with count_queries() as statements:
                response = getattr(client, method)(path.format(quiz_id) if path else location, data=data)
            assert response.status_code in (200, 302), (name, response.status_code)
            location = response.headers.get("Location")
            seen[name] = len(statements)
        counts[size] = seen
    assert counts[3] == counts[15], counts
    assert max(counts[3].values()) <= 8, counts
