"""Annuaire: the directory of associations, venues, themes, quartiers and volunteer missions."""
