/**
 * The one seam through which library code reports progress. Library code never prints: it hands
 * lines to a {@link dev.ko.log.Log}, and only the CLI decides where they go (stderr, in ko's
 * format).
 */
package dev.ko.log;
