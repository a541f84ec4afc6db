"""Ressources: the city lends equipment and rooms to associations (SPEC §8)."""
