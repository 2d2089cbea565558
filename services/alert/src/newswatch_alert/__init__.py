"""newswatch alert service."""
