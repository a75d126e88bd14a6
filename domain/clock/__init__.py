"""The promise clock (DOMAIN.md rules 18-20): it decides *when*; each job is a service.

``job_runs`` runs a job once per period across processes, ``jobs`` lists what runs each store
day, ``runner`` is the loop inside ``preorder serve`` or ``preorder clock``, ``reads`` shows
staff the last and next runs.
"""
