"""REST API v1: token-authenticated clients; amounts are integer minor units."""
