"""The base form: CSRF protected (Flask-WTF) and with Japanese-friendly defaults."""

from flask_wtf import FlaskForm


class BaseForm(FlaskForm):
    class Meta:
        # Field-level error messages come from WTForms' own translations in the user's locale.
        locales = ("ja_JP", "ja")
