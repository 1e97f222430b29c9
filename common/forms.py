"""The base form: CSRF protected (Flask-WTF), with WTForms' own messages in the interface's language."""

from flask_babel import get_locale
from flask_wtf import FlaskForm


class BaseForm(FlaskForm):
    class Meta:
        @property
        def locales(self):
            return [str(get_locale() or "ja")]
