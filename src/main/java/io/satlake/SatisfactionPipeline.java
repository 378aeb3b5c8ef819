package io.satlake;

import static java.util.stream.Collectors.joining;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.datediff;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.trunc;
import static org.apache.spark.sql.functions.when;

import io.satlake.config.Settings;
import io.satlake.config.Settings.DateRange;
import io.satlake.customers.CustomerSegments;
import io.satlake.customers.SatisfactionOutcomes;
import io.satlake.config.Settings.Tracking.Target;
import io.satlake.enrich.CrmEnricher;
import io.satlake.drivers.DriverCorrelations;
import io.satlake.drivers.DriverImportance;
import io.satlake.drivers.PriorityMatrix;
import io.satlake.io.DeltaSink;
import io.satlake.io.OutputTables;
import io.satlake.io.Scratch;
import io.satlake.io.Sources;
import io.satlake.io.TableSpec;
import io.satlake.metrics.SatisfactionIndex;
import io.satlake.metrics.ScoreStates;
import io.satlake.metrics.SegmentScores;
import io.satlake.quality.CrmValidator;
import io.satlake.quality.ResponseValidator;
import io.satlake.report.RunResult;
import io.satlake.report.RunResult.Counts;
import io.satlake.report.StageClock;
import io.satlake.weighting.SurveyWeights;
import io.satlake.trends.Alerts;
import io.satlake.trends.BenchmarkGaps;
import io.satlake.trends.BenchmarkGaps.Benchmark;
import io.satlake.trends.ScoreTrends;
import io.satlake.trends.TargetTracking;
import io.satlake.trends.Tracker;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
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
 * {@code Dataset -> Dataset} functions of their packages; this class only wires them, computes
 * the one Dataset several stages read once (into the run's {@link Scratch} folder), and does the
 * I/O at both ends.
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
  public record Analysis(Dataset<Row> responses, Dataset<Row> crm, Dataset<Row> facts,
      CustomerSegments.Result customers) {}

  /** Validation, customer segments, enrichment and windowing of already-read raw inputs. */
  public static Analysis analyse(Sources.RawResponses rawResponses, Dataset<Row> rawCrm, Settings settings,
      DateRange window, List<String> crmSegmentColumns) {
    Dataset<Row> crm = CrmValidator.classify(rawCrm, settings, crmSegmentColumns);
    return analyse(rawResponses, crm, CustomerSegments.assign(ResponseValidator.split(crm).accepted(), settings),
        settings, window);
  }

  /** Enrichment and windowing, given the classified CRM and the customers with their derived segments. */
  static Analysis analyse(Sources.RawResponses rawResponses, Dataset<Row> crm, CustomerSegments.Result customers,
      Settings settings, DateRange window) {
    List<String> segments = settings.segments().dimensions();
    Dataset<Row> classified = ResponseValidator.classify(rawResponses.frame(), settings, rawResponses.segmentColumns(),
        CrmEnricher.keepableCopies(customers.customers(), settings));
    Dataset<Row> responses = ResponseValidator.withRawRecord(
        CrmEnricher.enrich(classified, customers.customers(), settings, segments), "response_id");
    return new Analysis(responses, crm, facts(responses, settings, window), customers);
  }

  /** The accepted responses in the window, with their period and satisfaction index. */
  static Dataset<Row> facts(Dataset<Row> responses, Settings settings, DateRange window) {
    return ResponseValidator.split(responses).accepted().filter(inWindow(window))
        // trunc works on the date itself; date_trunc would go through a timestamp in the session's zone
        .withColumn(SegmentScores.PERIOD_START, trunc(col("survey_date"), settings.periodGrain().sqlUnit()))
        .withColumn(Settings.SATISFACTION_INDEX, SatisfactionIndex.of(settings));
  }

  public RunResult run(LocalDate runDate, String runId) {
    DateRange window = settings.window().resolve(runDate);
    if (window.end().isAfter(runDate)) {
      throw SatlakeException.usage("satlake.window.end: " + window.end() + " is after the run date " + runDate);
    }
    Alerts.checkRules(settings);
    Sources.RawResponses rawResponses = clock.time("read", () -> Sources.responses(spark, settings));
    List<String> crmSegments = settings.segments().dimensions().stream()
        .filter(s -> !rawResponses.segmentColumns().contains(s)).toList();
    Dataset<Row> rawCrm = Sources.crm(spark, settings, crmSegments);
    // targets and benchmarks are read and checked before any work, so a typo fails fast
    List<Target> targets = clock.time("read_targets", () -> TargetTracking.read(spark, settings));
    List<Benchmark> benchmarks = clock.time("read_benchmarks", () -> BenchmarkGaps.read(spark, settings));

    // The CRM is cached before the customer segments read it (quantiles, KMeans sample, profiles).
    // classify runs a job of its own (the repeated customer ids), so it is timed as well
    Dataset<Row> crm = clock.time("validate_crm",
        () -> CrmValidator.classify(rawCrm, settings, crmSegments).persist(StorageLevel.MEMORY_AND_DISK()),
        c -> "repeated customer ids looked up");
    Scratch scratch = new Scratch(spark, settings, runId);
    try {
      Counts crmCounts = clock.time("validate_crm", () -> counts(crm, lit(false), lit(false)).counts(),
          c -> rowCounts("CRM", c));
      CustomerSegments.Result customers = clock.time("customer_segments",
          () -> CustomerSegments.assign(ResponseValidator.split(crm).accepted(), settings));
      // Every later stage reads the classified, enriched responses: they are computed once.
      Column accepted = col(ResponseValidator.REASON).isNull();
      ValidatedResponses validated = clock.time("validate_responses", () -> {
        Analysis analysis = analyse(rawResponses, crm, customers, settings, window);
        Dataset<Row> rows = scratch.materialize("responses", analysis.responses());
        return new ValidatedResponses(rows, counts(rows, accepted.and(inWindow(window)),
            accepted.and(col(CrmEnricher.MATCHED).equalTo(false))));
      }, v -> String.format(Locale.ROOT, "%s; %,d in window, %,d not in CRM",
          rowCounts("responses", v.counts().counts()), v.counts().inWindow(), v.counts().unmatched()));
      Dataset<Row> responses = validated.rows();
      ReconciledCounts responseCounts = validated.counts();
      Dataset<Row> windowFacts = facts(responses, settings, window);
      // The customers as joined (derived tiers and clusters included) are the population raked to.
      SurveyWeights.Weighted weighted = clock.time("weighting", () -> SurveyWeights.compute(windowFacts,
          customers.customers(), settings, crmSegments, runDate, runId));
      Dataset<Row> facts = weighted.facts();
      ScoreStates states = clock.time("segment_scores", () -> SegmentScores.states(facts, settings));
      Dataset<Row> scores = SegmentScores.table(states, settings, runDate, runId, window);
      // Trends, targets, benchmarks and alerts are finished on the driver from the small states above.
      Tracker tracker = new Tracker(states, settings, runDate, window);
      List<ScoreTrends.Trend> trends = clock.time("score_trends", () -> ScoreTrends.compute(tracker));
      List<TargetTracking.Status> targetStatus =
          clock.time("target_tracking", () -> TargetTracking.compute(tracker, targets));
      Dataset<Row> gaps = clock.time("benchmark_gaps", () -> BenchmarkGaps.compute(tracker, benchmarks, runDate, runId));
      List<Alerts.Alert> alerts = clock.time("alerts", () -> Alerts.compute(tracker, trends, targetStatus));
      Dataset<Row> correlations = clock.time("driver_correlations",
          () -> DriverCorrelations.compute(facts, ResponseValidator.split(crm).accepted(), settings, runDate, runId));
      DriverImportance.Result importance = clock.time("driver_importance",
          () -> DriverImportance.compute(facts, settings, runDate, runId));
      Dataset<Row> priorities = clock.time("priority_matrix",
          () -> PriorityMatrix.compute(spark, importance, settings, runDate, runId));
      SatisfactionOutcomes.Tables outcomes = clock.time("satisfaction_outcomes",
          () -> SatisfactionOutcomes.compute(facts, customers.clustering(), settings, runDate, runId));

      DeltaSink sink = new DeltaSink(spark, settings);
      Map<String, String> locations = new LinkedHashMap<>();
      Map<TableSpec, Dataset<Row>> outputs = new LinkedHashMap<>();
      outputs.put(OutputTables.responseFacts(settings), responseFacts(facts, runDate, runId));
      long rejectedRows = responseCounts.counts().rejected() + crmCounts.rejected();
      outputs.put(OutputTables.REJECTED, DeltaSink.gathered(rejected(responses, crm, runDate, runId), rejectedRows));
      outputs.put(OutputTables.segmentScores(settings), scores);
      outputs.put(OutputTables.driverCorrelations(settings), correlations);
      outputs.put(OutputTables.driverImportance(settings), importance.table());
      outputs.put(OutputTables.priorityMatrix(settings), priorities);
      outputs.put(OutputTables.WEIGHTS, weighted.table());
      outputs.put(OutputTables.segmentProfiles(settings), outcomes.profiles());
      outputs.put(OutputTables.SATISFACTION_OUTCOMES_SPEC, outcomes.outcomes());
      outputs.put(OutputTables.scoreTrends(settings), ScoreTrends.table(trends, settings, runDate, runId));
      outputs.put(OutputTables.targetTracking(settings), TargetTracking.table(targetStatus, settings, runDate, runId));
      outputs.put(OutputTables.benchmarkGaps(settings), gaps);
      Dataset<Row> alertRows = Alerts.table(alerts, settings, runDate, runId);
      outputs.put(OutputTables.alerts(settings), alertRows);
      // rows per table for the progress line, from counts already known (no extra pass)
      Map<String, Long> rowsWritten = new LinkedHashMap<>();
      rowsWritten.put(OutputTables.RESPONSE_FACTS, responseCounts.inWindow());
      rowsWritten.put(OutputTables.REJECTED.name(), rejectedRows);
      rowsWritten.put(OutputTables.SEGMENT_SCORES, scores.count()); // small local tables: no pass over responses
      rowsWritten.put(OutputTables.DRIVER_CORRELATIONS, correlations.count());
      clock.time("write_tables", () -> {
        sink.replaceRunDate(outputs, runDate, runId);
        return rowsWritten;
      }, written -> written.entrySet().stream()
          .map(e -> String.format(Locale.ROOT, "%s %,d", e.getKey(), e.getValue())).collect(joining(", ")) + " rows");
      if (settings.bi().viewsDatabase() != null) {
        List<TableSpec> viewed = new ArrayList<>(outputs.keySet());
        viewed.add(OutputTables.RUN);
        clock.time("bi_views", () -> {
          sink.refreshViews(viewed, settings.bi().viewsDatabase());
          sink.refreshLatestRunView(settings.bi().viewsDatabase());
        });
      }
      outputs.keySet().forEach(spec -> locations.put(spec.name(), sink.location(spec.name())));
      locations.put(OutputTables.RUN_LOG, sink.location(OutputTables.RUN_LOG));
      List<String> warnings = new ArrayList<>();
      if (responseCounts.inWindow() == 0) {
        // the run succeeds (its tables say so for the date), but an orchestrator should see why they are empty
        warnings.add("no accepted responses in the window " + window + ": this run date's score, driver and trend"
            + " tables are empty");
      }
      long acceptedResponses = responseCounts.counts().accepted();
      if (acceptedResponses > 0 && responseCounts.unmatched() == acceptedResponses) {
        // a wrong extract or a key in another format ('C001' against 'c001'): every CRM figure is empty
        warnings.add(String.format(Locale.ROOT, "none of the %,d accepted responses has its customer among the %,d"
            + " accepted CRM rows: check that both inputs carry the same customer ids"
            + " (satlake.inputs.crm.customer-id-column); CRM segments read 'unknown' and the behaviour drivers"
            + " have no values", acceptedResponses, crmCounts.accepted()));
      }
      warnings.addAll(importance.warnings());
      return new RunResult(runId, runDate, window, responseCounts.counts(), crmCounts, responseCounts.inWindow(),
          responseCounts.unmatched(), scores, correlations, alertRows, Alerts.anyCritical(alerts), locations,
          warnings);
    } finally {
      scratch.close();
      crm.unpersist();
    }
  }

  private static String rowCounts(String what, Counts c) {
    return String.format(Locale.ROOT, "%s read %,d = accepted %,d + rejected %,d", what, c.read(), c.accepted(),
        c.rejected());
  }

  private static Column inWindow(DateRange window) {
    Column in = col("survey_date").leq(lit(Date.valueOf(window.end())));
    return window.start() == null ? in : in.and(col("survey_date").geq(lit(Date.valueOf(window.start()))));
  }

  private record ReconciledCounts(Counts counts, long inWindow, long unmatched) {}

  private record ValidatedResponses(Dataset<Row> rows, ReconciledCounts counts) {}

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
        .withColumn(Settings.Customers.CHURNED, optional(facts, Settings.Customers.CHURNED, DataTypes.BooleanType))
        .withColumn("tenure_days", datediff(lit(Date.valueOf(runDate)),
            optional(facts, Settings.Customers.SIGNUP_DATE, DataTypes.DateType)));
  }

  /** A CRM attribute the source may lack: the column, or a typed NULL. */
  private static Column optional(Dataset<Row> facts, String column, org.apache.spark.sql.types.DataType type) {
    return List.of(facts.columns()).contains(column) ? col(column) : lit(null).cast(type);
  }

  private static Dataset<Row> rejected(Dataset<Row> responses, Dataset<Row> crm, LocalDate runDate, String runId) {
    Dataset<Row> fromResponses = ResponseValidator.split(responses).rejected().withColumn("source", lit("responses"));
    Dataset<Row> fromCrm = ResponseValidator.split(crm).rejected().withColumn("source", lit("crm"));
    return fromResponses.unionByName(fromCrm)
        .withColumn("run_date", lit(Date.valueOf(runDate)))
        .withColumn("run_id", lit(runId));
  }

}
