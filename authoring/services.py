"""Authoring rules: the workspace, modules and lessons, revisions (save, publish, restore), the quiz editor,
regrading, and the review of content that a new version of a law may have made wrong. Plain arguments in,
model objects out; flush, never commit; domain errors for the views to phrase.

A lesson's content (front matter, body, quiz) is saved as LessonRevision rows; the lesson's own columns and its
quiz's rows hold the published revision (or, while the lesson has never been published, the newest one), so
learners' pages never read revisions. Every change is checked by the content pack's rules (contentpack's
check_content), rendered by the one Markdown pipeline and written by the importer's code (apply_content).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select
from sqlalchemy.orm import aliased

from accounts.models import User
from authoring.models import ReviewFlag
from common.errors import DomainError
from common.timeutil import utcnow
from contentpack.reader import LESSON_FILE, QUIZ_FILE, SLUG_RE, PackProblem
from contentpack.services import ContentCheck, apply_content, check_content, live_content
from curriculum.models import Course, Module
from extensions import db
from lessons.models import GlossaryTerm, Lesson, LessonCitation, LessonRevision, TermCitation
from lessons.services import (
    RevisionConflict,  # noqa: F401 (raised through these services; the views catch it)
    add_revision,
    get_revision,
    head_revision,
    mark_published,
    published_revision,
    revision_numbers,
)
from quizzes import grading
from quizzes.models import Attempt, Question, QuestionCitation, Quiz, Response
from statutes.models import Article, LawVersion
from statutes.services import statutes_as_of, version_changes, version_imported

DEFAULT_PASS_MARK = 80


class AuthoringError(DomainError):
    """A change that breaks a rule; `field` names the form field it belongs to, when there is one."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class ContentProblems(AuthoringError):
    """The part being saved breaks the content pack's rules; nothing was written. `problems` are the reader's
    (file, line, field, message); `checked` is the whole content as checked, for the preview."""

    def __init__(self, problems: list[PackProblem], checked: ContentCheck):
        super().__init__("The content has problems.")
        self.problems = problems
        self.checked = checked


class PublishRefused(AuthoringError):
    def __init__(self, problems: list[PackProblem]):
        super().__init__("The newest revision has problems and cannot be published.")
        self.problems = problems


# --- the workspace ------------------------------------------------------------------------------------------

@dataclass
class LessonRow:
    lesson: Lesson
    head: int | None  # newest revision number
    published: int | None  # newest published revision number
    open_flags: int = 0
    quiz_questions: int = 0

    @property
    def state(self) -> str:
        """archived | draft (never published) | changes (published, with a newer revision) | published."""
        if self.lesson.archived:
            return "archived"
        if self.lesson.status != "published":
            return "draft"
        if self.head is not None and self.published is not None and self.head > self.published:
            return "changes"
        return "published"

    @property
    def needs_review(self) -> bool:
        return self.open_flags > 0


@dataclass
class ModuleRow:
    module: Module
    lessons: list[LessonRow] = field(default_factory=list)


@dataclass
class CourseRow:
    course: Course
    modules: list[ModuleRow] = field(default_factory=list)


def workspace() -> list[CourseRow]:
    """Every course, module and lesson (archived ones too) with each lesson's state: six queries whatever
    the size of the course."""
    courses = db.session.scalars(select(Course).order_by(Course.title, Course.id)).all()
    modules = db.session.scalars(select(Module).order_by(Module.position, Module.id)).all()
    lessons = db.session.scalars(select(Lesson).order_by(Lesson.position, Lesson.id)).all()
    numbers = revision_numbers()
    flags = open_flag_counts()
    questions = dict(db.session.execute(
        select(Quiz.lesson_id, func.count(Question.id)).join(Question, Question.quiz_id == Quiz.id)
        .where(Quiz.archived.is_(False), Question.archived.is_(False)).group_by(Quiz.lesson_id)).all())
    rows = {c.id: CourseRow(c) for c in courses}
    module_rows = {}
    for module in modules:
        module_rows[module.id] = ModuleRow(module)
        rows[module.course_id].modules.append(module_rows[module.id])
    for lesson in lessons:
        head, published = numbers.get(lesson.id, (None, None))
        module_rows[lesson.module_id].lessons.append(
            LessonRow(lesson, head, published, flags.get(lesson.id, 0), questions.get(lesson.id, 0)))
    return list(rows.values())


def get_course(course_id: int) -> Course | None:
    return db.session.get(Course, course_id)


def get_module(module_id: int) -> Module | None:
    return db.session.get(Module, module_id)


def get_lesson(lesson_id: int) -> Lesson | None:
    return db.session.get(Lesson, lesson_id)


def lesson_row(lesson: Lesson) -> LessonRow:
    head, published = revision_numbers([lesson.id]).get(lesson.id, (None, None))
    return LessonRow(lesson, head, published, open_flag_counts([lesson.id]).get(lesson.id, 0))


# --- modules and lessons ------------------------------------------------------------------------------------

def _check_slug(slug: str, taken: set[str]) -> str:
    slug = (slug or "").strip()
    if not SLUG_RE.match(slug) or len(slug) > 80:
        raise AuthoringError(_l("Use lower-case letters, digits and hyphens (a-z, 0-9, -)."), "slug")
    if slug in taken:
        raise AuthoringError(_l("This slug is already used here; choose another."), "slug")
    return slug


def create_module(course: Course, slug: str, title: str, summary: str = "", objectives: list | None = None
                  ) -> Module:
    taken = set(db.session.scalars(select(Module.slug).where(Module.course_id == course.id)))
    slug = _check_slug(slug, taken)
    position = (db.session.scalar(select(func.max(Module.position)).where(Module.course_id == course.id)) or 0) + 1
    module = Module(course_id=course.id, slug=slug, position=position, title=title.strip(),
                    summary=(summary or "").strip(), objectives=list(objectives or []), requires=[])
    db.session.add(module)
    db.session.flush()
    return module


def update_module(module: Module, title: str, summary: str, objectives: list) -> None:
    module.title = title.strip()
    module.summary = (summary or "").strip()
    module.objectives = list(objectives)
    db.session.flush()


def _swap_position(item, siblings: list, direction: str) -> bool:
    """Move `item` one place up or down among `siblings` (in order); False when it is already at the end."""
    index = next(i for i, s in enumerate(siblings) if s.id == item.id)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(siblings):
        return False
    neighbour = siblings[other]
    if neighbour.position == item.position:  # repair equal positions before swapping
        for number, sibling in enumerate(siblings, start=1):
            sibling.position = number
    item.position, neighbour.position = neighbour.position, item.position
    db.session.flush()
    return True


def move_module(module: Module, direction: str) -> bool:
    """Reordering modules keeps `requires` true: a module cannot move above a module it requires, nor below
    one that requires it."""
    siblings = db.session.scalars(select(Module).where(Module.course_id == module.course_id,
                                                       Module.archived.is_(False))
                                  .order_by(Module.position, Module.id)).all()
    if module not in siblings:
        return False
    index = siblings.index(module)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(siblings):
        upper, lower = (siblings[other], module) if direction == "up" else (module, siblings[other])
        if upper.slug in (lower.requires or []):
            raise AuthoringError(_l("A module cannot move above a module it requires."))
    return _swap_position(module, siblings, direction)


def set_module_archived(module: Module, archived: bool) -> None:
    """Archive (or restore) a module. A module that another module requires cannot be archived: the course
    would ask learners to finish something they cannot see, and the exported pack would not read."""
    if archived:
        needed_by = [m.title for m in db.session.scalars(select(Module).where(
            Module.course_id == module.course_id, Module.archived.is_(False), Module.id != module.id))
            if module.slug in (m.requires or [])]
        if needed_by:
            raise AuthoringError(_l("Another module requires this one (%(titles)s); it cannot be archived.",
                                    titles="、".join(needed_by)))
    module.archived = archived
    db.session.flush()


def create_lesson(module: Module, slug: str, content: dict, author_id: int, note: str = ""
                  ) -> tuple[Lesson, LessonRevision]:
    """A new draft lesson (not visible to learners) with its first revision. Raises AuthoringError for the
    slug and ContentProblems when the content breaks the pack's rules."""
    taken = set(db.session.scalars(select(Lesson.slug).where(Lesson.module_id == module.id)))
    slug = _check_slug(slug, taken)
    checked = check_content(content)
    if checked.problems:
        raise ContentProblems(checked.problems, checked)
    position = (db.session.scalar(select(func.max(Lesson.position)).where(Lesson.module_id == module.id)) or 0) + 1
    lesson = Lesson(module_id=module.id, slug=slug, position=position, title=checked.lesson.title,
                    status="draft", source="", html="")
    db.session.add(lesson)
    db.session.flush()
    revision = add_revision(lesson, checked.content, author_id, note, base_id=None)
    apply_content(lesson, checked)
    db.session.flush()
    return lesson, revision


def move_lesson(lesson: Lesson, direction: str) -> bool:
    siblings = db.session.scalars(select(Lesson).where(Lesson.module_id == lesson.module_id,
                                                       Lesson.archived.is_(False))
                                  .order_by(Lesson.position, Lesson.id)).all()
    if lesson not in siblings:
        return False
    return _swap_position(lesson, siblings, direction)


def set_lesson_archived(lesson: Lesson, archived: bool) -> None:
    """Archiving hides the lesson (and so its quiz) from learners; nothing is deleted, completions and
    attempts stay, and restoring brings it back as it was."""
    lesson.archived = archived
    db.session.flush()


# --- the working copy, saving, publishing, restoring --------------------------------------------------------

@dataclass
class WorkingCopy:
    """What the editor starts from: the newest revision's content, or the live content of a lesson that has
    no revisions yet (made before revisions existed); `base_id` goes into the form."""

    content: dict
    head: LessonRevision | None
    published: LessonRevision | None

    @property
    def base_id(self) -> int | None:
        return self.head.id if self.head is not None else None

    @property
    def unpublished(self) -> bool:
        return self.head is not None and (self.published is None or self.head.number > self.published.number)


def working_copy(lesson: Lesson) -> WorkingCopy:
    head = head_revision(lesson.id)
    if head is None:
        return WorkingCopy(live_content(lesson), None, None)
    published = published_revision(lesson.id)
    return WorkingCopy(head.content, head, published)


def _ensure_history(lesson: Lesson, base_id: int | None) -> int | None:
    """A lesson made before revisions existed gets its live content as revision 1 (published if it is) before
    the first change is recorded on top of it. Returns the base for that change."""
    if base_id is not None or head_revision(lesson.id) is not None:
        return base_id
    first = add_revision(lesson, live_content(lesson), None, "", base_id=None)
    if lesson.status == "published":
        mark_published(first, None)
    return first.id


def _check_base(lesson: Lesson, base_id: int | None) -> None:
    head = head_revision(lesson.id)
    if (head.id if head is not None else None) != base_id:
        raise RevisionConflict(head, get_revision(lesson.id, base_id) if base_id is not None else None)


def _record(lesson: Lesson, content: dict, author_id: int | None, note: str, base_id: int | None,
            checked: ContentCheck) -> LessonRevision:
    base_id = _ensure_history(lesson, base_id)
    revision = add_revision(lesson, content, author_id, note, base_id=base_id)
    if lesson.status != "published":  # a lesson nobody can read yet shows its newest revision in previews
        apply_content(lesson, checked if checked.content == content else check_content(content))
    db.session.flush()
    return revision


def lesson_problems(problems: list[PackProblem]) -> list[PackProblem]:
    return [p for p in problems if p.file == LESSON_FILE]


def quiz_settings_problems(problems: list[PackProblem]) -> list[PackProblem]:
    return [p for p in problems if p.file == QUIZ_FILE and not p.field.startswith("questions")]


def question_problems(problems: list[PackProblem], key: str) -> list[PackProblem]:
    return [p for p in problems if p.file == QUIZ_FILE and p.field.startswith(f"questions[{key}].")]


def save_lesson(lesson: Lesson, front: dict, body: str, author_id: int, note: str, base_id: int | None
                ) -> LessonRevision:
    """Save the front matter and body as a new revision (the quiz stays as it is in the working copy).
    Refused with RevisionConflict when someone saved since `base_id`, with ContentProblems when the front
    matter or body break the rules (problems elsewhere, such as a citation an amendment made wrong in a
    question, are left for their own editor and block only publishing)."""
    _check_base(lesson, base_id)
    copy = working_copy(lesson)
    checked = check_content({"front": front, "body": body, "quiz": copy.content["quiz"]})
    blocking = lesson_problems(checked.problems)
    if blocking:
        raise ContentProblems(blocking, checked)
    normalised = checked.content
    content = {"front": normalised["front"], "body": normalised["body"], "quiz": copy.content["quiz"]}
    return _record(lesson, content, author_id, note, base_id, checked)


def preview(content: dict) -> ContentCheck:
    """Check and render content without saving anything (the editor's Preview)."""
    return check_content(content)


def publish(lesson: Lesson, user_id: int, base_id: int | None) -> LessonRevision:
    """Publish the newest revision: learners see it from now on. `base_id` is the revision the mentor was
    looking at; if someone saved since, RevisionConflict. Refused (PublishRefused) while the content has any
    problem."""
    _check_base(lesson, base_id)
    base_id = _ensure_history(lesson, base_id)
    head = get_revision(lesson.id, base_id)
    checked = check_content(head.content)
    if checked.problems:
        raise PublishRefused(checked.problems)
    apply_content(lesson, checked)
    lesson.status = "published"
    mark_published(head, user_id)
    return head


def restore(lesson: Lesson, revision: LessonRevision, author_id: int, base_id: int | None) -> LessonRevision:
    """Make an earlier revision's content the newest revision again (history is never rewritten)."""
    _check_base(lesson, base_id)
    content = revision.content
    restored = _record(lesson, content, author_id, "", base_id, check_content(content))
    restored.restored_from = revision.number
    db.session.flush()
    return restored


@dataclass
class HistoryEntry:
    revision: LessonRevision
    author: User | None
    publisher: User | None
    live: bool  # the revision learners see now


def history(lesson: Lesson) -> list[HistoryEntry]:
    """The lesson's revisions, newest first, with their authors (two queries)."""
    revisions = db.session.scalars(select(LessonRevision).where(LessonRevision.lesson_id == lesson.id)
                                   .order_by(LessonRevision.number.desc())).all()
    ids = {r.author_id for r in revisions} | {r.published_by_id for r in revisions}
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_([i for i in ids if i])))}
    live = next((r.id for r in revisions if r.published_at is not None), None) \
        if lesson.status == "published" else None
    return [HistoryEntry(r, users.get(r.author_id), users.get(r.published_by_id), r.id == live)
            for r in revisions]


# --- the quiz editor ----------------------------------------------------------------------------------------

def default_quiz_title(lesson_title: str) -> str:
    return f"確認問題:{lesson_title}"


def _save_quiz(lesson: Lesson, quiz: dict | None, author_id: int, note: str, base_id: int | None,
               blocking) -> LessonRevision:
    _check_base(lesson, base_id)
    copy = working_copy(lesson)
    checked = check_content({"front": copy.content["front"], "body": copy.content["body"], "quiz": quiz})
    problems = blocking(checked.problems)
    if problems:
        raise ContentProblems(problems, checked)
    content = {"front": copy.content["front"], "body": copy.content["body"], "quiz": quiz}
    return _record(lesson, content, author_id, note, base_id, checked)


def save_quiz_settings(lesson: Lesson, title: str, pass_mark: int, author_id: int, note: str,
                       base_id: int | None) -> LessonRevision:
    quiz = dict(working_copy(lesson).content["quiz"] or {})
    if not quiz:
        raise AuthoringError(_l("Add a question first: a quiz needs at least one question."))
    quiz.update(title=(title or "").strip(), pass_mark=pass_mark)
    quiz = _normalised_quiz(quiz)
    return _save_quiz(lesson, quiz, author_id, note, base_id, quiz_settings_problems)


def _normalised_quiz(quiz: dict) -> dict:
    """The quiz as the reader normalises it, when it reads at all (keeps key order title, pass_mark, questions)."""
    return {"title": quiz.get("title", ""), "pass_mark": quiz.get("pass_mark"),
            "questions": list(quiz.get("questions") or [])}


def question_index(quiz: dict | None, key: str) -> int | None:
    for index, question in enumerate((quiz or {}).get("questions") or []):
        if question.get("key") == key:
            return index
    return None


def with_question(content: dict, question: dict, original_key: str | None) -> dict:
    """The content with `question` added (original_key None; a lesson without a quiz gets one) or put in place
    of the question with `original_key`."""
    quiz = content["quiz"]
    quiz = _normalised_quiz(quiz) if quiz else {"title": default_quiz_title(content["front"]["title"]),
                                                "pass_mark": DEFAULT_PASS_MARK, "questions": []}
    if original_key is None:
        quiz["questions"].append(question)
    else:
        index = question_index(quiz, original_key)
        if index is None:
            raise AuthoringError(_l("This question is no longer in the quiz."))
        quiz["questions"][index] = question
    return {"front": content["front"], "body": content["body"], "quiz": quiz}


def save_question(lesson: Lesson, question: dict, original_key: str | None, author_id: int, note: str,
                  base_id: int | None) -> LessonRevision:
    """Add a question (original_key None) or replace the one with `original_key`, as a new revision. Only
    problems of this question (and of the quiz's settings) refuse the save."""
    _check_base(lesson, base_id)
    copy = working_copy(lesson)
    key = str(question.get("key") or "")
    content = with_question(copy.content, question, original_key)
    quiz = content["quiz"]
    checked = check_content(content)
    problems = question_problems(checked.problems, key) + quiz_settings_problems(checked.problems)
    if problems:
        raise ContentProblems(problems, checked)
    normalised = next(q for q in checked.content["quiz"]["questions"] if q["key"] == key)
    position = len(quiz["questions"]) - 1 if original_key is None else question_index(quiz, key)
    quiz["questions"][position] = normalised
    return _record(lesson, content, author_id, note, base_id, checked)


def move_question(lesson: Lesson, key: str, direction: str, author_id: int, base_id: int | None
                  ) -> LessonRevision | None:
    _check_base(lesson, base_id)
    quiz = _normalised_quiz(working_copy(lesson).content["quiz"] or {})
    index = question_index(quiz, key)
    if index is None:
        raise AuthoringError(_l("This question is no longer in the quiz."))
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(quiz["questions"]):
        return None
    questions = quiz["questions"]
    questions[index], questions[other] = questions[other], questions[index]
    return _save_quiz(lesson, quiz, author_id, "", base_id, lambda problems: [])


def remove_question(lesson: Lesson, key: str, author_id: int, base_id: int | None) -> LessonRevision:
    """Remove a question from the working copy. When published, its row is archived (never deleted): past
    answers keep it."""
    _check_base(lesson, base_id)
    quiz = _normalised_quiz(working_copy(lesson).content["quiz"] or {})
    index = question_index(quiz, key)
    if index is None:
        raise AuthoringError(_l("This question is no longer in the quiz."))
    if len(quiz["questions"]) == 1:
        raise AuthoringError(_l("A quiz needs at least one question: remove the whole quiz instead."))
    del quiz["questions"][index]
    return _save_quiz(lesson, quiz, author_id, "", base_id, lambda problems: [])


def remove_quiz(lesson: Lesson, author_id: int, base_id: int | None) -> LessonRevision:
    return _save_quiz(lesson, None, author_id, "", base_id, lambda problems: [])


# --- answered questions and regrading -----------------------------------------------------------------------

@dataclass(frozen=True)
class AnswerStats:
    responses: int
    learners: int


def answer_stats(question_ids) -> dict[int, AnswerStats]:
    """How often each question was answered in submitted attempts, and by how many people (one query)."""
    question_ids = list(question_ids)
    if not question_ids:
        return {}
    rows = db.session.execute(
        select(Response.question_id, func.count(Response.id), func.count(func.distinct(Attempt.user_id)))
        .join(Attempt, Attempt.id == Response.attempt_id)
        .where(Response.question_id.in_(question_ids), Attempt.submitted_at.is_not(None))
        .group_by(Response.question_id))
    return {qid: AnswerStats(n, learners) for qid, n, learners in rows}


def live_questions(lesson: Lesson) -> dict[str, Question]:
    """The lesson's quiz questions as learners answer them now, by key (one query)."""
    rows = db.session.scalars(select(Question).join(Quiz, Quiz.id == Question.quiz_id)
                              .where(Quiz.lesson_id == lesson.id, Question.archived.is_(False)))
    return {q.key: q for q in rows}


def answer_key(qtype: str, data: dict):
    """The answer key in terms of texts, so that reordering choices does not count as a change."""
    if qtype in ("single", "multiple"):
        return frozenset(c["text"] for c in grading.choices(data) if c["correct"])
    if qtype == "truefalse":
        return data.get("answer") is True
    if qtype == "number":
        return grading.to_decimal(data.get("answer"))
    if qtype == "order":
        return tuple(str(item) for item in data.get("items") or [])
    return None


def key_changed(question: Question, mapping: dict) -> bool:
    """Whether a question of the working copy (pack mapping) has another answer key than the live one."""
    return question.type != mapping.get("type") or \
        answer_key(question.type, question.data) != answer_key(mapping.get("type"), mapping)


@dataclass
class Regrade:
    """One response and what regrading it against the current answer key gives."""

    response: Response
    attempt: Attempt
    data: dict  # the snapshot's new data
    answer: object
    order: list | None  # the attempt's new display order for this question (choice types)
    correct: bool


@dataclass
class RegradePlan:
    question: Question
    total: int = 0
    regrades: list[Regrade] = field(default_factory=list)  # responses whose key differs from the current one
    skipped: int = 0  # answered when the question offered other options: cannot be mapped
    to_right: int = 0
    to_wrong: int = 0
    attempts_changed: int = 0
    passes_changed: int = 0
    new_scores: dict = field(default_factory=dict)  # attempt id → (correct count, score, passed)

    @property
    def changes(self) -> int:
        return self.to_right + self.to_wrong


def _permutation(old: list[str], new: list[str]) -> dict[int, int] | None:
    if len(old) != len(new) or len(set(old)) != len(old) or sorted(old) != sorted(new):
        return None
    position = {text: index for index, text in enumerate(new)}
    return {index: position[text] for index, text in enumerate(old)}


def rekey(snapshot: dict, answer, display_order, qtype: str, data: dict):
    """A response answered against `snapshot` (the question as it was), re-expressed against the current
    question (`qtype`, `data`): (data, answer, display order, correct), or None when the question no longer
    offers the same options (a changed text, another type), so the old answer cannot be mapped."""
    old_type, old_data = snapshot.get("type"), snapshot.get("data") or {}
    if old_type != qtype:
        return None
    if qtype in ("truefalse", "number"):
        parsed = grading.to_decimal(answer) if qtype == "number" else answer
        return data, answer, None, grading.is_correct(qtype, data, parsed)
    if qtype in ("single", "multiple"):
        old_texts = [c["text"] for c in grading.choices(old_data)]
        new_texts = [c["text"] for c in grading.choices(data)]
    else:
        old_texts = [str(t) for t in old_data.get("items") or []]
        new_texts = [str(t) for t in data.get("items") or []]
    mapping = _permutation(old_texts, new_texts)
    if mapping is None:
        return None
    if answer is None:
        new_answer = None
    elif qtype == "single":
        new_answer = mapping.get(answer) if isinstance(answer, int) else None
    elif qtype == "multiple":
        new_answer = sorted(mapping[i] for i in answer if i in mapping)
    else:
        new_answer = [mapping[i] for i in answer if i in mapping]
    order = [mapping[i] for i in display_order] if isinstance(display_order, list) and \
        sorted(display_order) == list(range(len(old_texts))) else None
    return data, new_answer, order, grading.is_correct(qtype, data, new_answer)


def plan_regrade(question: Question) -> RegradePlan:
    """What regrading the question's past answers against its current answer key would change. Nothing is
    written (two queries)."""
    plan = RegradePlan(question)
    rows = db.session.execute(
        select(Response, Attempt).join(Attempt, Attempt.id == Response.attempt_id)
        .where(Response.question_id == question.id, Attempt.submitted_at.is_not(None))
        .order_by(Response.id)).all()
    plan.total = len(rows)
    current_key = answer_key(question.type, question.data)
    for response, attempt in rows:
        snapshot = response.question_snapshot or {}
        if snapshot.get("type") == question.type and \
                answer_key(question.type, snapshot.get("data") or {}) == current_key:
            continue  # answered against the same key: nothing to regrade
        result = rekey(snapshot, response.answer, (attempt.choice_order or {}).get(str(question.id)),
                       question.type, question.data)
        if result is None:
            plan.skipped += 1
            continue
        data, answer, order, correct = result
        plan.regrades.append(Regrade(response, attempt, data, answer, order, correct))
        if correct != response.correct:
            plan.to_right += correct
            plan.to_wrong += not correct
    changed = {r.attempt.id: r for r in plan.regrades if r.correct != r.response.correct}
    if changed:
        results = defaultdict(dict)
        for attempt_id, question_id, correct in db.session.execute(
                select(Response.attempt_id, Response.question_id, Response.correct)
                .where(Response.attempt_id.in_(list(changed)))):
            results[attempt_id][question_id] = correct
        pass_mark = question.quiz.pass_mark
        for attempt_id, regrade in changed.items():
            results[attempt_id][question.id] = regrade.correct
            marks = list(results[attempt_id].values())
            score = grading.score(marks)
            passed = grading.passed(score, pass_mark)
            plan.new_scores[attempt_id] = (sum(marks), score, passed)
            plan.attempts_changed += score != regrade.attempt.score
            plan.passes_changed += passed != regrade.attempt.passed
    return plan


def apply_regrade(plan: RegradePlan, user_id: int) -> RegradePlan:
    """Regrade as planned. Each response keeps what it was before in its snapshot (`regraded`: when, by whom,
    the previous data, answer and result), so the change can be traced."""
    when = utcnow().isoformat(timespec="seconds")
    qid = str(plan.question.id)
    for regrade in plan.regrades:
        response, attempt = regrade.response, regrade.attempt
        snapshot = dict(response.question_snapshot or {})
        history_entry = {"at": when, "by": user_id, "data": snapshot.get("data"), "answer": response.answer,
                         "correct": response.correct}
        snapshot["regraded"] = [*snapshot.get("regraded", []), history_entry]
        snapshot["data"] = regrade.data
        response.question_snapshot = snapshot
        response.answer = regrade.answer
        response.correct = regrade.correct
        if regrade.order is not None:
            attempt.choice_order = {**(attempt.choice_order or {}), qid: regrade.order}
        if attempt.id in plan.new_scores:
            attempt.correct_count, attempt.score, attempt.passed = plan.new_scores[attempt.id]
    db.session.flush()
    return plan


# --- the law changes: review flags --------------------------------------------------------------------------

@version_imported.connect
def flag_changed_citations(law, previous: LawVersion, version: LawVersion, **_) -> int:
    """Flag every lesson and question (not archived) citing an article that differs between `previous` (the
    version current before the import) and `version` (a newer one, in force now or from a later date). Called
    through statutes' `version_imported` signal, inside the import's transaction. Returns the number of new
    flags."""
    changes = version_changes(previous, version)
    kinds = {num: "changed" for num in changes.changed}
    kinds.update({num: "removed" for num in changes.removed})
    kinds.update({num: "added" for num in changes.added})
    if not kinds:
        return 0
    nums = list(kinds)
    lesson_rows = db.session.execute(
        select(LessonCitation.lesson_id, LessonCitation.article_num).distinct()
        .join(Lesson, Lesson.id == LessonCitation.lesson_id)
        .where(LessonCitation.law_id == law.law_id, LessonCitation.article_num.in_(nums),
               Lesson.archived.is_(False))).all()
    question_rows = db.session.execute(
        select(QuestionCitation.question_id, QuestionCitation.article_num).distinct()
        .join(Question, Question.id == QuestionCitation.question_id)
        .join(Quiz, Quiz.id == Question.quiz_id).join(Lesson, Lesson.id == Quiz.lesson_id)
        .where(QuestionCitation.law_id == law.law_id, QuestionCitation.article_num.in_(nums),
               Question.archived.is_(False), Quiz.archived.is_(False), Lesson.archived.is_(False))).all()
    existing = set(db.session.execute(
        select(ReviewFlag.lesson_id, ReviewFlag.question_id, ReviewFlag.article_num)
        .where(ReviewFlag.new_version_id == version.id)).all())
    now = utcnow()
    values = []
    for lesson_id, num in sorted(lesson_rows):
        if (lesson_id, None, num) not in existing:
            values.append({"lesson_id": lesson_id, "question_id": None, "article_num": num})
    for question_id, num in sorted(question_rows):
        if (None, question_id, num) not in existing:
            values.append({"lesson_id": None, "question_id": question_id, "article_num": num})
    if values:
        db.session.execute(insert(ReviewFlag), [
            {**v, "law_id": law.law_id, "change": kinds[v["article_num"]], "old_version_id": previous.id,
             "new_version_id": version.id, "created_at": now} for v in values])
    return len(values)


def open_flag_counts(lesson_ids: list[int] | None = None) -> dict[int, int]:
    """{lesson id: open flags on the lesson or its questions} (two queries)."""
    counts: dict[int, int] = defaultdict(int)
    direct = select(ReviewFlag.lesson_id, func.count(ReviewFlag.id)).where(
        ReviewFlag.reviewed_at.is_(None), ReviewFlag.lesson_id.is_not(None)).group_by(ReviewFlag.lesson_id)
    through = select(Quiz.lesson_id, func.count(ReviewFlag.id)) \
        .join(Question, Question.id == ReviewFlag.question_id).join(Quiz, Quiz.id == Question.quiz_id) \
        .where(ReviewFlag.reviewed_at.is_(None)).group_by(Quiz.lesson_id)
    if lesson_ids is not None:
        direct = direct.where(ReviewFlag.lesson_id.in_(lesson_ids))
        through = through.where(Quiz.lesson_id.in_(lesson_ids))
    for query in (direct, through):
        for lesson_id, n in db.session.execute(query):
            counts[lesson_id] += n
    return dict(counts)


@dataclass
class FlagItem:
    flag: ReviewFlag
    lesson: Lesson
    module: Module
    course: Course
    question: Question | None
    old_version: LawVersion
    new_version: LawVersion
    reviewer: User | None

    @property
    def in_force(self) -> bool:
        """Whether the new version is already in force (else it is a future version, flagged in advance)."""
        date = self.new_version.enforcement_date
        return date is None or date <= statutes_as_of()


def _flag_query():
    old_version, new_version = aliased(LawVersion), aliased(LawVersion)
    lesson = aliased(Lesson)
    query = (select(ReviewFlag, lesson, Module, Course, Question, old_version, new_version, User)
             .outerjoin(Question, Question.id == ReviewFlag.question_id)
             .outerjoin(Quiz, Quiz.id == Question.quiz_id)
             .join(lesson, lesson.id == func.coalesce(ReviewFlag.lesson_id, Quiz.lesson_id))
             .join(Module, Module.id == lesson.module_id).join(Course, Course.id == Module.course_id)
             .join(old_version, old_version.id == ReviewFlag.old_version_id)
             .join(new_version, new_version.id == ReviewFlag.new_version_id)
             .outerjoin(User, User.id == ReviewFlag.reviewed_by_id))
    return query, lesson


def review_items(reviewed: bool = False, lesson_id: int | None = None) -> list[FlagItem]:
    """Open flags (or, with `reviewed`, those already reviewed), in course order: one query."""
    query, lesson = _flag_query()
    query = query.where(ReviewFlag.reviewed_at.is_not(None) if reviewed else ReviewFlag.reviewed_at.is_(None))
    if lesson_id is not None:
        query = query.where(lesson.id == lesson_id)
    order = (ReviewFlag.reviewed_at.desc(),) if reviewed else ()
    rows = db.session.execute(query.order_by(*order, Course.title, Module.position, lesson.position,
                                             ReviewFlag.question_id.is_not(None), Question.position,
                                             ReviewFlag.id)).all()
    return [FlagItem(*row) for row in rows]


def get_flag(flag_id: int) -> FlagItem | None:
    query, _lesson = _flag_query()
    row = db.session.execute(query.where(ReviewFlag.id == flag_id)).first()
    return FlagItem(*row) if row else None


def flag_articles(item: FlagItem) -> tuple[Article | None, Article | None]:
    """The cited article in the old and in the new version (None where it does not exist): one query."""
    rows = db.session.scalars(select(Article).where(
        Article.version_id.in_((item.old_version.id, item.new_version.id)),
        Article.num == item.flag.article_num)).all()
    by_version = {a.version_id: a for a in rows}
    return by_version.get(item.old_version.id), by_version.get(item.new_version.id)


def mark_reviewed(flag: ReviewFlag, user_id: int) -> bool:
    """Record who reviewed the flag and when; False if it was reviewed already (the first review stands)."""
    if flag.reviewed_at is not None:
        return False
    flag.reviewed_at = utcnow()
    flag.reviewed_by_id = user_id
    db.session.flush()
    return True


# --- who cites an article -----------------------------------------------------------------------------------

@dataclass
class Citing:
    lessons: list  # (Lesson, Module, Course, [labels])
    questions: list  # (Question, Lesson, Module, Course, [labels])
    terms: list  # (GlossaryTerm, [labels])

    @property
    def count(self) -> int:
        return len(self.lessons) + len(self.questions) + len(self.terms)


def citing(law_id: str, num: str) -> Citing:
    """Every lesson, question and glossary term (not archived) that cites the article: three queries."""
    lessons: dict[int, tuple] = {}
    for citation, lesson, module, course in db.session.execute(
            select(LessonCitation, Lesson, Module, Course).join(Lesson, Lesson.id == LessonCitation.lesson_id)
            .join(Module, Module.id == Lesson.module_id).join(Course, Course.id == Module.course_id)
            .where(LessonCitation.law_id == law_id, LessonCitation.article_num == num,
                   Lesson.archived.is_(False), Module.archived.is_(False))
            .order_by(Course.title, Module.position, Lesson.position, LessonCitation.id)):
        lessons.setdefault(lesson.id, (lesson, module, course, []))[3].append(citation.label)
    questions: dict[int, tuple] = {}
    for citation, question, lesson, module, course in db.session.execute(
            select(QuestionCitation, Question, Lesson, Module, Course)
            .join(Question, Question.id == QuestionCitation.question_id).join(Quiz, Quiz.id == Question.quiz_id)
            .join(Lesson, Lesson.id == Quiz.lesson_id).join(Module, Module.id == Lesson.module_id)
            .join(Course, Course.id == Module.course_id)
            .where(QuestionCitation.law_id == law_id, QuestionCitation.article_num == num,
                   Question.archived.is_(False), Quiz.archived.is_(False), Lesson.archived.is_(False))
            .order_by(Course.title, Module.position, Lesson.position, Question.position, QuestionCitation.id)):
        questions.setdefault(question.id, (question, lesson, module, course, []))[4].append(citation.label)
    terms: dict[int, tuple] = {}
    for citation, term in db.session.execute(
            select(TermCitation, GlossaryTerm).join(GlossaryTerm, GlossaryTerm.id == TermCitation.term_id)
            .where(TermCitation.law_id == law_id, TermCitation.article_num == num,
                   GlossaryTerm.archived.is_(False))
            .order_by(GlossaryTerm.position, TermCitation.id)):
        terms.setdefault(term.id, (term, []))[1].append(citation.label)
    return Citing(list(lessons.values()), list(questions.values()), list(terms.values()))


def parse_lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").replace("\r\n", "\n").split("\n") if line.strip()]


def parse_tags(text: str) -> list[str]:
    for separator in ("、", ",", "，", "\n"):
        text = (text or "").replace(separator, ",")
    return [tag.strip() for tag in text.split(",") if tag.strip()]


def to_number(text: str) -> Decimal | str | None:
    """A number as typed in the question editor, for the reader: digits with optional sign and point
    (full-width folded); anything else is passed on as typed so that the reader reports it."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return grading.parse_number(text)
    except grading.InvalidAnswer:
        return text

