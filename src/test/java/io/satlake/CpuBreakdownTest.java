package io.satlake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class CpuBreakdownTest {
  @Test
  void aCompilerThreadsTimeIsItsUserPlusSystemTicks() {
    // fields after the name: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
    String c2 = "4711 (C2 CompilerThre) S 4700 4700 12 0 -1 1077936192 951 0 3 0 2500 130 0 0 20 0 41 0 1883 0";
    assertEquals((2500 + 130) / 100.0, CpuBreakdown.compilerThreadSeconds(c2), 1e-12);
    String c1 = "4712 (C1 CompilerThre) R 4700 4700 12 0 -1 1077936192 10 0 0 0 41 2 0 0 20 0 41 0 1883 0";
    assertEquals(0.43, CpuBreakdown.compilerThreadSeconds(c1), 1e-12);
  }

  @Test
  void otherThreadsCountNothingEvenWithSpacesAndParenthesesInTheirNames() {
    String task = "4800 (Executor task l) R 4700 4700 12 0 -1 1077936192 10 0 0 0 9000 50 0 0 20 0 41 0 1883 0";
    assertEquals(0, CpuBreakdown.compilerThreadSeconds(task));
    String odd = "4801 (my (odd) thread) S 4700 4700 12 0 -1 1 10 0 0 0 700 0 0 0 20 0 41 0 1883 0";
    assertEquals(0, CpuBreakdown.compilerThreadSeconds(odd));
  }

  @Test
  void thisJvmsCompilerHasUsedSomeCpuByNow() {
    assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "needs Linux /proc");
    // the test framework's own start-up is enough code for the JIT to have compiled some of it
    assertTrue(CpuBreakdown.jitCompilerSeconds() > 0);
    assertTrue(CpuBreakdown.processSeconds() >= CpuBreakdown.jitCompilerSeconds());
  }
}
