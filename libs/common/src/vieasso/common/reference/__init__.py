"""Besançon's reference data: quartiers, themes (with RNA mapping) and city venues."""
