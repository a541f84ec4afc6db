"""What every Vie associative Besançon service shares: the message contract, settings,
the NATS runtime (connection, provisioning, publishing) and the reference data."""
