"""Errors that carry a Chinese message telling the user what to fix.

Every layer raises these for bad input; the CLI prints the message and the GUI shows it where the
user acted. Anything else escaping a service is a bug, not a user's mistake.
"""


class DomainError(Exception):
    """A refusal the user can act on; ``message`` is the Chinese text shown to them."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NotFoundError(DomainError):
    """A code, department or record the user named does not exist."""


class ValidationError(DomainError):
    """A value the user gave is malformed or breaks a rule."""


class PlanFormatError(DomainError):
    """A plan document whose key-task structure cannot be found."""


class StorageError(DomainError):
    """The database cannot be opened, migrated or written (locked, newer, full, unreadable)."""
