package io.satlake.report;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Times named stages of a run, logs one line per stage, and keeps the seconds for run_log. */
public final class StageClock {
  private static final Logger LOG = LoggerFactory.getLogger("satlake");
  private final Map<String, Double> seconds = new LinkedHashMap<>();

  public <T> T time(String stage, Supplier<T> work) {
    long start = System.nanoTime();
    T result = work.get();
    double elapsed = (System.nanoTime() - start) / 1e9;
    seconds.merge(stage, elapsed, Double::sum);
    LOG.info(String.format(java.util.Locale.ROOT, "stage %-20s %7.1f s", stage, elapsed));
    return result;
  }

  public void time(String stage, Runnable work) {
    time(stage, () -> {
      work.run();
      return null;
    });
  }

  public Map<String, Double> seconds() {
    return seconds;
  }
}
