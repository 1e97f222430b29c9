"""Check, import and export a content pack. Import is atomic (the caller commits once, or nothing) and
idempotent (a second import of the same files writes nothing); content missing from the pack is archived,
never deleted, so no learner's completion or attempt is lost.

A lesson's content — front matter, body and quiz — also exists as plain data (`{"front", "body", "quiz"}`, the
shape of a LessonRevision): `pack_content()` builds it from what the reader read, `check_content()` checks it by
the reader's rules and renders it, `apply_content()` writes it into the lesson's and quiz's rows exactly as an
import does. The authoring workspace uses these three, so a lesson saved in the browser and the same lesson
imported from files end up identical."""

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from contentpack.reader import (
    LessonPack,
    Located,
    Pack,
    PackProblem,
    QuestionPack,
    QuizPack,
    feedback_location,
    lesson_markdown_texts,
    read_content,
    read_pack,
)
from contentpack.yamlload import dump
from curriculum.models import Course, Module
from extensions import db
from lessons.markdown import Rendered, render
from lessons.models import GlossaryTerm, Lesson, LessonRevision, TermCitation
from lessons.services import (
    add_revision,
    head_revision,
    mark_published,
    published_revision,
    replace_citations,
    revision_numbers,
    store_render,
)
from quizzes.models import Question, QuestionCitation, Quiz
from statutes.services import CitationResolver

IMPORT_NOTE = "content import"  # the note of a revision written by `flask content import`


class PackInvalid(Exception):
    def __init__(self, problems: list[PackProblem]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@dataclass
class CheckReport:
    pack: Pack
    problems: list[PackProblem]
    renders: dict = field(default_factory=dict)  # (file, field, line) → Rendered
    citations: int = 0
    verified: int = 0

    @property
    def counts(self) -> dict:
        modules = [m for c in self.pack.courses for m in c.modules]
        lessons = [ls for m in modules for ls in m.lessons]
        return {"courses": len(self.pack.courses), "modules": len(modules), "lessons": len(lessons),
                "quizzes": sum(1 for ls in lessons if ls.quiz),
                "questions": sum(len(ls.quiz.questions) for ls in lessons if ls.quiz),
                "terms": len(self.pack.terms)}


def _key(where: Located) -> tuple:
    return (where.file, where.field, where.line)


def check_pack(root: Path | str, resolver: CitationResolver | None = None) -> CheckReport:
    """Read the pack and render every Markdown text in it, collecting problems with file and line."""
    pack = read_pack(root)
    report = CheckReport(pack=pack, problems=list(pack.problems))
    _render_all(pack.markdown_texts(), resolver or CitationResolver(), report)
    report.problems.sort(key=lambda p: (p.file, p.line))
    return report


def _render_all(texts, resolver: CitationResolver, report) -> None:
    for text, where in texts:
        rendered = render(text, resolver)
        report.renders[_key(where)] = rendered
        report.citations += sum(1 for _ in _citation_occurrences(text))
        report.verified += rendered.verified
        for problem in rendered.problems:
            report.problems.append(PackProblem(where.file, where.line + problem.line - 1, where.field,
                                               problem.message))


def _citation_occurrences(text: str):
    from statutes.citations import CITATION_RE

    return CITATION_RE.finditer(text)


@dataclass
class ImportReport:
    check: CheckReport
    created: int = 0
    updated: int = 0
    archived: int = 0


def import_pack(root: Path | str) -> ImportReport:
    """Upsert the pack into the database. Raises PackInvalid (and writes nothing) if the pack has problems."""
    check = check_pack(root)
    if check.problems:
        raise PackInvalid(check.problems)
    report = ImportReport(check=check)
    importer = _Importer(check.renders, report)
    for course in check.pack.courses:
        importer.course(course)
    importer.glossary(check.pack.terms)
    db.session.flush()
    return report


class _Importer:
    def __init__(self, renders: dict, report: ImportReport, author_id: int | None = None):
        self.renders = renders
        self.report = report
        self.author_id = author_id

    def rendered(self, where: Located) -> Rendered:
        return self.renders[_key(where)]

    def assign(self, obj, **values) -> None:
        changed = False
        for name, value in values.items():
            if getattr(obj, name) != value:
                setattr(obj, name, value)
                changed = True
        if changed and obj.id is not None:
            self.report.updated += 1

    def new(self, model, **values):
        obj = model(**values)
        db.session.add(obj)
        self.report.created += 1
        return obj

    def archive_missing(self, rows, keep_ids: set[int]) -> None:
        for row in rows:
            if row.id not in keep_ids and not row.archived:
                row.archived = True
                self.report.archived += 1

    def course(self, pack_course) -> None:
        course = db.session.scalar(select(Course).where(Course.slug == pack_course.slug))
        if course is None:
            course = self.new(Course, slug=pack_course.slug, title=pack_course.title)
        self.assign(course, title=pack_course.title, summary=pack_course.summary,
                    audience=pack_course.audience, archived=False)
        db.session.flush()
        existing = {m.slug: m for m in db.session.scalars(select(Module).where(Module.course_id == course.id))}
        kept = set()
        for pack_module in pack_course.modules:
            module = existing.get(pack_module.slug) or self.new(
                Module, course_id=course.id, slug=pack_module.slug, position=pack_module.position,
                title=pack_module.title)
            self.assign(module, position=pack_module.position, title=pack_module.title,
                        summary=pack_module.summary, objectives=list(pack_module.objectives),
                        requires=list(pack_module.requires), archived=False)
            db.session.flush()
            kept.add(module.id)
            self.lessons(module, pack_module.lessons)
        self.archive_missing(existing.values(), kept)

    def lessons(self, module: Module, pack_lessons) -> None:
        existing = {ls.slug: ls for ls in db.session.scalars(select(Lesson).where(Lesson.module_id == module.id))}
        kept = set()
        for pack_lesson in pack_lessons:
            lesson = existing.get(pack_lesson.slug) or self.new(
                Lesson, module_id=module.id, slug=pack_lesson.slug, position=pack_lesson.position,
                title=pack_lesson.title)
            self.lesson_content(lesson, pack_lesson, position=pack_lesson.position, status=pack_lesson.status,
                                archived=False)
            kept.add(lesson.id)
            self.revisions(lesson, pack_lesson)
        gone = [lesson for lesson in existing.values() if lesson.id not in kept]
        self.archive_missing(gone, kept)
        self.archive_missing(db.session.scalars(select(Quiz).where(Quiz.lesson_id.in_([ls.id for ls in gone]))),
                             set())

    def lesson_content(self, lesson: Lesson, pack_lesson: LessonPack, **values) -> None:
        """Write a lesson's content (front matter, rendered body and citations, quiz) into its rows."""
        self.assign(lesson, title=pack_lesson.title, summary=pack_lesson.summary, minutes=pack_lesson.minutes,
                    objectives=list(pack_lesson.objectives), tags=list(pack_lesson.tags), **values)
        rendered = self.rendered(pack_lesson.where)
        if lesson.source != pack_lesson.body or lesson.html != rendered.html:
            store_render(lesson, pack_lesson.body, rendered)
            if lesson.id is not None:
                self.report.updated += 1
        else:
            store_render(lesson, pack_lesson.body, rendered)  # citations only, a no-op when unchanged
        db.session.flush()
        self.quiz(lesson, pack_lesson.quiz)

    def revisions(self, lesson: Lesson, pack_lesson: LessonPack) -> None:
        """Keep the lesson's history in step with the pack: the pack's text becomes a revision when it differs
        from what the database has (published, for a published lesson; the newest, for a draft lesson), and a
        draft file becomes the newest revision. A web draft the pack knows nothing of is left alone (it stays
        the newest revision unless the pack's text had to be recorded after it)."""
        content = pack_content(pack_lesson)
        head = head_revision(lesson.id)
        if pack_lesson.status == "published":
            published = published_revision(lesson.id)
            if published is None or published.content != content:
                if head is None or head.content != content:
                    head = add_revision(lesson, content, self.author_id, IMPORT_NOTE, check_base=False)
                mark_published(head, self.author_id)
        elif head is None or head.content != content:
            head = add_revision(lesson, content, self.author_id, IMPORT_NOTE, check_base=False)
        if pack_lesson.draft is not None:
            draft = pack_content(pack_lesson.draft)
            if head.content != draft:
                add_revision(lesson, draft, self.author_id, IMPORT_NOTE, check_base=False)
        db.session.flush()

    def quiz(self, lesson: Lesson, pack_quiz) -> None:
        quiz = db.session.scalar(select(Quiz).where(Quiz.lesson_id == lesson.id))
        if pack_quiz is None:
            if quiz is not None and not quiz.archived:
                quiz.archived = True
                self.report.archived += 1
            return
        if quiz is None:
            quiz = self.new(Quiz, lesson_id=lesson.id, title=pack_quiz.title, pass_mark=pack_quiz.pass_mark)
        self.assign(quiz, title=pack_quiz.title, pass_mark=pack_quiz.pass_mark, archived=False)
        db.session.flush()
        existing = {q.key: q for q in db.session.scalars(select(Question).where(Question.quiz_id == quiz.id))}
        kept = set()
        for position, pack_question in enumerate(pack_quiz.questions, start=1):
            rendered = self.rendered(pack_question.where)
            data = self.question_data(pack_question)
            question = existing.get(pack_question.key) or self.new(
                Question, quiz_id=quiz.id, key=pack_question.key, position=position, type=pack_question.type,
                prompt=pack_question.prompt)
            self.assign(question, position=position, type=pack_question.type, prompt=pack_question.prompt,
                        explanation=pack_question.explanation, explanation_html=rendered.html, data=data,
                        difficulty=pack_question.difficulty, tags=list(pack_question.tags), archived=False)
            replace_citations(question.citations, QuestionCitation, self.question_citations(pack_question))
            db.session.flush()
            kept.add(question.id)
        self.archive_missing(existing.values(), kept)

    def question_citations(self, pack_question) -> list:
        """What a question cites: its explanation, then its choices' feedback (each citation once)."""
        refs = list(self.rendered(pack_question.where).citations)
        for index, choice in enumerate(pack_question.data.get("choices", [])):
            if choice.get("feedback"):
                refs += [r for r in self.rendered(feedback_location(pack_question, index)).citations
                         if r not in refs]
        return refs

    def question_data(self, pack_question) -> dict:
        data = dict(pack_question.data)
        if "choices" in data:
            choices = []
            for index, choice in enumerate(data["choices"]):
                choice = dict(choice)
                if choice["feedback"]:
                    choice["feedback_html"] = self.rendered(feedback_location(pack_question, index)).html
                choices.append(choice)
            data["choices"] = choices
        return data

    def glossary(self, pack_terms) -> None:
        existing = {t.term: t for t in db.session.scalars(select(GlossaryTerm))}
        kept = set()
        for position, pack_term in enumerate(pack_terms, start=1):
            definition = self.rendered(pack_term.where)
            analogy_html = ""
            refs = list(definition.citations)
            if pack_term.private_analogy:
                analogy = self.rendered(Located(pack_term.where.file, pack_term.where.line, "private_analogy"))
                analogy_html = analogy.html
                refs += [r for r in analogy.citations if r not in refs]
            term = existing.get(pack_term.term) or self.new(
                GlossaryTerm, term=pack_term.term, definition=pack_term.definition)
            self.assign(term, reading=pack_term.reading, position=position, definition=pack_term.definition,
                        definition_html=definition.html, private_analogy=pack_term.private_analogy,
                        private_analogy_html=analogy_html, archived=False)
            replace_citations(term.citations, TermCitation, refs)
            db.session.flush()
            kept.add(term.id)
        self.archive_missing(existing.values(), kept)


# -- export --------------------------------------------------------------------------------------------------

def export_pack(dest: Path | str) -> int:
    """Write the database's current (not archived) content as a pack; returns the number of files written."""
    dest = Path(dest)
    written = 0

    def write(path: Path, text: str) -> None:
        nonlocal written
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written += 1

    courses = db.session.scalars(select(Course).where(Course.archived.is_(False)).order_by(Course.slug)).all()
    modules = _group(db.session.scalars(select(Module).where(Module.archived.is_(False))
                                        .order_by(Module.position)), "course_id")
    lessons = _group(db.session.scalars(select(Lesson).where(Lesson.archived.is_(False))
                                        .order_by(Lesson.position)), "module_id")
    quizzes = {q.lesson_id: q for q in db.session.scalars(select(Quiz).where(Quiz.archived.is_(False)))}
    questions = _group(db.session.scalars(select(Question).where(Question.archived.is_(False))
                                          .order_by(Question.position)), "quiz_id")
    drafts = _pending_drafts()
    for course in courses:
        course_dir = dest / "courses" / course.slug
        write(course_dir / "course.yaml", dump(_drop_empty(
            {"title": course.title, "summary": course.summary, "audience": course.audience})))
        for module in modules.get(course.id, []):
            module_dir = course_dir / f"{module.position:02d}-{module.slug}"
            write(module_dir / "module.yaml", dump({
                "title": module.title, "summary": module.summary, "objectives": list(module.objectives),
                "requires": list(module.requires)}))
            for lesson in lessons.get(module.id, []):
                stem = f"{lesson.position:02d}-{lesson.slug}"
                front = lesson_front(lesson)
                if lesson.status != "published":
                    front["status"] = lesson.status
                write(module_dir / f"{stem}.md", lesson_text(front, lesson.source))
                quiz = quizzes.get(lesson.id)
                if quiz is not None:
                    write(module_dir / f"{stem}.quiz.yaml", dump(quiz_mapping(quiz, questions.get(quiz.id, []))))
                draft = drafts.get(lesson.id) if lesson.status == "published" else None
                if draft is not None:
                    write(module_dir / f"{stem}.draft.md", lesson_text(draft.front, draft.body))
                    if draft.quiz is not None:
                        write(module_dir / f"{stem}.draft.quiz.yaml", dump(draft.quiz))
    terms = db.session.scalars(select(GlossaryTerm).where(GlossaryTerm.archived.is_(False))
                               .order_by(GlossaryTerm.position)).all()
    if terms:
        write(dest / "glossary.yaml", dump({"terms": [_drop_empty({
            "term": t.term, "reading": t.reading, "definition": t.definition,
            "private_analogy": t.private_analogy}) for t in terms]}))
    return written


def _pending_drafts() -> dict[int, LessonRevision]:
    """{lesson id: newest revision} for the published lessons whose newest revision is newer than the published
    one and says something else (two queries)."""
    pending = {lesson_id: numbers for lesson_id, numbers in revision_numbers().items()
               if numbers[1] is not None and numbers[0] > numbers[1]}
    if not pending:
        return {}
    rows = db.session.scalars(select(LessonRevision).where(LessonRevision.lesson_id.in_(list(pending))))
    by_number = {(r.lesson_id, r.number): r for r in rows}
    drafts = {}
    for lesson_id, (head, published) in pending.items():
        if by_number[(lesson_id, head)].content != by_number[(lesson_id, published)].content:
            drafts[lesson_id] = by_number[(lesson_id, head)]
    return drafts


# -- a lesson's content as plain data -------------------------------------------------------------------------

def lesson_front(lesson: Lesson) -> dict:
    """The front matter of a lesson's live content (status aside)."""
    return {"title": lesson.title, "summary": lesson.summary, "minutes": lesson.minutes,
            "objectives": list(lesson.objectives), "tags": list(lesson.tags)}


def lesson_text(front: dict, body: str) -> str:
    """A lesson file: front matter, a blank line, the body."""
    return f"---\n{dump(front)}---\n\n{body.strip(chr(10))}\n"


def quiz_mapping(quiz: Quiz, questions: list[Question]) -> dict:
    return {"title": quiz.title, "pass_mark": quiz.pass_mark, "questions": [_question_out(q) for q in questions]}


def quiz_text(quiz: dict | None) -> str:
    return dump(quiz) if quiz is not None else ""


def live_content(lesson: Lesson) -> dict:
    """The content learners see (or, for a draft lesson, the working copy), read from the lesson's rows."""
    quiz = db.session.scalar(select(Quiz).where(Quiz.lesson_id == lesson.id, Quiz.archived.is_(False)))
    mapping = None
    if quiz is not None:
        questions = db.session.scalars(select(Question).where(Question.quiz_id == quiz.id,
                                                              Question.archived.is_(False))
                                       .order_by(Question.position)).all()
        mapping = quiz_mapping(quiz, list(questions))
    return {"front": lesson_front(lesson), "body": lesson.source.strip("\n"), "quiz": mapping}


def pack_content(pack_lesson: LessonPack) -> dict:
    """A lesson as read from files (or from the browser, through read_content) as plain data."""
    front = {"title": pack_lesson.title, "summary": pack_lesson.summary, "minutes": pack_lesson.minutes,
             "objectives": list(pack_lesson.objectives), "tags": list(pack_lesson.tags)}
    quiz = None
    if pack_lesson.quiz is not None:
        quiz = {"title": pack_lesson.quiz.title, "pass_mark": pack_lesson.quiz.pass_mark,
                "questions": [question_mapping(q) for q in pack_lesson.quiz.questions]}
    return {"front": front, "body": pack_lesson.body, "quiz": quiz}


def question_mapping(question: QuestionPack) -> dict:
    return _question_out(question)


@dataclass
class ContentCheck:
    """A lesson's content checked by the pack's rules and rendered: `lesson` (with its quiz) as the reader
    read it, `problems` (file LESSON_FILE or QUIZ_FILE, field as the reader names it), and the renders."""

    lesson: LessonPack
    problems: list[PackProblem]
    renders: dict = field(default_factory=dict)
    citations: int = 0
    verified: int = 0

    @property
    def content(self) -> dict:
        """The content as the reader normalised it (what is saved)."""
        return pack_content(self.lesson)

    @property
    def quiz(self) -> QuizPack | None:
        return self.lesson.quiz

    def rendered_body(self) -> Rendered:
        return self.renders[_key(self.lesson.where)]

    def rendered_explanation(self, question: QuestionPack) -> Rendered:
        return self.renders[_key(question.where)]

    def rendered_feedback(self, question: QuestionPack, index: int) -> Rendered:
        return self.renders[_key(feedback_location(question, index))]


def check_content(content: dict, resolver: CitationResolver | None = None) -> ContentCheck:
    """Check and render a lesson's content ({front, body, quiz}) as `flask content check` checks files."""
    lesson, problems = read_content(content["front"], content["body"], content.get("quiz"))
    checked = ContentCheck(lesson=lesson, problems=list(problems))
    _render_all(lesson_markdown_texts(lesson), resolver or CitationResolver(), checked)
    return checked


def apply_content(lesson: Lesson, checked: ContentCheck) -> None:
    """Write checked content into the lesson's rows and its quiz's, as an import would (questions matched by
    key; those no longer there are archived, never deleted)."""
    importer = _Importer(checked.renders, ImportReport(check=None))
    importer.lesson_content(lesson, checked.lesson)


def _group(rows, attribute: str) -> dict:
    grouped: dict = {}
    for row in rows:
        grouped.setdefault(getattr(row, attribute), []).append(row)
    return grouped


def _drop_empty(mapping: dict) -> dict:
    return {k: v for k, v in mapping.items() if v not in ("", None)}


def _question_out(question: Question | QuestionPack) -> dict:
    out = {"key": question.key, "type": question.type, "prompt": question.prompt}
    data = question.data
    if question.type in ("single", "multiple"):
        out["choices"] = [_choice_out(c) for c in data["choices"]]
    elif question.type == "truefalse":
        out["answer"] = data["answer"]
    elif question.type == "number":
        out["answer"] = data["answer"]
        if data.get("unit"):
            out["unit"] = data["unit"]
    elif question.type == "order":
        out["items"] = list(data["items"])
    out.update({"explanation": question.explanation, "difficulty": question.difficulty,
                "tags": list(question.tags)})
    return out


def _choice_out(choice: dict):
    if not choice.get("correct") and not choice.get("feedback"):
        return choice["text"]
    out = {"text": choice["text"]}
    if choice.get("correct"):
        out["correct"] = True
    if choice.get("feedback"):
        out["feedback"] = choice["feedback"]
    return out
