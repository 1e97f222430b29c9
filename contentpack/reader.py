"""Reads a content pack (DESIGN §4) into plain dataclasses, collecting every problem as
`file:line: field: message` instead of stopping at the first one.

The same rules check what a mentor types in the browser: `read_content()` runs a lesson's front matter, body
and quiz, given as plain mappings, through exactly the code that reads the files, so the two can never
disagree about what a valid lesson or question is."""

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from contentpack.yamlload import LineDict, LineList, YamlProblem, load

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
ORDERED_NAME_RE = re.compile(r"^(\d+)-([a-z0-9][a-z0-9-]*)$")
QUESTION_TYPES = ("single", "multiple", "truefalse", "number", "order")

COURSE_KEYS = {"title": True, "summary": False, "audience": False}
MODULE_KEYS = {"title": True, "summary": False, "objectives": False, "requires": False}
LESSON_KEYS = {"title": True, "summary": False, "minutes": True, "objectives": False, "tags": False,
               "status": False}
QUIZ_KEYS = {"title": True, "pass_mark": True, "questions": True}
QUESTION_KEYS = {"key": True, "type": True, "prompt": True, "explanation": True, "difficulty": True,
                 "tags": False}
TYPE_KEYS = {"single": {"choices"}, "multiple": {"choices"}, "truefalse": {"answer"},
             "number": {"answer", "unit"}, "order": {"items"}}
CHOICE_KEYS = {"text", "correct", "feedback"}
TERM_KEYS = {"term": True, "reading": False, "definition": True, "private_analogy": False}


@dataclass(frozen=True)
class PackProblem:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


@dataclass
class Located:
    """Where a piece of Markdown lives, so a problem found while rendering it points at the right line."""
    file: str
    line: int  # line of the first line of the text
    field: str


@dataclass
class QuestionPack:
    key: str
    type: str
    prompt: str
    explanation: str
    difficulty: int
    tags: list
    data: dict
    where: Located


@dataclass
class QuizPack:
    title: str
    pass_mark: int
    questions: list[QuestionPack]
    file: str


@dataclass
class LessonPack:
    slug: str
    position: int
    title: str
    summary: str
    minutes: int
    objectives: list
    tags: list
    status: str
    body: str
    where: Located
    quiz: QuizPack | None = None
    draft: "LessonPack | None" = None  # unpublished changes of a published lesson (<NN>-<slug>.draft.md)


@dataclass
class ModulePack:
    slug: str
    position: int
    title: str
    summary: str
    objectives: list
    requires: list
    lessons: list[LessonPack] = field(default_factory=list)


@dataclass
class CoursePack:
    slug: str
    title: str
    summary: str
    audience: str
    modules: list[ModulePack] = field(default_factory=list)


@dataclass
class TermPack:
    term: str
    reading: str
    definition: str
    private_analogy: str
    where: Located


@dataclass
class Pack:
    root: Path
    courses: list[CoursePack] = field(default_factory=list)
    terms: list[TermPack] = field(default_factory=list)
    problems: list[PackProblem] = field(default_factory=list)
    files: int = 0

    def markdown_texts(self):
        """Every Markdown text of the pack with its location: lesson bodies, explanations, feedback, glossary."""
        for course in self.courses:
            for module in course.modules:
                for lesson in module.lessons:
                    yield from lesson_markdown_texts(lesson)
                    if lesson.draft is not None:
                        yield from lesson_markdown_texts(lesson.draft)
        for term in self.terms:
            yield term.definition, term.where
            if term.private_analogy:
                yield term.private_analogy, Located(term.where.file, term.where.line, "private_analogy")


UNREADABLE = object()  # load_yaml's answer for a file it has already reported as unreadable
DRAFT_SUFFIX = ".draft"  # <NN>-<slug>.draft.md and <NN>-<slug>.draft.quiz.yaml: a published lesson's draft


def lesson_markdown_texts(lesson: LessonPack):
    """The Markdown texts of one lesson with their locations: the body, then each question's explanation and
    choice feedback."""
    yield lesson.body, lesson.where
    for question in lesson.quiz.questions if lesson.quiz else []:
        yield question.explanation, question.where
        for index, choice in enumerate(question.data.get("choices", [])):
            if choice.get("feedback"):
                yield choice["feedback"], feedback_location(question, index)


def feedback_location(question: QuestionPack, index: int) -> Located:
    return Located(question.where.file, question.where.line, f"questions[{question.key}].choices[{index}].feedback")


class _Reader:
    def __init__(self, root: Path):
        self.pack = Pack(root=root)

    def problem(self, path: Path | str, line: int, field_name: str, message: str) -> None:
        rel = self._rel(path)
        self.pack.problems.append(PackProblem(rel, line, field_name, message))

    def _rel(self, path: Path | str) -> str:
        if isinstance(path, str):  # a name given by read_content, not a file
            return path
        try:
            return str(path.relative_to(self.pack.root.parent))
        except ValueError:
            return str(path)

    # -- files --------------------------------------------------------------------------------------------

    def load_yaml(self, path: Path, text: str | None = None, line_offset: int = 0):
        self.pack.files += 1 if text is None else 0
        try:
            text = path.read_text(encoding="utf-8") if text is None else text
        except (OSError, UnicodeDecodeError) as error:
            self.problem(path, 1, "file", f"読めません: {error}")
            return UNREADABLE
        try:
            data, duplicates = load(text, line_offset)
        except YamlProblem as error:
            self.problem(path, error.line, "yaml", str(error))
            return UNREADABLE
        for line, key in duplicates:
            self.problem(path, line, key, "同じキーが2回書かれています")
        return data

    def expect_mapping(self, path: Path, data, what: str) -> LineDict | None:
        if data is UNREADABLE:  # already reported
            return None
        if not isinstance(data, LineDict):
            self.problem(path, getattr(data, "line", 1), what, "キーと値の組(マッピング)が必要です")
            return None
        return data

    def check_keys(self, path: Path, data: LineDict, spec: dict | set, prefix: str = "") -> None:
        allowed = set(spec)
        for key in data:
            if key not in allowed:
                self.problem(path, data.line_of(key), f"{prefix}{key}",
                             f"不明なキーです(使えるキー: {', '.join(sorted(map(str, allowed)))})")
        if isinstance(spec, dict):
            for key, required in spec.items():
                if required and (key not in data or data[key] in (None, "")):
                    self.problem(path, data.line, f"{prefix}{key}", "必須です")

    def text(self, path: Path, data: LineDict, key: str, prefix: str = "") -> str:
        value = data.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.problem(path, data.line_of(key), f"{prefix}{key}", "文字列が必要です")
            return str(value)
        return value.strip()

    def string_list(self, path: Path, data: LineDict, key: str, prefix: str = "") -> list[str]:
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(path, data.line_of(key), f"{prefix}{key}", "文字列のリストが必要です")
            return []
        return [v.strip() for v in value]

    def integer(self, path: Path, data: LineDict, key: str, low: int, high: int, prefix: str = "") -> int:
        value = data.get(key)
        if value is None:
            return low
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.problem(path, data.line_of(key), f"{prefix}{key}", f"{low}〜{high} の整数が必要です")
            return low
        return value

    # -- the tree -----------------------------------------------------------------------------------------

    def read(self) -> Pack:
        root = self.pack.root
        if not root.is_dir():
            self.problem(str(root), 1, "path", "フォルダが見つかりません")
            return self.pack
        glossary = root / "glossary.yaml"
        if glossary.exists():
            self.read_glossary(glossary)
        courses_dir = root / "courses"
        for course_dir in sorted(p for p in courses_dir.iterdir() if p.is_dir()) if courses_dir.is_dir() else []:
            self.read_course(course_dir)
        return self.pack

    def read_course(self, course_dir: Path) -> None:
        path = course_dir / "course.yaml"
        slug = course_dir.name
        if not SLUG_RE.match(slug):
            self.problem(course_dir, 1, "slug", "フォルダ名は英小文字・数字・ハイフンにしてください")
        if not path.exists():
            self.problem(path, 1, "file", "course.yaml がありません")
            return
        data = self.expect_mapping(path, self.load_yaml(path), "course")
        if data is None:
            return
        self.check_keys(path, data, COURSE_KEYS)
        course = CoursePack(slug, self.text(path, data, "title"), self.text(path, data, "summary"),
                            self.text(path, data, "audience"))
        seen: dict[str, int] = {}
        for module_dir in sorted(p for p in course_dir.iterdir() if p.is_dir()):
            module = self.read_module(module_dir, seen)
            if module:
                course.modules.append(module)
        self.check_requires(course_dir, course)
        self.pack.courses.append(course)

    def ordered_name(self, path: Path, name: str, seen: dict[str, int]) -> tuple[int, str] | None:
        match = ORDERED_NAME_RE.match(name)
        if not match:
            self.problem(path, 1, "slug", "名前は「NN-slug」(番号-英小文字・数字・ハイフン)にしてください")
            return None
        position, slug = int(match.group(1)), match.group(2)
        if slug in seen:
            self.problem(path, 1, "slug", f"スラッグ「{slug}」が重複しています")
            return None
        seen[slug] = position
        return position, slug

    def read_module(self, module_dir: Path, seen: dict[str, int]) -> ModulePack | None:
        named = self.ordered_name(module_dir, module_dir.name, seen)
        path = module_dir / "module.yaml"
        if not path.exists():
            self.problem(path, 1, "file", "module.yaml がありません")
            return None
        data = self.expect_mapping(path, self.load_yaml(path), "module")
        if data is None or named is None:
            return None
        self.check_keys(path, data, MODULE_KEYS)
        module = ModulePack(named[1], named[0], self.text(path, data, "title"), self.text(path, data, "summary"),
                            self.string_list(path, data, "objectives"), self.string_list(path, data, "requires"))
        module._requires_line = data.line_of("requires")  # for the requires check
        lesson_slugs: dict[str, int] = {}
        lesson_paths = sorted(module_dir.glob("*.md"))
        for lesson_path in lesson_paths:
            if lesson_path.stem.endswith(DRAFT_SUFFIX):
                continue
            lesson = self.read_lesson(lesson_path, lesson_slugs)
            if lesson:
                module.lessons.append(lesson)
        for draft_path in lesson_paths:
            if draft_path.stem.endswith(DRAFT_SUFFIX):
                self.read_draft(draft_path, module)
        for quiz_path in sorted(module_dir.glob("*.quiz.yaml")):
            stem = quiz_path.name[: -len(".quiz.yaml")]
            lesson = self.lesson_of(module, stem)
            if lesson is None:
                self.problem(quiz_path, 1, "file", f"対応するレッスン {stem}.md がありません")
                continue
            lesson.quiz = self.read_quiz(quiz_path)
        for other in module_dir.iterdir():
            if other.is_file() and other.name not in ("module.yaml",) and not (
                    other.name.endswith(".md") or other.name.endswith(".quiz.yaml")):
                self.problem(other, 1, "file", "コンテンツパックに含まれない種類のファイルです")
        return module

    @staticmethod
    def lesson_of(module: ModulePack, stem: str) -> LessonPack | None:
        """The lesson (or, for a stem ending in .draft, the lesson's draft) that a file named <stem>.* belongs
        to."""
        for lesson in module.lessons:
            if lesson.where.file.endswith(f"/{stem}.md"):
                return lesson
            if lesson.draft is not None and lesson.draft.where.file.endswith(f"/{stem}.md"):
                return lesson.draft
        return None

    def read_draft(self, path: Path, module: ModulePack) -> None:
        stem = path.stem[: -len(DRAFT_SUFFIX)]
        lesson = self.lesson_of(module, stem)
        if lesson is None:
            self.problem(path, 1, "file", f"対応するレッスン {stem}.md がありません")
            return
        if lesson.status != "published":
            self.problem(path, 1, "file",
                         "下書きファイルは公開中のレッスンにだけ置けます(非公開のレッスンは本体が下書きです)")
            return
        draft = self.read_lesson(path, {}, name=stem, draft=True)
        if draft is not None:
            lesson.draft = draft

    def check_requires(self, course_dir: Path, course: CoursePack) -> None:
        earlier: set[str] = set()
        for module in course.modules:
            for slug in module.requires:
                if slug not in earlier:
                    self.problem(course_dir / f"{module.position:02d}-{module.slug}" / "module.yaml",
                                 module._requires_line, "requires",
                                 f"「{slug}」はこのモジュールより前にあるモジュールのスラッグではありません")
            earlier.add(module.slug)

    def read_lesson(self, path: Path, seen: dict[str, int], name: str | None = None,
                    draft: bool = False) -> LessonPack | None:
        self.pack.files += 1
        named = self.ordered_name(path, name or path.stem, seen)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            self.problem(path, 1, "file", f"読めません: {error}")
            return None
        lines = text.split("\n")
        if not lines or lines[0].strip() != "---" or "---" not in [ln.strip() for ln in lines[1:]]:
            self.problem(path, 1, "front matter", "先頭に「---」で囲んだ YAML のフロントマターが必要です")
            return None
        end = 1 + [ln.strip() for ln in lines[1:]].index("---")
        data = self.load_yaml(path, "\n".join(lines[1:end]), line_offset=1)
        data = self.expect_mapping(path, data, "front matter")
        if data is None or named is None:
            return None
        body_start = end + 2  # 1-based line of the first body line
        body = "\n".join(lines[end + 1:]).strip("\n")
        leading_blank = len(lines[end + 1:]) - len("\n".join(lines[end + 1:]).lstrip("\n").split("\n"))
        return self.lesson_from(path, data, body, body_start, body_start + leading_blank, named, draft)

    def lesson_from(self, path: Path | str, data: LineDict, body: str, body_start: int, first_line: int,
                    named: tuple[int, str], draft: bool = False) -> LessonPack:
        """A lesson from its front matter (a mapping) and body: the rules for files and for the browser."""
        keys = {k: v for k, v in LESSON_KEYS.items() if k != "status"} if draft else LESSON_KEYS
        self.check_keys(path, data, keys)
        status = self.text(path, data, "status") or "published"
        if status not in ("draft", "published"):
            self.problem(path, data.line_of("status"), "status", "draft か published を指定してください")
        if not body.strip():
            self.problem(path, body_start, "body", "本文がありません")
        return LessonPack(
            slug=named[1], position=named[0], title=self.text(path, data, "title"),
            summary=self.text(path, data, "summary"), minutes=self.integer(path, data, "minutes", 1, 120),
            objectives=self.string_list(path, data, "objectives"), tags=self.string_list(path, data, "tags"),
            status=status, body=body, where=Located(self._rel(path), first_line, "body"))

    def read_quiz(self, path: Path) -> QuizPack | None:
        return self.quiz_from(path, self.load_yaml(path))

    def quiz_from(self, path: Path | str, data) -> QuizPack | None:
        """A quiz from its mapping: the rules for files and for the browser."""
        data = self.expect_mapping(path, data, "quiz")
        if data is None:
            return None
        self.check_keys(path, data, QUIZ_KEYS)
        questions_data = data.get("questions")
        questions: list[QuestionPack] = []
        if not isinstance(questions_data, LineList) or not questions_data:
            self.problem(path, data.line_of("questions"), "questions", "問題のリストが必要です")
        else:
            keys: set[str] = set()
            for index, item in enumerate(questions_data):
                question = self.read_question(path, item, index, keys)
                if question:
                    questions.append(question)
        return QuizPack(self.text(path, data, "title"), self.integer(path, data, "pass_mark", 0, 100),
                        questions, self._rel(path))

    def read_question(self, path: Path, data, index: int, keys: set[str]) -> QuestionPack | None:
        if not isinstance(data, LineDict):
            self.problem(path, getattr(data, "line", 1), f"questions[{index}]", "問題はマッピングで書きます")
            return None
        key = data.get("key")
        label = f"questions[{key if isinstance(key, str) else index}]."
        qtype = data.get("type")
        allowed = dict(QUESTION_KEYS)
        if qtype in TYPE_KEYS:
            allowed.update({k: False for k in TYPE_KEYS[qtype]})
        self.check_keys(path, data, allowed, label)
        if isinstance(key, str):
            if not KEY_RE.match(key):
                self.problem(path, data.line_of("key"), f"{label}key", "キーは英数字・ハイフン・下線で書きます")
            if key in keys:
                self.problem(path, data.line_of("key"), f"{label}key", f"問題キー「{key}」が重複しています")
            keys.add(key)
        if qtype not in QUESTION_TYPES:
            if qtype is not None:
                self.problem(path, data.line_of("type"), f"{label}type",
                             f"不明な種類です(使える種類: {', '.join(QUESTION_TYPES)})")
            return None
        question_data = getattr(self, f"read_{qtype}")(path, data, label)
        if question_data is None or not isinstance(key, str):
            return None
        return QuestionPack(
            key=key, type=qtype, prompt=self.text(path, data, "prompt", label),
            explanation=self.text(path, data, "explanation", label),
            difficulty=self.integer(path, data, "difficulty", 1, 3, label),
            tags=self.string_list(path, data, "tags", label), data=question_data,
            where=Located(self._rel(path), data.line_of("explanation"), f"{label}explanation"))

    def read_choices(self, path: Path, data: LineDict, label: str) -> list[dict] | None:
        raw = data.get("choices")
        if not isinstance(raw, LineList) or len(raw) < 2:
            self.problem(path, data.line_of("choices"), f"{label}choices", "選択肢を2つ以上書きます")
            return None
        choices, texts = [], set()
        for i, item in enumerate(raw):
            line = raw.lines[i]
            if isinstance(item, str):
                choice = {"text": item.strip(), "correct": False, "feedback": ""}
            elif isinstance(item, LineDict):
                self.check_keys(path, item, CHOICE_KEYS, f"{label}choices[{i}].")
                correct = item.get("correct", False)
                if not isinstance(correct, bool):
                    self.problem(path, item.line_of("correct"), f"{label}choices[{i}].correct",
                                 "true か false を書きます")
                choice = {"text": str(item.get("text") or "").strip(), "correct": correct is True,
                          "feedback": str(item.get("feedback") or "").strip()}
            else:
                self.problem(path, line, f"{label}choices[{i}]", "選択肢は文字列か {text, correct, feedback} です")
                continue
            if not choice["text"]:
                self.problem(path, line, f"{label}choices[{i}].text", "選択肢の文が空です")
            elif choice["text"] in texts:
                self.problem(path, line, f"{label}choices[{i}].text", "同じ選択肢が2回あります")
            texts.add(choice["text"])
            choices.append(choice)
        return choices

    def read_single(self, path: Path, data: LineDict, label: str) -> dict | None:
        choices = self.read_choices(path, data, label)
        if choices is None:
            return None
        correct = sum(c["correct"] for c in choices)
        if correct != 1:
            self.problem(path, data.line_of("choices"), f"{label}choices",
                         "正解(correct: true)がありません" if correct == 0 else "single の正解は1つだけです")
        return {"choices": choices}

    def read_multiple(self, path: Path, data: LineDict, label: str) -> dict | None:
        choices = self.read_choices(path, data, label)
        if choices is None:
            return None
        if not any(c["correct"] for c in choices):
            self.problem(path, data.line_of("choices"), f"{label}choices", "正解(correct: true)がありません")
        return {"choices": choices}

    def read_truefalse(self, path: Path, data: LineDict, label: str) -> dict | None:
        answer = data.get("answer")
        if not isinstance(answer, bool):
            self.problem(path, data.line_of("answer"), f"{label}answer", "正解(true か false)がありません")
            return None
        return {"answer": answer}

    def read_number(self, path: Path, data: LineDict, label: str) -> dict | None:
        answer = data.get("answer")
        try:
            if isinstance(answer, bool) or answer is None:
                raise InvalidOperation
            number = Decimal(str(answer))
            if not number.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            self.problem(path, data.line_of("answer"), f"{label}answer", "正解の数値がありません")
            return None
        value = int(number) if number == number.to_integral_value() else float(number)
        return {"answer": value, "unit": self.text(path, data, "unit", label)}

    def read_order(self, path: Path, data: LineDict, label: str) -> dict | None:
        items = data.get("items")
        if not isinstance(items, list) or len(items) < 2 or not all(isinstance(i, str) for i in items):
            self.problem(path, data.line_of("items"), f"{label}items",
                         "並べる項目(文字列)を2つ以上、正しい順に書きます")
            return None
        if len(set(items)) != len(items):
            self.problem(path, data.line_of("items"), f"{label}items", "同じ項目が2回あります")
        return {"items": [i.strip() for i in items]}

    def read_glossary(self, path: Path) -> None:
        data = self.expect_mapping(path, self.load_yaml(path), "glossary")
        if data is None:
            return
        self.check_keys(path, data, {"terms"})
        terms = data.get("terms")
        if not isinstance(terms, LineList):
            self.problem(path, data.line_of("terms"), "terms", "用語のリストが必要です")
            return
        seen: set[str] = set()
        for i, item in enumerate(terms):
            if not isinstance(item, LineDict):
                self.problem(path, terms.lines[i], f"terms[{i}]", "用語はマッピングで書きます")
                continue
            label = f"terms[{item.get('term', i)}]."
            self.check_keys(path, item, TERM_KEYS, label)
            term = self.text(path, item, "term", label)
            if term in seen:
                self.problem(path, item.line_of("term"), f"{label}term", f"用語「{term}」が重複しています")
                continue
            seen.add(term)
            if term:
                self.pack.terms.append(TermPack(
                    term, self.text(path, item, "reading", label), self.text(path, item, "definition", label),
                    self.text(path, item, "private_analogy", label),
                    Located(self._rel(path), item.line_of("definition"), f"{label}definition")))


def read_pack(root: Path | str) -> Pack:
    return _Reader(Path(root).resolve()).read()


def as_yaml_data(value):
    """Plain mappings and lists as the YAML loader builds them (LineDict, LineList), with no line numbers: what
    the browser sends goes through the reader's own code."""
    if isinstance(value, dict) and not isinstance(value, LineDict):
        out = LineDict({key: as_yaml_data(item) for key, item in value.items()})
        out.line, out.lines = 0, {}
        return out
    if isinstance(value, list | tuple) and not isinstance(value, LineList):
        out = LineList(as_yaml_data(item) for item in value)
        out.line, out.lines = 0, [0] * len(out)
        return out
    return value


LESSON_FILE = "lesson.md"
QUIZ_FILE = "quiz.yaml"


def read_content(front: dict, body: str, quiz: dict | None, draft: bool = True) -> tuple[LessonPack, list[PackProblem]]:
    """Check a lesson given as plain data (front matter mapping, Markdown body, quiz mapping or None) by the
    rules of the pack reader. Problems name the file as LESSON_FILE or QUIZ_FILE, the field as the reader does
    (`title`, `body`, `questions[key].choices[1].text` …), and a line only within the body."""
    reader = _Reader(Path("."))
    body = (body or "").replace("\r\n", "\n").strip("\n")
    lesson = reader.lesson_from(LESSON_FILE, as_yaml_data(dict(front)), body, 1, 1, (0, ""), draft=draft)
    if quiz is not None:
        lesson.quiz = reader.quiz_from(QUIZ_FILE, as_yaml_data(dict(quiz)))
    return lesson, reader.pack.problems
