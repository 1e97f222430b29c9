"""Builds courses of any size directly in the database, for tests that need shape rather than real content."""

from curriculum.models import Course, Module
from extensions import db
from lessons.models import Lesson, LessonCitation
from quizzes.models import Question, Quiz


def make_course(modules: int = 1, lessons: int = 2, questions: int = 2, slug: str = "demo") -> Course:
    course = Course(slug=slug, title=f"講座 {slug}", summary="テスト用の講座")
    db.session.add(course)
    db.session.flush()
    for m in range(1, modules + 1):
        module = Module(course_id=course.id, slug=f"m{m}", position=m, title=f"モジュール{m}", objectives=[],
                        requires=[])
        db.session.add(module)
        db.session.flush()
        for n in range(1, lessons + 1):
            lesson = Lesson(module_id=module.id, slug=f"l{n}", position=n, title=f"レッスン{m}-{n}", minutes=5,
                            objectives=["目標"], tags=[], source="本文", html="<p>本文</p>", status="published")
            lesson.citations.append(LessonCitation(law_id="322AC0000000067", article_num="234", paragraph=1,
                                                   item=None, label="地方自治法第234条第1項"))
            db.session.add(lesson)
            db.session.flush()
            quiz = Quiz(lesson_id=lesson.id, title=f"確認問題{m}-{n}", pass_mark=50)
            db.session.add(quiz)
            db.session.flush()
            for q in range(1, questions + 1):
                db.session.add(Question(
                    quiz_id=quiz.id, key=f"q{q}", position=q, type="truefalse", prompt=f"問{q}",
                    explanation="<p>解説</p>", explanation_html="<p>解説</p>", data={"answer": True},
                    difficulty=1, tags=[]))
    db.session.commit()
    return course
