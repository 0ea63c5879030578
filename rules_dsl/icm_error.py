"""``IcmError``, the base of every exception the product raises for a user. It imports
nothing, so the command line can catch it without loading the plan language (``icm --help``
stays fast); ``rules_dsl.errors`` re-exports it."""


class IcmError(Exception):
    """What a user is told in one line, and the exit code it ends with (DATA_AND_CLI.md: 1 the
    input or a plan is wrong, 2 a usage error, 3 the ledger refused). It lives at the bottom
    layer, so every package may raise one; the command line catches just this class."""

    exit_code = 1

    def for_user(self) -> str:
        """The line the command line prints after ``Error: ``."""
        return str(self)
