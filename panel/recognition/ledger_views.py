"""The ledger pages (helper E fills this in)."""
