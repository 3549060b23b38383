"""The two refusals every front end shows as they are: Chinese messages meant for the user."""


class DatabaseError(Exception):
    """A database file that cannot be opened as it is (newer, foreign, damaged, unwritable)."""


class OperationError(Exception):
    """A change that was refused; the message says why. Nothing was written."""
