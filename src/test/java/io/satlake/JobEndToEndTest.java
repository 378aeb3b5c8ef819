package io.satlake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.satlake.config.Settings;
import io.satlake.config.SettingsLoader;
import io.satlake.io.DeltaSink;
import io.satlake.io.OutputTables;
import io.satlake.report.RunResult;
import io.satlake.sample.SampleDataGenerator;
import io.satlake.testing.NotebookQueries;
import io.satlake.testing.SharedSpark;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Generated data through the whole job, run twice for one date and once for another: the
 * counts reconcile with what the generator planted, reruns replace rather than duplicate, and
 * every table is registered in the metastore with its comments.
 */
class JobEndToEndTest {
  static final LocalDate DECEMBER = LocalDate.of(2025, 12, 31);
  static final LocalDate JUNE = LocalDate.of(2025, 6, 30);
  static final String DB = "satlake_e2e";

  @TempDir
  static Path dir;
  static SparkSession spark;
  static Settings settings;
  static SampleDataGenerator.Summary planted;
  static RunResult first;
  static Map<String, Long> rowsAfterFirstRun = new TreeMap<>();
  static long juneScoreRows;

  @BeforeAll
  static void runTheJob() {
    spark = SharedSpark.spark();
    planted = SampleDataGenerator.generate(spark, new SampleDataGenerator.Options(3000, 300,
        dir.resolve("input").toString(), SampleDataGenerator.Format.CSV, 11));
    settings = SettingsLoader.load(null, Map.of(
        "inputs.responses.path", dir.resolve("input/responses").toString(),
        "inputs.crm.path", dir.resolve("input/crm").toString(),
        "warehouse", dir.resolve("warehouse").toString(),
        "database", DB,
        "weighting.dimensions", "[region, customer_tier]",
        "complaints.categories", "[product_defect]",
        "targets.file", "conf/targets.csv",
        "benchmarks.file", "conf/benchmarks.csv",
        "alerts.rules", "[{metric = nps, below = 100}]"));
    first = SatisfactionJob.runJob(spark, settings, DECEMBER);
    for (String table : tables()) {
      rowsAfterFirstRun.put(table, rowsFor(table, DECEMBER));
    }
    SatisfactionJob.runJob(spark, settings, JUNE);
    juneScoreRows = rowsFor(OutputTables.SEGMENT_SCORES, JUNE);
    SatisfactionJob.runJob(spark, settings, DECEMBER);
  }

  static List<String> tables() {
    return List.of(OutputTables.SEGMENT_SCORES, OutputTables.DRIVER_CORRELATIONS, OutputTables.RESPONSE_FACTS,
        OutputTables.REJECTED_RESPONSES, OutputTables.DRIVER_IMPORTANCE, OutputTables.PRIORITY_MATRIX,
        OutputTables.SURVEY_WEIGHTS, OutputTables.SEGMENT_PROFILES,
        OutputTables.SATISFACTION_OUTCOMES, OutputTables.SCORE_TRENDS, OutputTables.TARGET_TRACKING,
        OutputTables.BENCHMARK_GAPS, OutputTables.ALERTS);
  }

  static long rowsFor(String table, LocalDate runDate) {
    return spark.table(DB + "." + table).filter("run_date = DATE'" + runDate + "'").count();
  }

  @Test
  void countsReconcileWithWhatTheGeneratorPlanted() {
    RunResult.Counts c = first.responses();
    assertEquals(c.read(), c.accepted() + c.rejected());
    assertEquals(planted.goodResponses(), c.accepted());
    Map<String, Long> expected = new TreeMap<>(planted.plantedBadRows());
    expected.values().removeIf(n -> n == 0);
    assertEquals(expected, c.rejectedByReason());
    assertEquals(planted.unmatchedGoodResponses(), first.unmatched());
    assertEquals(planted.customers(), first.crm().accepted());
    assertEquals(planted.goodResponses(), first.inWindow()); // all history up to the run date
  }

  @Test
  void runLogRecordsEveryRunWithReconciledCounts() {
    List<Row> log = spark.table(DB + ".run_log").collectAsList();
    assertEquals(3, log.size());
    for (Row run : log) {
      assertEquals("succeeded", run.getAs("status"));
      long read = run.getAs("responses_read");
      long accepted = run.getAs("responses_accepted");
      long rejected = run.getAs("responses_rejected");
      assertEquals(read, accepted + rejected);
      assertEquals(settings.configHash(), run.getAs("config_hash"));
      scala.collection.Map<String, Double> stages = run.getAs("stage_seconds");
      assertTrue(stages.contains("customer_segments") && stages.contains("satisfaction_outcomes")
          && stages.contains("driver_importance"), stages.toString());
      assertFalse(run.isNullAt(run.fieldIndex("warnings")), "warnings is an empty list when there are none");
    }
  }

  @Test
  void rerunningADateReplacesItsRowsAndLeavesOtherDatesAlone() {
    for (String table : tables()) {
      assertTrue(rowsAfterFirstRun.get(table) > 0, table);
      assertEquals(rowsAfterFirstRun.get(table), rowsFor(table, DECEMBER), table + " after the rerun");
    }
    assertEquals(juneScoreRows, rowsFor(OutputTables.SEGMENT_SCORES, JUNE));
    assertEquals(planted.goodResponses(), rowsFor(OutputTables.RESPONSE_FACTS, DECEMBER));
    // June's window ends on the run date: fewer responses than December's
    assertTrue(rowsFor(OutputTables.RESPONSE_FACTS, JUNE) < planted.goodResponses());
    // the latest commit on segment_scores carries the rerun's id as userMetadata
    String lastRun = spark.table(DB + ".run_log").orderBy(org.apache.spark.sql.functions.col("started_at").desc())
        .select("run_id").as(Encoders.STRING()).first();
    String committed = spark.sql("DESCRIBE HISTORY " + DB + ".segment_scores LIMIT 1").select("userMetadata")
        .as(Encoders.STRING()).first();
    assertEquals(lastRun, committed);
  }

  @Test
  void aRunDateOfEveryTableButTheFactsIsOneFile() {
    // the test session has 2 cores: rows held by the driver were written as two files
    for (String table : tables()) {
      if (!table.equals(OutputTables.RESPONSE_FACTS)) {
        assertEquals(1, spark.table(DB + "." + table).filter("run_date = DATE'" + DECEMBER + "'")
            .select(org.apache.spark.sql.functions.input_file_name()).distinct().count(), table);
      }
    }
  }

  @Test
  void everyTableIsReadableThroughTheMetastoreWithComments() throws Exception {
    List<String> registered = spark.catalog().listTables(DB).select("name").as(Encoders.STRING()).collectAsList();
    List<String> all = new java.util.ArrayList<>(tables());
    all.add(OutputTables.RUN_LOG);
    for (String table : all) {
      assertTrue(registered.contains(table), table + " registered");
      assertTrue(spark.sql("SELECT * FROM " + DB + "." + table).count() > 0, table + " readable");
      String comment = spark.sql("DESCRIBE TABLE EXTENDED " + DB + "." + table)
          .filter("col_name = 'Comment'").select("data_type").as(Encoders.STRING()).first();
      assertFalse(comment == null || comment.isBlank(), table + " has a comment");
      spark.catalog().listColumns(DB, table).collectAsList().forEach(column ->
          assertFalse(column.description() == null || column.description().isBlank(),
              table + "." + column.name() + " has a comment"));
    }
  }

  @Test
  void weightsMeetTheCrmMarginsWithinTheTolerance() {
    List<Row> margins = spark.table(DB + "." + OutputTables.SURVEY_WEIGHTS)
        .filter("run_date = DATE'" + DECEMBER + "'").collectAsList();
    assertFalse(margins.isEmpty());
    Map<String, Long> customers = new TreeMap<>();
    for (Row m : margins) {
      assertEquals(m.<Double>getAs("population_share"), m.<Double>getAs("weighted_share"), 1e-6);
      customers.merge(m.getAs("dimension"), m.<Long>getAs("population_n"), Long::sum);
    }
    assertEquals(Map.of("customer_tier", planted.customers(), "region", planted.customers()), customers);
    // raking keeps the mean weight of the raked (CRM-matched) responses at 1; unmatched ones weigh 1
    Row facts = spark.sql("SELECT avg(IF(crm_matched, weight, NULL)), min(IF(crm_matched, 1.0, weight)),"
        + " max(IF(crm_matched, 1.0, weight)) FROM " + DB + ".response_facts WHERE run_date = DATE'" + DECEMBER + "'")
        .first();
    assertEquals(1.0, facts.getDouble(0), 1e-5);
    assertEquals(1.0, facts.getDouble(1), 0.0);
    assertEquals(1.0, facts.getDouble(2), 0.0);
  }

  @Test
  void theGeneratedCrmHasNoTierSoTheRulesDeriveIt() {
    List<String> tiers = spark.table(DB + ".response_facts").filter("crm_matched").select("customer_tier").distinct()
        .orderBy("customer_tier").as(Encoders.STRING()).collectAsList();
    assertEquals(List.of("at_risk", "high_value", "regular"), tiers);
    // 3 measures x (3 groups + 1 difference) x 2 groupings + the elasticity
    assertEquals(25, rowsFor(OutputTables.SATISFACTION_OUTCOMES, DECEMBER));
    assertTrue(spark.table(DB + ".response_facts").filter("crm_matched AND tenure_days IS NULL").isEmpty());
  }

  @Test
  void everyRunDeletesItsScratchFolder() throws Exception {
    Path scratch = dir.resolve("warehouse/_scratch");
    assertTrue(java.nio.file.Files.isDirectory(scratch), "the runs wrote their responses under " + scratch);
    try (var left = java.nio.file.Files.list(scratch)) {
      assertEquals(List.of(), left.toList());
    }
  }

  @Test
  void responseFactsCarryNoFreeTextOrRawCustomerId() {
    List<String> columns = List.of(spark.table(DB + ".response_facts").columns());
    assertFalse(columns.contains("comment"));
    assertFalse(columns.contains("customer_id"));
    assertTrue(columns.contains("customer_key"));
  }

  @Test
  void responseFactsFilesCarryStatisticsOfTheDatesOnly() {
    String location = spark.sql("DESCRIBE DETAIL " + DB + ".response_facts").select("location").as(Encoders.STRING()).first();
    // every data file added to the log: its statistics name exactly the two date columns
    List<String> stats = spark.read().json(location + "/_delta_log/*.json").filter("add IS NOT NULL")
        .select("add.stats").as(Encoders.STRING()).collectAsList();
    assertFalse(stats.isEmpty());
    for (String json : stats) {
      Row parsed = spark.read().json(spark.createDataset(List.of(json), Encoders.STRING())).first();
      Row minValues = parsed.getAs("minValues");
      assertEquals(List.of("period_start", "survey_date"),
          java.util.Arrays.stream(minValues.schema().fieldNames()).sorted().toList(), json);
      assertTrue(parsed.<Long>getAs("numRecords") > 0);
    }
  }

  @Test
  void theRunDateToReadIsTheLatestWhoseLastRunSucceeded() throws Exception {
    // 2025-12-31's rerun failed half way, so its tables may mix two runs; 2025-12-30 is the one to read
    spark.sql("CREATE DATABASE handmade_runs LOCATION '" + dir.resolve("handmade_runs").toUri() + "'");
    spark.sql("CREATE TABLE handmade_runs.run_log USING parquet AS SELECT * FROM VALUES"
        + " ('r29a', DATE'2025-12-29', 'failed', TIMESTAMP'2025-12-29 02:00:00'),"
        + " ('r29b', DATE'2025-12-29', 'succeeded', TIMESTAMP'2025-12-29 03:00:00'),"
        + " ('r30', DATE'2025-12-30', 'succeeded', TIMESTAMP'2025-12-30 02:00:00'),"
        + " ('r31a', DATE'2025-12-31', 'succeeded', TIMESTAMP'2025-12-31 02:00:00'),"
        + " ('r31b', DATE'2025-12-31', 'failed', TIMESTAMP'2025-12-31 09:00:00')"
        + " AS t(run_id, run_date, status, started_at)");
    String notebookQuery = notebookQueries().get(0);
    assertEquals(java.sql.Date.valueOf("2025-12-30"),
        spark.sql(NotebookQueries.fill(notebookQuery, Map.of("database", "handmade_runs"))).first().getDate(0));
    Settings handmade = SettingsLoader.load(null, Map.of("warehouse", dir.resolve("warehouse").toString(),
        "database", "handmade_runs"));
    new DeltaSink(spark, handmade).refreshLatestRunView("handmade_views");
    assertEquals(List.of(RowFactory.create(java.sql.Date.valueOf("2025-12-30"), "r30")),
        spark.table("handmade_views." + DeltaSink.LATEST_RUN_VIEW).collectAsList());

    // this class's runs all succeeded: the December rerun is the latest
    String lastRun = spark.table(DB + ".run_log").orderBy(org.apache.spark.sql.functions.col("started_at").desc())
        .select("run_id").as(Encoders.STRING()).first();
    assertEquals(List.of(RowFactory.create(java.sql.Date.valueOf(DECEMBER), lastRun)),
        spark.table(settings.bi().viewsDatabase() + "." + DeltaSink.LATEST_RUN_VIEW).collectAsList());
    assertEquals(java.sql.Date.valueOf(DECEMBER),
        spark.sql(NotebookQueries.fill(notebookQuery, Map.of("database", DB))).first().getDate(0));
  }

  @Test
  void theNotebooksQueriesReadTheRunsTables() throws Exception {
    List<String> queries = notebookQueries();
    List<String> columns = List.of(spark.table(DB + ".segment_scores").columns());
    String dimensions = String.join(", ",
        columns.subList(columns.indexOf("segment_key") + 1, columns.indexOf("period_grain")));
    Map<String, String> parameters = Map.of("database", DB, "run_date", DECEMBER.toString(), "dimensions", dimensions);
    List<List<Row>> results = new java.util.ArrayList<>();
    for (String query : queries.subList(1, queries.size())) {
      results.add(spark.sql(NotebookQueries.fill(query, parameters)).collectAsList());
    }
    Row run = results.get(0).get(0);
    assertEquals(first.responses().read(), run.<Long>getAs("responses_read"));
    long rejected = run.<Long>getAs("responses_rejected") + run.<Long>getAs("crm_rejected");
    assertEquals(rejected, results.get(1).stream().mapToLong(r -> r.getLong(2)).sum());
    long months = spark.sql("SELECT count(DISTINCT period_start) FROM " + DB + ".response_facts"
        + " WHERE run_date = DATE'" + DECEMBER + "'").first().getLong(0);
    assertEquals(months, results.get(2).size());
    for (List<Row> trends : results.subList(3, 5)) {
      trends.forEach(t -> assertTrue(t.<Double>getAs("q_value") <= settings.tracking().fdrRate(), t.toString()));
    }
    assertEquals(rowsFor(OutputTables.ALERTS, DECEMBER), results.get(5).size());
    assertEquals(rowsFor(OutputTables.TARGET_TRACKING, DECEMBER), results.get(6).size());
    long npsDrivers = spark.table(DB + ".driver_importance").filter("run_date = DATE'" + DECEMBER + "'"
        + " AND segment_key = 'overall' AND target = 'nps'").count();
    assertTrue(npsDrivers > 0);
    assertEquals(npsDrivers, results.get(7).size());
  }

  /** Its first query picks the run date; the others read that date's tables. */
  private static List<String> notebookQueries() throws java.io.IOException {
    List<String> queries = NotebookQueries.of(Path.of("notebooks/reading-a-run.ipynb"));
    assertEquals(9, queries.size());
    return queries;
  }
}
