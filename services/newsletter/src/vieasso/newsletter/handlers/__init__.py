"""Use cases of the newsletter: subscriptions, editions, deliveries."""
