"""Terminology: user and extracted glossaries, matching, and consistency checks."""

from .entries import Entry, Glossary, default_glossary_path, load_csv, write_csv
from .matcher import Occurrence, TermMatcher

__all__ = ["Entry", "Glossary", "Occurrence", "TermMatcher", "default_glossary_path", "load_csv", "write_csv"]
