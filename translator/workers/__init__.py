"""Workers on many machines: jobs on a board in Redis, their ids on a Dramatiq queue,
one rate limit and one answer cache for every worker (see ``translate worker``).

Above the service (it reuses its causes, outputs and summaries), below the CLI.
"""
