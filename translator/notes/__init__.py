"""Reading notes: a summary and per-section points, each citing the paragraphs it rests
on and checked against them before it is used (``translate notes``, ``--notes``)."""
