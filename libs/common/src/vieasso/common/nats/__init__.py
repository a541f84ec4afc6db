"""NATS runtime shared by the services: catalogue of streams and buckets, provisioning,
publishing with deduplication, dead letters."""
