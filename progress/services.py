"""The read side of learning: what a learner has done in each module, how their quizzes went, and what to take
next. Progress is derived from completions and attempts (never stored), with a fixed number of queries."""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import load_only

from curriculum.models import Course, Module
from extensions import db
from lessons.models import Lesson, LessonCompletion
from quizzes.models import Attempt, Quiz


@dataclass
class LessonState:
    lesson: Lesson
    done: bool
    quiz_id: int | None
    pass_mark: int | None
    best_score: int | None
    attempts: int

    @property
    def quiz_passed(self) -> bool:
        return self.best_score is not None and self.pass_mark is not None and self.best_score >= self.pass_mark

    @property
    def finished(self) -> bool:
        """Read, and its quiz (if any) passed."""
        return self.done and (self.quiz_id is None or self.quiz_passed)


@dataclass
class ModuleProgress:
    module: Module
    lessons: list[LessonState] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.lessons)

    @property
    def done(self) -> int:
        return sum(1 for s in self.lessons if s.done)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def quizzes(self) -> int:
        return sum(1 for s in self.lessons if s.quiz_id)

    @property
    def quizzes_passed(self) -> int:
        return sum(1 for s in self.lessons if s.quiz_passed)

    @property
    def weak(self) -> list[LessonState]:
        """Quizzes taken but not passed: what to review."""
        return [s for s in self.lessons if s.attempts and not s.quiz_passed]


@dataclass
class CourseProgress:
    course: Course
    modules: list[ModuleProgress] = field(default_factory=list)
    last_activity: datetime | None = None

    @property
    def lessons(self) -> list[LessonState]:
        return [s for m in self.modules for s in m.lessons]

    @property
    def percent(self) -> int:
        states = self.lessons
        return round(100 * sum(s.done for s in states) / len(states)) if states else 0

    @property
    def next_lesson(self) -> LessonState | None:
        """The first lesson in course order that is not finished (not read, or its quiz not passed)."""
        return next((s for s in self.lessons if not s.finished), None)


def course_progress(user_id: int | None, course_slug: str | None = None) -> list[CourseProgress]:
    """Progress in every active course (or one), in four queries whatever the size of the course."""
    lesson_query = (
        select(Course, Module, Lesson)
        .join(Module, Module.course_id == Course.id).join(Lesson, Lesson.module_id == Module.id)
        .where(Course.archived.is_(False), Module.archived.is_(False), Lesson.archived.is_(False),
               Lesson.status == "published")
        .order_by(Course.title, Course.id, Module.position, Lesson.position)
        # Only what the syllabus and the dashboard show: a lesson's Markdown and HTML (tens of kilobytes each)
        # would otherwise be read, and parsed into objects, for every lesson of the course on every request.
        .options(load_only(Course.slug, Course.title, Course.summary),
                 load_only(Module.course_id, Module.slug, Module.title, Module.summary, Module.position),
                 load_only(Lesson.module_id, Lesson.slug, Lesson.title, Lesson.position, Lesson.minutes)))
    if course_slug is not None:
        lesson_query = lesson_query.where(Course.slug == course_slug)
    rows = db.session.execute(lesson_query).all()
    quizzes = {lesson_id: (quiz_id, pass_mark) for quiz_id, lesson_id, pass_mark in db.session.execute(
        select(Quiz.id, Quiz.lesson_id, Quiz.pass_mark).where(Quiz.archived.is_(False)))}
    done: dict[int, datetime] = {}
    best: dict[int, tuple[int, int, datetime]] = {}
    if user_id is not None:
        done = dict(db.session.execute(select(LessonCompletion.lesson_id, LessonCompletion.completed_at)
                                       .where(LessonCompletion.user_id == user_id)).all())
        best = {quiz_id: (score, count, last) for quiz_id, score, count, last in db.session.execute(
            select(Attempt.quiz_id, func.max(Attempt.score), func.count(Attempt.id), func.max(Attempt.submitted_at))
            .where(Attempt.user_id == user_id, Attempt.submitted_at.is_not(None)).group_by(Attempt.quiz_id))}

    courses: dict[int, CourseProgress] = {}
    modules: dict[int, ModuleProgress] = {}
    for course, module, lesson in rows:
        progress = courses.setdefault(course.id, CourseProgress(course))
        if module.id not in modules:
            modules[module.id] = ModuleProgress(module)
            progress.modules.append(modules[module.id])
        quiz_id, pass_mark = quizzes.get(lesson.id, (None, None))
        score, attempts, last = best.get(quiz_id, (None, 0, None))
        modules[module.id].lessons.append(LessonState(lesson, lesson.id in done, quiz_id, pass_mark, score, attempts))
        for moment in (done.get(lesson.id), last):
            if moment and (progress.last_activity is None or moment > progress.last_activity):
                progress.last_activity = moment
    return list(courses.values())
