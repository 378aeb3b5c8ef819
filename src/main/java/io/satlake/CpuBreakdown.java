package io.satlake;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * Where a bench run's CPU went: the Spark tasks (their own metrics), HotSpot's JIT compiler
 * threads (Linux /proc; they are not Java threads, so no MXBean sees them) and everything else
 * (driver planning, Delta and metastore work, GC). On 2 cores the compiler takes more CPU than
 * the tasks of a 1M-response run, which no wall-clock stage timing shows.
 */
final class CpuBreakdown {
  /** Linux reports thread times in USER_HZ ticks, 100 per second on every platform the JDK runs on. */
  private static final double TICKS_PER_SECOND = 100;

  private CpuBreakdown() {}

  /** Sums the executor CPU time of every task that ends (read after the listener bus has drained). */
  static final class TaskCpu extends SparkListener {
    private final AtomicLong nanos = new AtomicLong();

    @Override
    public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
      if (taskEnd.taskMetrics() != null) {
        nanos.addAndGet(taskEnd.taskMetrics().executorCpuTime());
      }
    }

    double seconds() {
      return nanos.get() / 1e9;
    }
  }

  /** CPU seconds of this process, all threads (ended ones included); -1 where the JVM cannot tell. */
  static double processSeconds() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      long nanos = os.getProcessCpuTime();
      return nanos < 0 ? -1 : nanos / 1e9;
    }
    return -1;
  }

  /**
   * CPU seconds of this process's live JIT compiler threads, -1 without /proc (not Linux). A
   * compiler thread HotSpot stopped earlier is not counted; it keeps at least one of each kind.
   */
  static double jitCompilerSeconds() {
    Path tasks = Path.of("/proc/self/task");
    if (!Files.isDirectory(tasks)) {
      return -1;
    }
    double seconds = 0;
    try (DirectoryStream<Path> threads = Files.newDirectoryStream(tasks)) {
      for (Path thread : threads) {
        try {
          seconds += compilerThreadSeconds(Files.readString(thread.resolve("stat")));
        } catch (IOException ended) {
          // the thread ended while listed
        }
      }
    } catch (IOException e) {
      return -1;
    }
    return seconds;
  }

  /**
   * User + system CPU seconds from one {@code /proc/.../stat} line when its thread is a JIT
   * compiler thread ("C1 CompilerThre", "C2 CompilerThre", truncated to 15 characters), else 0.
   * The name sits in parentheses and may hold spaces, so fields are counted from the last ')'.
   */
  static double compilerThreadSeconds(String stat) {
    int open = stat.indexOf('(');
    int close = stat.lastIndexOf(')');
    if (open < 0 || close < open || !stat.substring(open + 1, close).contains("CompilerThre")) {
      return 0;
    }
    // after the name: state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime
    String[] fields = stat.substring(close + 1).trim().split("\\s+");
    return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
  }
}
