"""Association tokens: shared by every service's API (`vieasso.common.web.tokens`)."""

from vieasso.common.web.tokens import AssociationTokens, token_digest

__all__ = ["AssociationTokens", "token_digest"]
