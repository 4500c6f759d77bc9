package dev.ko.registry;

import java.io.IOException;

/** A Location we do not go to; asking again gets the same answer, so it is never retried. */
final class RefusedLocation extends IOException {
  RefusedLocation(String message) {
    super(message);
  }
}
