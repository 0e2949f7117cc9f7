"""Errors that carry a Chinese message telling the user what to fix.

Every layer raises these for bad input; the CLI prints the message and the GUI shows it where the
user acted. Anything else escaping a service is a bug, not a user's mistake.
"""

from datetime import datetime


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


class PermissionDeniedError(DomainError):
    """The logged-in person's role (or a liaison's department) does not allow this action; nothing was changed."""


class ConflictError(DomainError):
    """Someone else saved the same record after the user's form was loaded: the save was refused.

    Carries the other person's change (who, when, which fields old → new, as Chinese labels and texts) and the
    record's current values, so the user can reload, overwrite on purpose, or cancel.
    """

    def __init__(self, message: str, *, record: str = "", changed_by: str | None = None,
                 changed_at: datetime | None = None, changes: tuple[tuple[str, str, str], ...] = (),
                 current: tuple[tuple[str, str], ...] = (), current_version: int | None = None) -> None:
        super().__init__(message)
        self.record = record  # e.g. 「任务 1.2」
        self.changed_by = changed_by
        self.changed_at = changed_at
        self.changes = changes  # (field label, old text, new text)
        self.current = current  # (field label, current text)
        self.current_version = current_version
