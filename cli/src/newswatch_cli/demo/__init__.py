"""A small demo feed, written by us, so `newswatch dev` shows enriched articles within seconds."""
