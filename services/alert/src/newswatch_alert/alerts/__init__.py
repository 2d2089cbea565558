"""Alerts: the articles.enriched handler that makes them, their store, /alerts and its live stream.
May import: common, users, delivery, live, watchlists."""
