import click
from flask.cli import AppGroup

from accounts import services
from extensions import db

group = AppGroup("users", help="Create accounts and change roles.")


@group.command("create")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(["learner", "mentor", "admin"]), default="learner", show_default=True)
@click.option("--name", "display_name", default="", help="Display name (default: the part before @).")
@click.option("--organisation", default="")
@click.password_option(help="Prompted for when not given.")
def create(email, role, display_name, organisation, password):
    """Create an account."""
    try:
        user = services.create_user(email, password, display_name, organisation, role=role)
    except services.AccountError as error:
        raise click.ClickException(f"{error.field}: {error}") from error
    db.session.commit()
    click.echo(f"created {user.email} ({user.role})")


@group.command("role")
@click.argument("email")
@click.argument("role", type=click.Choice(["learner", "mentor", "admin"]))
def role(email, role):
    """Change the role of an account."""
    try:
        user = services.set_role(email, role)
    except services.AccountError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"{user.email} is now {user.role}")


@group.command("unlock")
@click.argument("email")
def unlock(email):
    """Lift the sign-in lockout of an account (after too many wrong passwords)."""
    try:
        user = services.unlock(email)
    except services.AccountError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"{user.email} can sign in again")
