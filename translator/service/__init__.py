"""Many papers: ``translate batch`` over a folder and ``translate watch`` on an inbox.

Above the jobs: it finds complete PDFs, keeps one job per PDF content in a SQLite
store beside the outputs, runs several papers at once on one scheduler, publishes
outputs whole, and sets failed inputs aside with their reason.
"""

from .events import EventLog
from .inbox import Folders, check_folders
from .paper import FatalError, Row
from .service import Service
from .store import JobStore

__all__ = ["EventLog", "FatalError", "Folders", "JobStore", "Row", "Service", "check_folders"]
