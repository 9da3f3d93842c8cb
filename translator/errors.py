"""Exceptions that carry an exit code and a message telling the user what to do.

The CLI maps each one to its exit code and prints only the message: a user never
sees a traceback for a problem they can fix themselves.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Documented exit codes of the ``translate`` command."""

    OK = 0
    UNEXPECTED = 1
    BAD_INPUT = 2
    GROBID_UNREACHABLE = 3
    GROBID_FAILED = 4
    API_AUTH = 5
    PARTIAL = 6
    API_UNAVAILABLE = 7
    OUTPUT_FAILED = 8
    SPEND_CAP = 9
    BROKER_UNREACHABLE = 10
    INTERRUPTED = 130


class TranslatorError(Exception):
    """Base class: ``str(err)`` is a one-line message that says what to do."""

    exit_code: ExitCode = ExitCode.UNEXPECTED


class BadInputError(TranslatorError):
    """The input file is missing, not a PDF, encrypted, corrupt, empty or has no text."""

    exit_code = ExitCode.BAD_INPUT


class ConfigError(TranslatorError):
    """A setting is missing or invalid."""

    exit_code = ExitCode.BAD_INPUT


class GrobidUnavailableError(TranslatorError):
    """The GROBID service does not answer."""

    exit_code = ExitCode.GROBID_UNREACHABLE


class GrobidParseError(TranslatorError):
    """GROBID answered but could not turn the PDF into TEI."""

    exit_code = ExitCode.GROBID_FAILED


class ApiAuthError(TranslatorError):
    """The translation API refused our credentials."""

    exit_code = ExitCode.API_AUTH


class ApiUnavailableError(TranslatorError):
    """The translation API could not be reached at all (wrong URL, server down, unknown model)."""

    exit_code = ExitCode.API_UNAVAILABLE


class PartialTranslationError(TranslatorError):
    """Outputs were written, but some segments kept their original text."""

    exit_code = ExitCode.PARTIAL


class OutputError(TranslatorError):
    """The outputs cannot be written: folder missing or read-only, disk full."""

    exit_code = ExitCode.OUTPUT_FAILED


class CacheFullError(TranslatorError):
    """The translation cache cannot grow: its disk is full."""

    exit_code = ExitCode.OUTPUT_FAILED


class BrokerError(TranslatorError):
    """Redis (the workers' broker) cannot be reached or refused a command: passing."""

    exit_code = ExitCode.BROKER_UNREACHABLE
