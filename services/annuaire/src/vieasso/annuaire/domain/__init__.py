"""Pure domain of the annuaire: records, rules and state machines (no I/O)."""
