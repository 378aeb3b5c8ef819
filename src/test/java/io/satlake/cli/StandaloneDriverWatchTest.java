package io.satlake.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The job's own exit code is read from the driver's stderr; a driver that died silently reads 1. */
class StandaloneDriverWatchTest {
  @Test
  void exitCodeFromTheDriversLastCodeLine() {
    assertEquals(3, StandaloneDriverWatch.exitCode("satlake run: input not found\nsatlake: exit code 3\n"));
    assertEquals(2, StandaloneDriverWatch.exitCode("satlake: exit code 3\nretry\nsatlake: exit code 2\n"));
    assertEquals(1, StandaloneDriverWatch.exitCode("java.lang.OutOfMemoryError\n"));
    assertEquals(1, StandaloneDriverWatch.exitCode("log line mentioning satlake: exit code 3 mid-line\n"));
  }
}
