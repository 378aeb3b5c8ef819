package io.satlake.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.satlake.config.Settings;
import io.satlake.config.SettingsLoader;
import io.satlake.testing.SharedSpark;
import java.nio.file.Path;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.catalyst.TableIdentifier;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Registration of the tables and their BI views: what the metastore already lists is not created again. */
class DeltaSinkTest {
  private static final LocalDate RUN_DATE = LocalDate.of(2025, 3, 31);

  @TempDir
  Path warehouse;

  private final SparkSession spark = SharedSpark.spark();

  private Settings settings(String database) {
    return SettingsLoader.load(null, Map.of("warehouse", warehouse.toString(), "database", database,
        "spark.catalog", "in-memory"));
  }

  private static TableSpec.Builder table(String name) {
    return new TableSpec.Builder(name, "a test table")
        .add("run_date", DataTypes.DateType, "run date")
        .add("run_id", DataTypes.StringType, "run id")
        .add("x", DataTypes.IntegerType, "a value");
  }

  private Dataset<Row> rows(String runId, int... values) {
    List<Row> rows = new ArrayList<>();
    for (int x : values) {
      rows.add(RowFactory.create(Date.valueOf(RUN_DATE), runId, x));
    }
    return spark.createDataFrame(rows, new StructType()
        .add("run_date", DataTypes.DateType).add("run_id", DataTypes.StringType).add("x", DataTypes.IntegerType));
  }

  private List<Integer> values(Settings settings, String table) {
    return spark.read().format("delta").load(new DeltaSink(spark, settings).location(table))
        .filter("run_date = DATE'" + RUN_DATE + "'").orderBy("x").select("x").collectAsList().stream()
        .map(r -> r.getInt(0)).toList();
  }

  @Test
  void aTableDroppedFromTheMetastoreIsRegisteredAgainAndItsRunDateReplaced() {
    Settings settings = settings("sink_registration");
    TableSpec spec = table("facts").build();
    new DeltaSink(spark, settings).replaceRunDate(Map.of(spec, rows("r1", 1, 2)), RUN_DATE, "r1");
    assertEquals(List.of(1, 2), values(settings, "facts"));

    // registered: a new run (a new sink) writes without creating it again, and replaces the date
    new DeltaSink(spark, settings).replaceRunDate(Map.of(spec, rows("r2", 3)), RUN_DATE, "r2");
    assertEquals(List.of(3), values(settings, "facts"));

    // dropped from the metastore only (the table has a LOCATION, so its data stays): registered again
    spark.sql("DROP TABLE sink_registration.facts");
    assertFalse(spark.catalog().tableExists("sink_registration", "facts"));
    new DeltaSink(spark, settings).replaceRunDate(Map.of(spec, rows("r3", 4, 5)), RUN_DATE, "r3");
    assertTrue(spark.catalog().tableExists("sink_registration", "facts"));
    assertEquals(List.of(4, 5), spark.table("sink_registration.facts").orderBy("x").select("x")
        .collectAsList().stream().map(r -> r.getInt(0)).toList());
  }

  @Test
  void aTableRegisteredWithoutItsPropertyGetsIt() {
    Settings settings = settings("sink_properties");
    TableSpec spec = table("facts").property("delta.dataSkippingStatsColumns", "x").build();
    DeltaSink sink = new DeltaSink(spark, settings);
    // as an earlier version created it: registered, without the property
    spark.sql("CREATE DATABASE sink_properties");
    spark.sql("CREATE TABLE sink_properties.facts (run_date DATE, run_id STRING, x INT) USING DELTA"
        + " PARTITIONED BY (run_date) LOCATION '" + sink.location("facts") + "'");
    sink.replaceRunDate(Map.of(spec, rows("r1", 7)), RUN_DATE, "r1");
    assertEquals("x", spark.sql("SHOW TBLPROPERTIES sink_properties.facts ('delta.dataSkippingStatsColumns')")
        .collectAsList().get(0).getString(1));
    assertEquals(List.of(7), values(settings, "facts"));
  }

  @Test
  void viewsFollowTheTablesColumnsAndAnUnchangedViewIsLeftAlone() throws Exception {
    Settings settings = settings("sink_views");
    TableSpec narrow = table("scores").build();
    TableSpec other = table("alerts").build();
    new DeltaSink(spark, settings).replaceRunDate(Map.of(narrow, rows("r1", 1), other, rows("r1", 2)), RUN_DATE, "r1");
    new DeltaSink(spark, settings).refreshViews(List.of(narrow, other), "sink_views_bi");
    assertEquals(List.of("run_date", "run_id", "x"), columns("sink_views_bi", "scores"));
    assertEquals("a value", spark.table("sink_views_bi.scores").schema().apply("x").getComment().get());
    long alertsCreated = createTime("sink_views_bi", "alerts");
    long scoresCreated = createTime("sink_views_bi", "scores");

    // a column added to one table (mergeSchema) reaches its view; the other view is not replaced
    // the metastore keeps creation times in whole seconds: let one pass, so that a recreated view
    // shows a later time and the unchanged one keeps its own
    while (System.currentTimeMillis() / 1000 <= Math.max(alertsCreated, scoresCreated) / 1000) {
      Thread.sleep(50);
    }
    TableSpec wider = table("scores").add("y", DataTypes.IntegerType, "another value").build();
    DeltaSink sink = new DeltaSink(spark, settings);
    sink.replaceRunDate(Map.of(wider, rows("r2", 3).withColumn("y", org.apache.spark.sql.functions.lit(4))),
        RUN_DATE, "r2");
    sink.refreshViews(List.of(wider, other), "sink_views_bi");
    assertEquals(List.of("run_date", "run_id", "x", "y"), columns("sink_views_bi", "scores"));
    assertEquals(List.of(List.of(3, 4)), spark.table("sink_views_bi.scores").select("x", "y").collectAsList().stream()
        .map(r -> List.of(r.getInt(0), r.getInt(1))).toList());
    assertNotEquals(scoresCreated, createTime("sink_views_bi", "scores"));
    assertEquals(alertsCreated, createTime("sink_views_bi", "alerts"));
  }

  @Test
  void rowsHeldByTheDriverGoOutAsOneFile() {
    Settings settings = settings("sink_files");
    TableSpec spec = table("scores").build();
    // the test session has 2 cores: a scan of these rows has 2 tasks, each of which wrote a file
    Dataset<Row> driverRows = rows("r1", 1, 2, 3, 4, 5, 6, 7, 8).withColumn("x", functions.col("x").plus(10));
    assertEquals(2, driverRows.rdd().getNumPartitions());
    new DeltaSink(spark, settings).replaceRunDate(Map.of(spec, driverRows), RUN_DATE, "r1");
    assertEquals(List.of(11, 12, 13, 14, 15, 16, 17, 18), values(settings, "scores"));
    assertEquals(1, files(settings, "scores"));
  }

  @Test
  void manyRowsHeldByTheDriverGoOutInSlicesAndStillAsOneFile() {
    Settings settings = settings("sink_sliced");
    TableSpec spec = table("trends").build();
    int n = 40_000; // Spark estimates 36 bytes a row (8 + date 4 + string 20 + int 4): about 3 slices of 512 KiB
    Dataset<Row> driverRows = rows("r1", java.util.stream.IntStream.rangeClosed(1, n).toArray());
    assertTrue(driverRows.queryExecution().optimizedPlan().stats().sizeInBytes().longValue()
        > 2 * DeltaSink.DRIVER_ROWS_PER_TASK_BYTES);
    new DeltaSink(spark, settings).replaceRunDate(Map.of(spec, driverRows), RUN_DATE, "r1");
    List<Integer> written = values(settings, "trends");
    assertEquals(n, written.size());
    assertEquals((long) n * (n + 1) / 2, written.stream().mapToLong(Integer::longValue).sum());
    assertEquals(1, files(settings, "trends"));
  }

  @Test
  void scatteredRowsAreGatheredIntoOneFilePerMillionRows() {
    Settings settings = settings("sink_gathered");
    TableSpec spec = table("rejected").build();
    // 5 rows spread over 8 partitions, as rejected rows are spread over the input's splits
    Dataset<Row> scattered = spark.range(0, 800, 1, 8).filter("id % 160 = 0")
        .select(functions.lit(Date.valueOf(RUN_DATE)).as("run_date"), functions.lit("r1").as("run_id"),
            functions.col("id").cast("int").as("x"));
    assertEquals(8, scattered.rdd().getNumPartitions());
    new DeltaSink(spark, settings).replaceRunDate(Map.of(spec, DeltaSink.gathered(scattered, 5)), RUN_DATE, "r1");
    assertEquals(List.of(0, 160, 320, 480, 640), values(settings, "rejected"));
    assertEquals(1, files(settings, "rejected"));
    // ceil(2,500,000 / 1,000,000) = 3 files' worth of partitions, 1 for none
    assertEquals(3, DeltaSink.gathered(scattered, 2_500_000).rdd().getNumPartitions());
    assertEquals(1, DeltaSink.gathered(scattered, 0).rdd().getNumPartitions());
  }

  /** Data files of the run date in the table's current version. */
  private long files(Settings settings, String table) {
    return spark.read().format("delta").load(new DeltaSink(spark, settings).location(table))
        .filter("run_date = DATE'" + RUN_DATE + "'").select(functions.input_file_name()).distinct().count();
  }

  private List<String> columns(String database, String view) {
    return List.of(spark.table(database + "." + view).columns());
  }

  private long createTime(String database, String view) throws Exception {
    return spark.sessionState().catalog().getTableMetadata(new TableIdentifier(view, scala.Option.apply(database)))
        .createTime();
  }
}
