"""Live feed: stored articles, their facet index and stream, filters, trends; /articles and /trends.
May import: common."""
