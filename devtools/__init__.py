"""Development tools: `make run` orchestration, the local SMTP sink, demo data loading."""
