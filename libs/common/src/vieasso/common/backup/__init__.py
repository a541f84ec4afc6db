"""Backup and restore of every stream and KV bucket of the catalogue (JetStream snapshots).

``python -m vieasso.common.backup backup DIR`` / ``restore DIR`` / ``schedule ROOT``;
see docs/deploy.md.
"""
