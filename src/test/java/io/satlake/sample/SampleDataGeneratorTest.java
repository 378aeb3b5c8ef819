package io.satlake.sample;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.count_distinct;
import static org.apache.spark.sql.functions.count_if;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.satlake.sample.SampleDataGenerator.Format;
import io.satlake.sample.SampleDataGenerator.Options;
import io.satlake.sample.SampleDataGenerator.Summary;
import io.satlake.testing.SharedSpark;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SampleDataGeneratorTest {
  private static final long RESPONSES = 2_000;
  private static final long CUSTOMERS = 200;
  private static final List<String> COLUMNS = List.of("response_id", "customer_id", "survey_date",
      "channel", "nps", "csat", "ces", "dim_product_quality", "dim_service_attitude",
      "dim_response_speed", "dim_after_sales", "complaint_category", "comment");
  private static final List<String> REASONS = List.of("MALFORMED_RECORD", "MISSING_RESPONSE_ID",
      "MISSING_CUSTOMER_ID", "INVALID_DATE", "SCORE_OUT_OF_RANGE", "NO_SCORES", "DUPLICATE_RESPONSE_ID");

  @TempDir static Path tmp;
  private static SparkSession spark;
  private static Summary csv;
  private static Summary csvAgain;
  private static Summary otherSeed;
  private static Summary parquet;
  private static Dataset<Row> csvRows;

  @BeforeAll
  static void generate() {
    spark = SharedSpark.spark();
    csv = generate("csv", Format.CSV, 7);
    csvAgain = generate("csv-again", Format.CSV, 7);
    otherSeed = generate("csv-seed-8", Format.CSV, 8);
    parquet = generate("parquet", Format.PARQUET, 7);
    // cached: Spark refuses queries on raw CSV that reference only _corrupt_record
    csvRows = readCsv(tmp.resolve("csv/responses")).cache();
  }

  @AfterAll
  static void release() {
    csvRows.unpersist();
  }

  private static Summary generate(String dir, Format format, long seed) {
    return SampleDataGenerator.generate(spark,
        new Options(RESPONSES, CUSTOMERS, tmp.resolve(dir).toString(), format, seed));
  }

  /** Read as the contract says: all strings, PERMISSIVE, malformed lines kept in _corrupt_record. */
  private static Dataset<Row> readCsv(Path dir) {
    StructType schema = new StructType();
    for (String column : COLUMNS) {
      schema = schema.add(column, DataTypes.StringType);
    }
    return spark.read()
        .schema(schema.add("_corrupt_record", DataTypes.StringType))
        .option("header", true)
        .option("multiLine", false)
        .option("quote", "\"")
        .option("escape", "\"")
        .option("mode", "PERMISSIVE")
        .option("columnNameOfCorruptRecord", "_corrupt_record")
        .csv(dir.toString())
        .withColumn("file", input_file_name());
  }

  private static Column[] contract() {
    return COLUMNS.stream().map(c -> col(c)).toArray(Column[]::new);
  }

  private static Dataset<Row> parquetAsStrings() {
    return spark.read().parquet(tmp.resolve("parquet/responses").toString())
        .select(COLUMNS.stream().map(c -> col(c).cast("string")).toArray(Column[]::new));
  }

  /** Visible data files of a folder, in part order (names differ only by the job's UUID). */
  private static List<String> fileContents(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .filter(f -> !f.getFileName().toString().matches("[._].*"))
          .sorted()
          .map(f -> {
            try {
              return Files.readString(f, StandardCharsets.UTF_8);
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          })
          .toList();
    }
  }

  @Test
  void sameSeedWritesIdenticalFiles() throws IOException {
    assertEquals(csv, csvAgain);
    for (String table : List.of("responses", "crm")) {
      List<String> first = fileContents(tmp.resolve("csv").resolve(table));
      assertTrue(first.size() >= 1);
      assertEquals(first, fileContents(tmp.resolve("csv-again").resolve(table)), table);
    }
  }

  @Test
  void otherSeedWritesOtherData() throws IOException {
    for (String table : List.of("responses", "crm")) {
      assertNotEquals(fileContents(tmp.resolve("csv").resolve(table)),
          fileContents(tmp.resolve("csv-seed-8").resolve(table)), table);
    }
    assertEquals(RESPONSES, otherSeed.goodResponses());
  }

  @Test
  void countsAndReasonCodes() {
    for (Summary s : List.of(csv, parquet)) {
      assertEquals(RESPONSES, s.goodResponses());
      assertEquals(CUSTOMERS, s.customers());
      assertEquals(List.copyOf(REASONS), List.copyOf(s.plantedBadRows().keySet()));
    }
    csv.plantedBadRows().forEach((reason, n) -> assertTrue(n >= 3 && n <= 6, reason + "=" + n));
    parquet.plantedBadRows().forEach((reason, n) -> {
      boolean typedCanHold = !reason.equals("MALFORMED_RECORD") && !reason.equals("INVALID_DATE");
      assertTrue(typedCanHold ? n >= 3 && n <= 6 : n == 0, reason + "=" + n);
    });

    assertEquals(RESPONSES + total(csv), csvRows.count());
    assertEquals(RESPONSES + total(parquet), parquetAsStrings().count());
    assertEquals(CUSTOMERS,
        spark.read().option("header", true).csv(tmp.resolve("csv/crm").toString()).count());
    assertEquals(CUSTOMERS, spark.read().parquet(tmp.resolve("parquet/crm").toString()).count());
  }

  private static long total(Summary s) {
    return s.plantedBadRows().values().stream().mapToLong(Long::longValue).sum();
  }

  @Test
  void sparkFlagsExactlyThePlantedMalformedLines() {
    Dataset<Row> corrupt = csvRows.filter(col("_corrupt_record").isNotNull());
    assertEquals(csv.plantedBadRows().get("MALFORMED_RECORD"), corrupt.count());
    assertEquals(0, corrupt.filter(not(col("file").contains("planted-bad-rows.csv"))).count());
  }

  @Test
  void everyPlantedRowBreaksExactlyOneRule() {
    Dataset<Row> parsed = csvRows.filter(col("_corrupt_record").isNull()).select(contract());
    Map<String, Long> expectedCsv = new LinkedHashMap<>(csv.plantedBadRows());
    expectedCsv.remove("MALFORMED_RECORD");
    assertEquals(expectedCsv, violations(parsed));

    Map<String, Long> expectedParquet = new LinkedHashMap<>(parquet.plantedBadRows());
    expectedParquet.remove("MALFORMED_RECORD");
    expectedParquet.remove("INVALID_DATE");
    Map<String, Long> found = violations(parquetAsStrings());
    found.remove("INVALID_DATE");
    assertEquals(expectedParquet, found);
  }

  /** The rules of DESIGN section 3, written independently of the generator; rows as strings. */
  private static Map<String, Long> violations(Dataset<Row> rows) {
    Map<String, Column> rules = new LinkedHashMap<>();
    rules.put("MISSING_RESPONSE_ID", blank("response_id"));
    rules.put("MISSING_CUSTOMER_ID", blank("customer_id"));
    rules.put("INVALID_DATE", not(col("survey_date").rlike("^\\d{4}-\\d{2}-\\d{2}$")
        .and(expr("try_cast(survey_date AS DATE)").isNotNull())));
    Column outOfRange = outside("nps", 0, 10).or(outside("csat", 1, 5)).or(outside("ces", 1, 7));
    Column noScores = col("nps").isNull().and(col("csat").isNull()).and(col("ces").isNull());
    for (String dim : COLUMNS.subList(7, 11)) {
      outOfRange = outOfRange.or(outside(dim, 1, 7));
      noScores = noScores.and(col(dim).isNull());
    }
    rules.put("SCORE_OUT_OF_RANGE", outOfRange);
    rules.put("NO_SCORES", noScores);

    Column broken = rules.values().stream()
        .map(rule -> when(rule, 1).otherwise(0))
        .reduce(Column::plus)
        .get();
    Column ok = broken.equalTo(0);
    List<Column> aggregates = new ArrayList<>();
    aggregates.add(max(broken));
    rules.values().forEach(rule -> aggregates.add(count_if(rule)));
    // duplicates are whole-row copies: the extra ids among valid rows equal the extra rows
    aggregates.add(count_if(ok));
    aggregates.add(count_distinct(when(ok, col("response_id"))));
    aggregates.add(count_distinct(when(ok, to_json(struct(contract())))));
    Row r = rows.agg(aggregates.get(0), aggregates.subList(1, aggregates.size()).toArray(Column[]::new))
        .first();

    assertTrue(r.getInt(0) <= 1, "a row breaks several rules");
    Map<String, Long> counts = new LinkedHashMap<>();
    List<String> names = List.copyOf(rules.keySet());
    for (int k = 0; k < names.size(); k++) {
      counts.put(names.get(k), r.getLong(k + 1));
    }
    long valid = r.getLong(names.size() + 1);
    assertEquals(r.getLong(names.size() + 2), r.getLong(names.size() + 3),
        "duplicates differ in a field");
    counts.put("DUPLICATE_RESPONSE_ID", valid - r.getLong(names.size() + 2));
    return counts;
  }

  private static Column blank(String column) {
    return col(column).isNull().or(trim(col(column)).equalTo(""));
  }

  private static Column outside(String column, int lo, int hi) {
    List<String> allowed = IntStream.rangeClosed(lo, hi).mapToObj(Integer::toString).toList();
    return col(column).isNotNull().and(not(col(column).isin(allowed.toArray())));
  }

  @Test
  void csvRoundTripsTheSameGoodRowsAsParquet() {
    Column goodId = col("response_id").rlike("^R\\d{10}$")
        .and(col("response_id").lt(String.format("R%010d", RESPONSES)));
    Dataset<Row> fromCsv = csvRows.filter(col("_corrupt_record").isNull()).filter(goodId)
        .select(contract()).distinct();
    Dataset<Row> fromParquet = parquetAsStrings().filter(goodId).distinct();
    // each side holds distinct rows, so every row found twice means both sides are equal
    Row copies = fromCsv.union(fromParquet).groupBy(contract())
        .count().agg(count(lit(1)), min("count"), max("count")).first();
    assertEquals(RESPONSES, copies.getLong(0));
    assertEquals(2, copies.getLong(1));
    assertEquals(2, copies.getLong(2));

    Row shapes = fromCsv.selectExpr(
        "count_if(comment rlike '\\\\p{IsHan}')",
        "count_if(comment like '%,%')",
        "count_if(comment like '%\"%')",
        "count_if(comment is null) / count(*)").first();
    assertTrue(shapes.getLong(0) > 0, "Chinese comments");
    assertTrue(shapes.getLong(1) > 0, "comments with commas");
    assertTrue(shapes.getLong(2) > 0, "comments with quotes");
    assertBetween(0.25, 0.35, shapes.getDouble(3), "comment NULL share");
  }

  @Test
  void goodRowsAreRealistic() {
    Dataset<Row> good = spark.read().parquet(tmp.resolve("parquet/responses").toString())
        .filter(col("response_id").lt(String.format("R%010d", RESPONSES)))
        .filter(trim(col("response_id")).notEqual(""))
        .distinct();
    Dataset<Row> crm = spark.read().parquet(tmp.resolve("parquet/crm").toString()).as("crm");
    Row r = good.as("r").join(crm, col("r.customer_id").equalTo(col("crm.customer_id")), "left")
        .selectExpr(
            "count(*)",
            "count_if(crm.customer_id is null)",
            "avg(if(csat is null, 1, 0))",
            "avg(if(ces is null, 1, 0))",
            "avg(if(dim_after_sales is null, 1, 0))",
            "count_if(nps is null and csat is null)",
            "corr(nps, dim_product_quality)",
            "corr(nps, ces)",
            "corr(nps, visit_frequency)",
            "corr(nps, feature_usage_rate)",
            "cast(min(survey_date) as string)",
            "cast(max(survey_date) as string)",
            "avg(if(complaint_category is null, 1, 0))",
            "array_sort(collect_set(channel))")
        .first();
    assertEquals(RESPONSES, r.getLong(0));
    assertEquals(parquet.unmatchedGoodResponses(), r.getLong(1));
    assertEquals(csv.unmatchedGoodResponses(), parquet.unmatchedGoodResponses());
    assertBetween(0.01, 0.03, r.getLong(1) / (double) RESPONSES, "unmatched share");
    assertBetween(0.05, 0.11, r.getDouble(2), "csat missing");
    assertBetween(0.07, 0.13, r.getDouble(3), "ces missing");
    assertBetween(0.02, 0.06, r.getDouble(4), "dimension missing");
    assertEquals(0, r.getLong(5), "rows without nps and csat");
    assertTrue(r.getDouble(6) > 0.3, "corr(nps, dim_product_quality) = " + r.getDouble(6));
    assertTrue(r.getDouble(7) < -0.2, "corr(nps, ces) = " + r.getDouble(7));
    assertTrue(r.getDouble(8) > 0.1, "corr(nps, visit_frequency) = " + r.getDouble(8));
    assertTrue(r.getDouble(9) > 0.1, "corr(nps, feature_usage_rate) = " + r.getDouble(9));
    assertTrue(r.getString(10).compareTo("2024-01-01") >= 0, "first survey_date " + r.getString(10));
    assertTrue(r.getString(11).compareTo("2025-12-31") <= 0, "last survey_date " + r.getString(11));
    assertBetween(0.5, 0.9, r.getDouble(12), "complaint NULL share");
    assertEquals(List.of("app", "call_center", "email", "store", "web"), r.getList(13));
  }

  private static void assertBetween(double lo, double hi, double actual, String what) {
    assertTrue(actual >= lo && actual <= hi,
        what + " = " + actual + " not in [" + lo + ", " + hi + "]");
  }
}
