"""Aides: the city's aid schemes and other funders' aids, matched to each association (SPEC §8)."""
