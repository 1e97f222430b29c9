from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from common.forms import BaseForm


class RegisterForm(BaseForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=254)])
    display_name = StringField(_l("Display name"), validators=[DataRequired(), Length(max=80)],
                               description=_l("Shown to your mentor and in your study group."))
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=120)],
                               description=_l("For example: 〇〇市 デジタル推進課"))
    password = PasswordField(_l("Password"), validators=[DataRequired()],
                             description=_l("At least 10 characters. A short phrase you can remember works well."))
    confirm = PasswordField(_l("Password (again)"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))])


class LoginForm(BaseForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Keep me signed in on this device"))
