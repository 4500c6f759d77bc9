package dev.ko.log;

/**
 * Receives progress lines ("Building ...", "Published ...") and debug lines (only shown with -v).
 */
public interface Log {
  Log NONE =
      new Log() {
        @Override
        public void info(String line) {}

        @Override
        public void debug(String line) {}
      };

  void info(String line);

  void debug(String line);
}
