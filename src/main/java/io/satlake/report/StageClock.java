package io.satlake.report;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Times named stages of a run, logs one line per stage (its wall time and, where the stage knows
 * them, its row counts), and keeps the seconds for run_log. The stage's Spark jobs carry its name
 * as their description.
 */
public final class StageClock {
  private static final Logger LOG = LoggerFactory.getLogger("satlake");
  private final Map<String, Double> seconds = new LinkedHashMap<>();

  public <T> T time(String stage, Supplier<T> work) {
    return time(stage, work, result -> "");
  }

  /** @param rows describes the stage's result for the log line, e.g. "1,234 rows"; must be cheap (no pass over the data) */
  public <T> T time(String stage, Supplier<T> work, Function<? super T, String> rows) {
    long start = System.nanoTime();
    // The stage names the Spark jobs it starts (Spark UI, event log), so a slow job is traceable.
    SparkSession.getActiveSession().foreach(spark -> {
      spark.sparkContext().setJobDescription("satlake " + stage);
      return null;
    });
    T result = work.get();
    double elapsed = (System.nanoTime() - start) / 1e9;
    seconds.merge(stage, elapsed, Double::sum);
    LOG.info(String.format(java.util.Locale.ROOT, "stage %-20s %7.1f s  %s", stage, elapsed, rows.apply(result)).stripTrailing());
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
