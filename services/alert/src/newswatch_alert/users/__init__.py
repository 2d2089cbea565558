"""Users: accounts, API keys (made, hashed, revoked) and the bearer authentication of every user route.
May import: common."""
