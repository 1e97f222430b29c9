"""Authoring forms. They parse and carry CSRF; the rules of what a valid lesson or question is are the content
pack's (contentpack.reader, through authoring.services), so the browser and the files never disagree."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, Regexp

from common.forms import BaseForm

REVISION_ID = Regexp(r"^\d{0,18}$")


class _Revisioned(BaseForm):
    # The revision the page was showing: a save based on an older one is refused (optimistic concurrency).
    base_revision = HiddenField(validators=[Optional(), REVISION_ID])


class LessonForm(_Revisioned):
    title = StringField(_l("Title"), validators=[Length(max=200)])
    summary = TextAreaField(_l("Summary"), validators=[Length(max=2000)],
                            description=_l("One or two sentences shown under the title."))
    minutes = IntegerField(_l("Minutes to read"), validators=[Optional()], description=_l("1 to 120."))
    objectives = TextAreaField(_l("Objectives"), validators=[Length(max=4000)],
                               description=_l("One per line: what a learner can do after the lesson."))
    tags = StringField(_l("Tags"), validators=[Length(max=400)], description=_l("Separated by commas."))
    body = TextAreaField(_l("Body (Markdown)"), validators=[Length(max=200_000)],
                         description=_l("Markdown. Cite articles as [[自治法234条の3]]; boxes: !!! contrast "
                                        "\"民間との違い\", !!! example \"ケース\"."))
    note = StringField(_l("Note on this revision"), validators=[Length(max=200)],
                       description=_l("Optional: what you changed and why."))


class NewLessonForm(LessonForm):
    slug = StringField(_l("Slug (address)"), validators=[Length(max=80)],
                       description=_l("Lower-case letters, digits and hyphens; it cannot change later."))


class ModuleForm(BaseForm):
    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=200)])
    summary = TextAreaField(_l("Summary"), validators=[Length(max=2000)])
    objectives = TextAreaField(_l("Objectives"), validators=[Length(max=4000)],
                               description=_l("One per line."))


class NewModuleForm(ModuleForm):
    slug = StringField(_l("Slug (address)"), validators=[Length(max=80)],
                       description=_l("Lower-case letters, digits and hyphens; it cannot change later."))


class ChoiceForm(Form):
    """One row of a single or multiple choice question (a sub-form: the page's form carries the CSRF token)."""

    text = StringField(_l("Choice"), validators=[Length(max=1000)])
    correct = BooleanField(_l("Correct"))
    feedback = TextAreaField(_l("Feedback"), validators=[Length(max=4000)],
                             description=_l("Shown to a learner who got this choice wrong."))


class QuestionForm(_Revisioned):
    key = StringField(_l("Key"), validators=[Length(max=80)],
                      description=_l("Letters, digits, hyphens and underscores; it never changes once saved."))
    prompt = TextAreaField(_l("Question"), validators=[Length(max=4000)])
    choices = FieldList(FormField(ChoiceForm), min_entries=0)
    answer = RadioField(_l("Right answer"), validators=[Optional()],
                        choices=[SelectChoice("true", _l("True")), SelectChoice("false", _l("False"))])
    number = StringField(_l("Right answer (a number)"), validators=[Length(max=40)])
    unit = StringField(_l("Unit"), validators=[Length(max=20)], description=_l("Optional, for example 万円."))
    items = TextAreaField(_l("Items in the right order"), validators=[Length(max=8000)],
                          description=_l("One per line, in the correct order; learners see them shuffled."))
    explanation = TextAreaField(_l("Explanation"), validators=[Length(max=8000)],
                                description=_l("Shown after submitting, with citations like [[自治法96条1項]]."))
    difficulty = SelectField(_l("Difficulty"), choices=[SelectChoice(level) for level in ("1", "2", "3")], default="1")
    tags = StringField(_l("Tags"), validators=[Length(max=400)], description=_l("Separated by commas."))
    note = StringField(_l("Note on this revision"), validators=[Length(max=200)])


class QuizSettingsForm(_Revisioned):
    title = StringField(_l("Quiz title"), validators=[Length(max=200)])
    pass_mark = IntegerField(_l("Pass mark (percent)"), validators=[Optional()], description=_l("0 to 100."))
    note = StringField(_l("Note on this revision"), validators=[Length(max=200)])


class RevisionedActionForm(_Revisioned):
    """Publish, restore, move, remove: a POST with the CSRF token and the revision the page showed."""


class ActionForm(BaseForm):
    """Archive, move a module, mark reviewed, regrade: a POST with the CSRF token."""
