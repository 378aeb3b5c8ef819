package io.satlake.report;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.max_by;

import io.satlake.config.Settings;
import io.satlake.config.Settings.DateRange;
import io.satlake.io.OutputTables;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
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

  /** Run dates in [from, to] whose latest run succeeded (a resumed backfill skips them). */
  public static Set<LocalDate> succeededRunDates(SparkSession spark, String runLogLocation, LocalDate from, LocalDate to) {
    if (!io.delta.tables.DeltaTable.isDeltaTable(spark, runLogLocation)) {
      return Set.of();
    }
    return spark.read().format("delta").load(runLogLocation)
        .filter(col("run_date").between(Date.valueOf(from), Date.valueOf(to)))
        .groupBy("run_date").agg(max_by(col("status"), col("finished_at")).as("status"))
        .filter(col("status").equalTo("succeeded"))
        .select("run_date").as(Encoders.DATE()).collectAsList() // at most one row per date
        .stream().map(Date::toLocalDate).collect(Collectors.toSet());
  }

  private static <K, V> scala.collection.Map<K, V> scala(Map<K, V> map) {
    return scala.collection.JavaConverters.mapAsScalaMap(map);
  }
}
