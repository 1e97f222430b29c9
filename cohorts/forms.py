"""Cohort forms. Every state-changing request is a POST of one of these (CSRF protected through BaseForm)."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from common.forms import BaseForm


class CohortForm(BaseForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)],
                       description=_l("For example: 2027年4月 入庁 DX人材"))
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=120)],
                               description=_l("For example: 〇〇市 デジタル推進課"))
    course_id = SelectField(_l("Course"), coerce=int, validators=[DataRequired()])
    starts_on = DateField(_l("Start date"), validators=[Optional()])
    ends_on = DateField(_l("End date"), validators=[Optional()])
    stall_days = IntegerField(_l("Days without activity before a learner counts as stalled"), default=14,
                              validators=[DataRequired(), NumberRange(min=1, max=365)])

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The end date must not be before the start date."))


class CheckboxListField(SelectMultipleField):
    """Several choices as a list of checkboxes: each one labelled, usable with a keyboard and on a phone."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SessionForm(BaseForm):
    held_on = DateField(_l("Date of the meeting"), validators=[DataRequired()])
    modules = CheckboxListField(_l("Modules to finish before the meeting"), coerce=int, validators=[Optional()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)],
                         description=_l("Place, time, what to bring, what to think about."))


class JoinForm(BaseForm):
    code = StringField(_l("Invite code"), validators=[DataRequired(), Length(max=40)],
                       description=_l("The code your mentor gave you, for example ABCDE-FGHJK."))


class MentorForm(BaseForm):
    email = EmailField(_l("E-mail address of the co-mentor"), validators=[DataRequired(), Email(), Length(max=254)])


class PrivacyForm(BaseForm):
    hide_name = BooleanField(_l("Hide my name from the other learners of this cohort"),
                             description=_l("Your mentors still see your name and progress."))


class ActionForm(BaseForm):
    """A button that changes something (rotate the code, leave …): only the CSRF token."""
