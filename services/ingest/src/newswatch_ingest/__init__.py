"""newswatch ingest service."""
