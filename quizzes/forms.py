"""Quiz forms. The answers themselves vary with the attempt's questions and are read from request.form by the
view; the form carries the CSRF token and which attempt is being answered."""

from wtforms import HiddenField
from wtforms.validators import Optional, Regexp

from common.forms import BaseForm


class SubmitAttemptForm(BaseForm):
    # The attempt the page was shown for; without it, the user's open attempt of the quiz is submitted.
    attempt_id = HiddenField(validators=[Optional(), Regexp(r"^\d{1,18}$")])


class RetakeForm(BaseForm):
    """Starting a new attempt is a state change: a POST with a CSRF token."""
