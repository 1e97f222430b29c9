"""Every lesson and every quiz of the bundled course, at phone width: axe-core, structure and no horizontal
scrolling. The journeys see a few pages at two sizes with screenshots; this sees the whole course's content
(tables, long statute names, long choices) where it is most likely to break: on a 390 px screen."""

import re

from tests.e2e.support import PHONE, register

COURSE = "/courses/jichiho-hajimeno-ippo/"


def test_every_lesson_and_quiz_works_on_a_phone(page, audit):
    register(page)
    page.goto(COURSE)
    lessons = page.eval_on_selector_all(".lesson-list a", "links => links.map(a => a.getAttribute('href'))")
    assert len(lessons) >= 50, lessons
    page.set_viewport_size(PHONE)
    quizzes = []
    for href in lessons:
        page.goto(href)
        slug = href.rstrip("/").rsplit("/", 1)[1]
        audit.check(page, f"every-lesson-{slug}", sizes=(("phone", PHONE),), screenshots=False)
        quiz = page.locator(".lesson-actions a.button.primary")
        if quiz.count():
            quizzes.append((slug, quiz.get_attribute("href")))
    assert len(quizzes) >= 50, quizzes
    for slug, href in quizzes:
        assert re.fullmatch(r"/quizzes/\d+", href), href
        page.goto(href)
        audit.check(page, f"every-quiz-{slug}", sizes=(("phone", PHONE),), screenshots=False)
