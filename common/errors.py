"""Domain errors raised by services and translated into messages by views and commands."""


class DomainError(Exception):
    """A rule of the domain was broken; the message is meant for the person who broke it."""


class NotFound(DomainError):
    pass


class PermissionDenied(DomainError):
    pass
