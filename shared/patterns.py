"""Patterns of the names the API is written in, for validation and for the OpenAPI documents.

Written in the common subset of Python's and ECMAScript's regular expressions, so that the
`pattern` a document shows (JSON Schema, ECMAScript) states exactly what its service accepts.
"""

from __future__ import annotations

from marshmallow import ValidationError, validate

# A key of a question, index, option or segment attribute: `job_security`, `department`.
KEY = r"[a-z][a-z0-9_]{0,62}"


class FullMatch(validate.Regexp):
    """marshmallow's `Regexp` over the whole value, as JSON Schema reads `^...$`.

    Python's `$` also matches before a final newline (`"key\\n"`); ECMAScript's does not.
    apispec documents it as the `pattern` of its field, like `Regexp`.
    """

    def __call__(self, value):
        """Return `value` if the whole of it matches, else raise a ValidationError."""
        if not isinstance(value, str) or self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value
