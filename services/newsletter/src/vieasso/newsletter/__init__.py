"""Newsletter: subscriptions with consent, personalised digests, reliable SMTP sending."""
