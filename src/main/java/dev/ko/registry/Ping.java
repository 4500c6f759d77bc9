package dev.ko.registry;

/**
 * What {@code GET /v2/} told us about a registry: the scheme that answered and how to authenticate.
 */
record Ping(String scheme, Challenge challenge) {}
