"""From demand to supply and back (DOMAIN.md rules 24-26): reorder drafts, purchase orders
sent to suppliers with a private link, their answers, reminders.

Above ``notifications`` in the context order: it writes outbox rows and calls purchasing
services; nothing below imports it.
"""
