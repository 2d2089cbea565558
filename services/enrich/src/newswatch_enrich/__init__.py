"""newswatch enrich service."""
