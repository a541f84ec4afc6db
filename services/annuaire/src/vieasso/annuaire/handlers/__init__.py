"""Use cases of the annuaire, each taking the `Annuaire` unit (repositories, index, clock…)."""
