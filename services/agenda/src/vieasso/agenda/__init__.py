"""Agenda: events published by associations, turned into iCal, RSS, Atom and JSON-LD feeds."""
