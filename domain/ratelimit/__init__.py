"""Rate limits where a stranger can cause work or mail, held in the database across processes."""
