package io.satlake.report;

import io.satlake.config.Settings;
import io.satlake.config.Settings.DateRange;
import io.satlake.io.OutputTables;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/** The run_log row of a run, succeeded (with its counts) or failed (with its error). */
public final class RunLog {
  private RunLog() {}

  public static Dataset<Row> row(SparkSession spark, Settings settings, String runId, LocalDate runDate,
      DateRange window, RunResult result, String error, Instant started, Instant finished,
      Map<String, Double> stageSeconds, String version) {
    RunResult.Counts responses = result == null ? null : result.responses();
    RunResult.Counts crm = result == null ? null : result.crm();
    Row row = RowFactory.create(
        runId,
        Date.valueOf(runDate),
        error == null ? "succeeded" : "failed",
        error,
        window == null || window.start() == null ? null : Date.valueOf(window.start()),
        window == null ? null : Date.valueOf(window.end()),
        settings.periodGrain().label(),
        Timestamp.from(started),
        Timestamp.from(finished),
        (finished.toEpochMilli() - started.toEpochMilli()) / 1000.0,
        responses == null ? null : responses.read(),
        responses == null ? null : responses.accepted(),
        responses == null ? null : responses.rejected(),
        result == null ? null : result.inWindow(),
        result == null ? null : result.unmatched(),
        responses == null ? null : scala(responses.rejectedByReason()),
        crm == null ? null : crm.read(),
        crm == null ? null : crm.accepted(),
        crm == null ? null : crm.rejected(),
        crm == null ? null : scala(crm.rejectedByReason()),
        scala(stageSeconds),
        result == null ? null : result.warnings().toArray(String[]::new),
        settings.configHash(),
        version);
    return spark.createDataFrame(java.util.List.of(row), OutputTables.RUN.schema());
  }

  private static <K, V> scala.collection.Map<K, V> scala(Map<K, V> map) {
    return scala.collection.JavaConverters.mapAsScalaMap(map);
  }
}
