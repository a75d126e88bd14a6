"""The catalogue kept by staff (DOMAIN.md rule 23): products, suppliers, stock counts and
their CSV files.

A change that can move a date (a lead time, a release date, a stock count) re-plans the
products' queues in its own transaction, so this context sits above ordering; the catalogue's
records, reads and availability rules stay below it in ``domain.catalog``.
"""
