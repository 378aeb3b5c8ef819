package io.satlake.report;

import io.satlake.config.Settings.DateRange;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * What a run did: the reconciliation counts and the small result tables, for the run log and
 * the printed summary.
 */
public record RunResult(
    String runId,
    LocalDate runDate,
    DateRange window,
    Counts responses,
    Counts crm,
    long inWindow,
    long unmatched,
    Dataset<Row> segmentScores,
    Dataset<Row> driverCorrelations,
    Dataset<Row> alerts,
    boolean criticalAlert,
    Map<String, String> tableLocations,
    List<String> warnings) {

  /** Rows read = accepted + sum of rejected by reason. */
  public record Counts(long read, long accepted, Map<String, Long> rejectedByReason) {
    public long rejected() {
      return rejectedByReason.values().stream().mapToLong(Long::longValue).sum();
    }
  }
}
