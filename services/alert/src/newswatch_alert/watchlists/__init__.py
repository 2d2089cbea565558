"""Watchlists: models, query language, store, index, matcher and explanations; CRUD and test endpoint.
May import: common, users (authentication), delivery (a watchlist's channels)."""
