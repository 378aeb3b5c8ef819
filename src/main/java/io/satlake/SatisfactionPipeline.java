package io.satlake;

import static java.util.stream.Collectors.joining;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.date_trunc;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.satlake.config.Settings;
import io.satlake.config.Settings.DateRange;
import io.satlake.enrich.CrmEnricher;
import io.satlake.drivers.DriverCorrelations;
import io.satlake.io.DeltaSink;
import io.satlake.io.OutputTables;
import io.satlake.io.Sources;
import io.satlake.io.TableSpec;
import io.satlake.metrics.SatisfactionIndex;
import io.satlake.metrics.SegmentScores;
import io.satlake.quality.CrmValidator;
import io.satlake.quality.ResponseValidator;
import io.satlake.report.RunResult;
import io.satlake.report.RunResult.Counts;
import io.satlake.report.StageClock;
import java.sql.Date;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.storage.StorageLevel;

/**
 * The nightly job: sources → validate → enrich → analyse → sinks. The stages are the pure
 * {@code Dataset -> Dataset} functions of their packages; this class only wires them, caches
 * the one Dataset several stages read, and does the I/O at both ends.
 */
public final class SatisfactionPipeline {
  private final SparkSession spark;
  private final Settings settings;
  private final StageClock clock;

  public SatisfactionPipeline(SparkSession spark, Settings settings, StageClock clock) {
    this.spark = spark;
    this.settings = settings;
    this.clock = clock;
  }

  /** The stages without I/O: classified responses (with reason) and CRM, enriched and windowed. */
  public record Analysis(Dataset<Row> responses, Dataset<Row> crm, Dataset<Row> facts) {}

  /** Validation, enrichment and windowing of already-read raw inputs. */
  public static Analysis analyse(Sources.RawResponses rawResponses, Dataset<Row> rawCrm, Settings settings,
      DateRange window, List<String> crmSegmentColumns) {
    List<String> segments = settings.segments().dimensions();
    Dataset<Row> crm = CrmValidator.classify(rawCrm, settings, crmSegmentColumns);
    Dataset<Row> crmAccepted = ResponseValidator.split(crm).accepted();
    Dataset<Row> classified = ResponseValidator.classify(rawResponses.frame(), settings, rawResponses.segmentColumns());
    Dataset<Row> responses = CrmEnricher.enrich(classified, crmAccepted, settings, segments);
    Dataset<Row> facts = ResponseValidator.split(responses).accepted().filter(inWindow(window))
        .withColumn(SegmentScores.PERIOD_START,
            date_trunc(settings.periodGrain().sqlUnit(), col("survey_date")).cast(DataTypes.DateType))
        .withColumn(Settings.SATISFACTION_INDEX, SatisfactionIndex.of(settings));
    return new Analysis(responses, crm, facts);
  }

  public RunResult run(LocalDate runDate, String runId) {
    DateRange window = settings.window().resolve(runDate);
    if (window.end().isAfter(runDate)) {
      throw SatlakeException.usage("satlake.window.end: " + window.end() + " is after the run date " + runDate);
    }
    Sources.RawResponses rawResponses = clock.time("read", () -> Sources.responses(spark, settings));
    List<String> crmSegments = settings.segments().dimensions().stream()
        .filter(s -> !rawResponses.segmentColumns().contains(s)).toList();
    Dataset<Row> rawCrm = Sources.crm(spark, settings, crmSegments);

    Analysis analysis = analyse(rawResponses, rawCrm, settings, window, crmSegments);
    Dataset<Row> responses = analysis.responses().persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> crm = analysis.crm().persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Counts crmCounts = clock.time("validate_crm", () -> counts(crm, lit(false), lit(false)).counts(),
          c -> rowCounts("CRM", c));
      Column accepted = col(ResponseValidator.REASON).isNull();
      ReconciledCounts responseCounts = clock.time("validate_responses", () -> counts(responses,
          accepted.and(inWindow(window)), accepted.and(col(CrmEnricher.MATCHED).equalTo(false))),
          c -> String.format(Locale.ROOT, "%s; %,d in window, %,d not in CRM", rowCounts("responses", c.counts()),
              c.inWindow(), c.unmatched()));
      Dataset<Row> facts = analysis.facts();
      // both results are small local tables: counting them costs no pass over the responses
      Dataset<Row> scores = clock.time("segment_scores",
          () -> SegmentScores.compute(facts, settings, runDate, runId, window), d -> rows(d.count()));
      Dataset<Row> correlations = clock.time("driver_correlations",
          () -> DriverCorrelations.compute(facts, settings, runDate, runId), d -> rows(d.count()));

      DeltaSink sink = new DeltaSink(spark, settings);
      Map<String, String> locations = new LinkedHashMap<>();
      Map<TableSpec, Dataset<Row>> outputs = new LinkedHashMap<>();
      outputs.put(OutputTables.responseFacts(settings), responseFacts(facts, runDate, runId));
      outputs.put(OutputTables.REJECTED, rejected(responses, crm, runDate, runId));
      outputs.put(OutputTables.segmentScores(settings), scores);
      outputs.put(OutputTables.driverCorrelations(settings), correlations);
      // rows per table for the progress line, from counts already known (no extra pass)
      Map<String, Long> rowsWritten = new LinkedHashMap<>();
      rowsWritten.put(OutputTables.RESPONSE_FACTS, responseCounts.inWindow());
      rowsWritten.put(OutputTables.REJECTED.name(), responseCounts.counts().rejected() + crmCounts.rejected());
      rowsWritten.put(OutputTables.SEGMENT_SCORES, scores.count());
      rowsWritten.put(OutputTables.DRIVER_CORRELATIONS, correlations.count());
      clock.time("write_tables", () -> {
        sink.replaceRunDate(outputs, runDate, runId);
        return rowsWritten;
      }, written -> written.entrySet().stream()
          .map(e -> String.format(Locale.ROOT, "%s %,d", e.getKey(), e.getValue())).collect(joining(", ")) + " rows");
      outputs.keySet().forEach(spec -> locations.put(spec.name(), sink.location(spec.name())));
      locations.put(OutputTables.RUN_LOG, sink.location(OutputTables.RUN_LOG));
      return new RunResult(runId, runDate, window, responseCounts.counts(), crmCounts, responseCounts.inWindow(),
          responseCounts.unmatched(), scores, correlations, locations);
    } finally {
      responses.unpersist();
      crm.unpersist();
    }
  }

  private static String rowCounts(String what, Counts c) {
    return String.format(Locale.ROOT, "%s read %,d = accepted %,d + rejected %,d", what, c.read(), c.accepted(),
        c.rejected());
  }

  private static String rows(long n) {
    return String.format(Locale.ROOT, "%,d rows", n);
  }

  private static Column inWindow(DateRange window) {
    Column in = col("survey_date").leq(lit(Date.valueOf(window.end())));
    return window.start() == null ? in : in.and(col("survey_date").geq(lit(Date.valueOf(window.start()))));
  }

  private record ReconciledCounts(Counts counts, long inWindow, long unmatched) {}

  /** One small aggregation: rows per reason (NULL = accepted), plus two flags summed over rows. */
  private static ReconciledCounts counts(Dataset<Row> classified, Column inWindow, Column unmatched) {
    List<Row> byReason = classified.groupBy(col(ResponseValidator.REASON))
        .agg(count(lit(1)), sum(when(inWindow, 1).otherwise(0)), sum(when(unmatched, 1).otherwise(0)))
        .collectAsList();
    long read = 0;
    long accepted = 0;
    long windowed = 0;
    long unmatchedRows = 0;
    Map<String, Long> rejected = new java.util.TreeMap<>();
    for (Row r : byReason) {
      long n = r.getLong(1);
      read += n;
      windowed += r.getLong(2);
      unmatchedRows += r.getLong(3);
      if (r.isNullAt(0)) {
        accepted = n;
      } else {
        rejected.put(r.getString(0), n);
      }
    }
    return new ReconciledCounts(new Counts(read, accepted, rejected), windowed, unmatchedRows);
  }

  private Dataset<Row> responseFacts(Dataset<Row> facts, LocalDate runDate, String runId) {
    return facts
        .withColumn("run_date", lit(Date.valueOf(runDate)))
        .withColumn("run_id", lit(runId))
        .withColumn("customer_key", sha2(col("customer_id"), 256))
        .withColumn("nps_group", when(col("nps").geq(9), "promoter").when(col("nps").geq(7), "passive")
            .when(col("nps").isNotNull(), "detractor"))
        .withColumn("has_comment", col("comment").isNotNull());
  }

  private static Dataset<Row> rejected(Dataset<Row> responses, Dataset<Row> crm, LocalDate runDate, String runId) {
    Dataset<Row> fromResponses = ResponseValidator.split(responses).rejected().withColumn("source", lit("responses"));
    Dataset<Row> fromCrm = ResponseValidator.split(crm).rejected().withColumn("source", lit("crm"));
    return fromResponses.unionByName(fromCrm)
        .withColumn("run_date", lit(Date.valueOf(runDate)))
        .withColumn("run_id", lit(runId));
  }

}
