"""Promises: the rules that turn supply into dates a customer can be told.

Below every context that reads or writes supply: the catalogue shows these dates, ordering
stamps them on waiting lines, purchasing's receipts teach them. Pure rules (``eta``,
``allocation``, ``slips``, ``remaining``) plus the one reader they learn from
(``slip_histories``: each supplier's receipts, kept per process).
"""
