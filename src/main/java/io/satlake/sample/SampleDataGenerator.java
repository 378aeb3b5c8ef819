package io.satlake.sample;

import static io.satlake.quality.RejectReason.DUPLICATE_RESPONSE_ID;
import static io.satlake.quality.RejectReason.INVALID_DATE;
import static io.satlake.quality.RejectReason.MALFORMED_RECORD;
import static io.satlake.quality.RejectReason.MISSING_CUSTOMER_ID;
import static io.satlake.quality.RejectReason.MISSING_RESPONSE_ID;
import static io.satlake.quality.RejectReason.NO_SCORES;
import static io.satlake.quality.RejectReason.SCORE_OUT_OF_RANGE;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.cos;
import static org.apache.spark.sql.functions.date_add;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.format_string;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.shiftrightunsigned;
import static org.apache.spark.sql.functions.sqrt;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import io.satlake.io.Csv;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Writes deterministic synthetic survey responses and CRM behaviour that follow the input
 * contract (DESIGN sections 2 and 3): realistic correlations and missingness, about 2% of
 * responses naming customers outside the CRM, and a few planted bad rows per rejection reason.
 *
 * <p>Every random draw is a pure function of (row index, salt, seed) through {@code xxhash64},
 * and rows come from {@code spark.range} with a partition count fixed by size, so the same
 * options write the same files. Scores and dimensions load on a survey latent = customer
 * engagement + response noise + channel effect; engagement is the same function of the customer
 * index in both tables, so responses correlate with CRM behaviour without a join.
 *
 * <p>Layout: {@code <outDir>/crm/} and {@code <outDir>/responses/}, part files of at most
 * 1,000,000 rows, overwritten on every call. Good responses have ids {@code R0000000000} up to
 * {@code R<responses-1>}; planted rows use the ids after them, except the duplicates, which are
 * exact copies of good rows of CRM-matched customers. Each planted row breaks exactly one rule
 * and otherwise names a CRM customer.
 *
 * <ul>
 *   <li>CSV (RFC 4180, UTF-8, header line in every file, quote and escape {@code "}): the planted
 *       rows are in the hand-written {@code responses/planted-bad-rows.csv}, so malformed lines
 *       are truly malformed. Read with header=true, multiLine=false (so an unterminated quote
 *       cannot swallow the next line), quote and escape {@code "}, PERMISSIVE mode, an
 *       all-string schema and a {@code _corrupt_record} column: exactly the MALFORMED_RECORD
 *       lines are corrupt. NULL is an empty field. Non-integer scores ({@code 7.5},
 *       {@code abc}) are planted as SCORE_OUT_OF_RANGE, and dates such as {@code 2025-02-30},
 *       {@code 2025-13-01}, {@code yesterday} and {@code 2025/03/01} as INVALID_DATE.
 *   <li>Parquet: typed (scores INT, survey_date DATE); the planted rows are in their own part
 *       file. A typed file cannot hold malformed lines, invalid dates or non-integer scores, so
 *       MALFORMED_RECORD and INVALID_DATE count 0 and SCORE_OUT_OF_RANGE has only integer cases.
 * </ul>
 */
public final class SampleDataGenerator {

  public enum Format { CSV, PARQUET }

  public record Options(long responses, long customers, String outDir, Format format, long seed) {
    public Options {
      if (responses < 0) {
        throw new IllegalArgumentException("responses must be >= 0, got " + responses);
      }
      if (customers < 1) {
        throw new IllegalArgumentException("customers must be >= 1, got " + customers);
      }
      Objects.requireNonNull(outDir, "outDir");
      Objects.requireNonNull(format, "format");
    }
  }

  /**
   * What was written, so tests and the demo know the expected outcome independently. Rows in
   * responses/ = goodResponses + the sum of plantedBadRows; plantedBadRows has every planted
   * reason code (0 where the format cannot hold it). Unmatched responses are good rows.
   */
  public record Summary(
      long goodResponses, long unmatchedGoodResponses, long customers, Map<String, Long> plantedBadRows) {}

  private static final List<String> PLANTED_REASONS = Stream.of(MALFORMED_RECORD, MISSING_RESPONSE_ID,
      MISSING_CUSTOMER_ID, INVALID_DATE, SCORE_OUT_OF_RANGE, NO_SCORES, DUPLICATE_RESPONSE_ID)
      .map(Enum::name).toList();

  private static final StructType RESPONSES_SCHEMA = new StructType()
      .add("response_id", DataTypes.StringType)
      .add("customer_id", DataTypes.StringType)
      .add("survey_date", DataTypes.DateType)
      .add("channel", DataTypes.StringType)
      .add("nps", DataTypes.IntegerType)
      .add("csat", DataTypes.IntegerType)
      .add("ces", DataTypes.IntegerType)
      .add("dim_product_quality", DataTypes.IntegerType)
      .add("dim_service_attitude", DataTypes.IntegerType)
      .add("dim_response_speed", DataTypes.IntegerType)
      .add("dim_after_sales", DataTypes.IntegerType)
      .add("complaint_category", DataTypes.StringType)
      .add("comment", DataTypes.StringType);

  private static final StructType CRM_SCHEMA = new StructType()
      .add("customer_id", DataTypes.StringType)
      .add("region", DataTypes.StringType)
      .add("product_line", DataTypes.StringType)
      .add("visit_frequency", DataTypes.IntegerType)
      .add("avg_dwell_minutes", DataTypes.DoubleType)
      .add("feature_usage_rate", DataTypes.DoubleType)
      .add("annual_spend", DataTypes.DoubleType)
      .add("signup_date", DataTypes.DateType)
      .add("churned", DataTypes.BooleanType);

  private static final List<String> SCORES = List.of("nps", "csat", "ces", "dim_product_quality",
      "dim_service_attitude", "dim_response_speed", "dim_after_sales");

  private static final long ROWS_PER_FILE = 1_000_000L;
  private static final String PLANTED_FILE = "planted-bad-rows.csv";
  private static final int DUPLICATES = 3;
  private static final int ENGAGEMENT_SALT = 1;

  private static final List<String> REGIONS = List.of("north", "south", "east", "west", "central");
  private static final List<String> PRODUCT_LINES = List.of(
      "smartphones", "laptops", "tablets", "wearables", "smart_home", "accessories");
  private static final List<String> CHANNELS = List.of("web", "app", "call_center", "store", "email");
  private static final double[] CHANNEL_WEIGHTS = {0.38, 0.28, 0.16, 0.12, 0.06};
  private static final List<String> COMPLAINTS = List.of("delivery_delay", "billing_error",
      "product_defect", "long_wait_time", "staff_attitude", "app_crash", "refund_process",
      "pricing", "website_error", "out_of_stock");
  /**
   * A planted incident for the trends and alerts to find: in December 2025 a faulty app release
   * lowers app users' satisfaction and makes 30% of them complain about app crashes.
   */
  private static final Column APP_INCIDENT = col("channel").equalTo("app")
      .and(col("survey_date").geq(lit("2025-12-01").cast("date")));
  private static final List<String> POSITIVE_COMMENTS = List.of(
      "Great service, thank you!",
      "Staff were friendly and helpful",
      "The new app is \"really\" easy to use",
      "Support solved my issue in one call",
      "Fast delivery, well packed",
      "服务很好，下次还会再来",
      "产品质量很好, 物超所值",
      "店员很热情，耐心解答了我的问题",
      "Would recommend to friends and family");
  private static final List<String> NEGATIVE_COMMENTS = List.of(
      "Delivery was late, again",
      "Waited 40 minutes on the phone",
      "The app keeps crashing on login",
      "Charged twice, still \"pending\" after a week",
      "Refund took more than two weeks",
      "客服响应太慢了",
      "配送延迟, 包装破损",
      "质量一般，价格偏高",
      "Item was out of stock and nobody told me");

  /** Missing and unmatched shares; planted rows start from complete, CRM-matched rows. */
  private record Shape(double unmatched, double noNps, double noCsat, double noCes, double noDimension) {}

  private static final Shape GOOD = new Shape(0.02, 0.03, 0.08, 0.10, 0.04);
  private static final Shape COMPLETE = new Shape(0, 0, 0, 0, 0);

  /** One planted row: a complete good row with one edit; typed = a Parquet file can hold it. */
  private record Planted(String reason, boolean typed, Consumer<Map<String, String>> edit) {
    static Planted set(String reason, boolean typed, String column, String value) {
      return new Planted(reason, typed, row -> row.put(column, value));
    }
  }

  private static final Planted NO_SCORE_ROW =
      new Planted(NO_SCORES.name(), true, row -> SCORES.forEach(score -> row.put(score, null)));

  private static final List<Planted> PLANTED = List.of(
      Planted.set(MISSING_RESPONSE_ID.name(), true, "response_id", ""),
      Planted.set(MISSING_RESPONSE_ID.name(), true, "response_id", "   "),
      Planted.set(MISSING_RESPONSE_ID.name(), true, "response_id", null),
      Planted.set(MISSING_CUSTOMER_ID.name(), true, "customer_id", ""),
      Planted.set(MISSING_CUSTOMER_ID.name(), true, "customer_id", "  "),
      Planted.set(MISSING_CUSTOMER_ID.name(), true, "customer_id", null),
      Planted.set(INVALID_DATE.name(), false, "survey_date", "2025-02-30"),
      Planted.set(INVALID_DATE.name(), false, "survey_date", "2025-13-01"),
      Planted.set(INVALID_DATE.name(), false, "survey_date", "yesterday"),
      Planted.set(INVALID_DATE.name(), false, "survey_date", "2025/03/01"),
      Planted.set(SCORE_OUT_OF_RANGE.name(), true, "nps", "11"),
      Planted.set(SCORE_OUT_OF_RANGE.name(), true, "csat", "0"),
      Planted.set(SCORE_OUT_OF_RANGE.name(), true, "ces", "8"),
      Planted.set(SCORE_OUT_OF_RANGE.name(), true, "dim_service_attitude", "9"),
      Planted.set(SCORE_OUT_OF_RANGE.name(), false, "nps", "7.5"),
      Planted.set(SCORE_OUT_OF_RANGE.name(), false, "nps", "abc"),
      NO_SCORE_ROW,
      NO_SCORE_ROW,
      NO_SCORE_ROW);

  /** CSV lines that do not parse into the 13 columns, each made from a complete good row. */
  private static final List<Function<List<String>, String>> MALFORMED = List.of(
      fields -> Csv.line(fields.subList(0, fields.size() - 2)),
      fields -> Csv.line(fields) + ",unexpected",
      // the quote opens in channel and never closes, swallowing the rest of the line
      fields -> Csv.line(fields.subList(0, 3)) + ",\"" + String.join(",", fields.subList(3, 9)));

  private SampleDataGenerator() {}

  public static Summary generate(SparkSession spark, Options options) {
    Draws draws = new Draws(options.seed());
    long n = options.responses();
    Path out = new Path(options.outDir());
    Path responsesDir = new Path(out, "responses");

    writer(crm(spark, draws, options.customers()).select(castTo(CRM_SCHEMA)), options.format())
        .mode(SaveMode.Overwrite).save(new Path(out, "crm").toString());

    Dataset<Row> good = responses(spark, draws, 0, n, options.customers(), GOOD);
    writer(good.select(castTo(RESPONSES_SCHEMA)), options.format())
        .mode(SaveMode.Overwrite).save(responsesDir.toString());
    long unmatched = good.filter(col("unmatched")).count();

    // copies of good rows spread over the set, of matched customers so they are plain duplicates
    List<List<String>> duplicates = strings(good.filter(not(col("unmatched")))
        .filter(col("i").mod(Math.max(1, n / 16)).equalTo(0))
        .orderBy("i")
        .limit(DUPLICATES));

    boolean csv = options.format() == Format.CSV;
    List<List<String>> bases = strings(responses(spark, draws, n,
        PLANTED.size() + (csv ? MALFORMED.size() : 0), options.customers(), COMPLETE).orderBy("i"));
    List<List<String>> planted = new ArrayList<>();
    Map<String, Long> counts = new LinkedHashMap<>();
    PLANTED_REASONS.forEach(reason -> counts.put(reason, 0L));
    for (int k = 0; k < PLANTED.size(); k++) {
      Planted p = PLANTED.get(k);
      if (csv || p.typed()) {
        planted.add(edited(bases.get(k), p.edit()));
        counts.merge(p.reason(), 1L, Long::sum);
      }
    }
    planted.addAll(duplicates);
    counts.put(DUPLICATE_RESPONSE_ID.name(), (long) duplicates.size());

    if (csv) {
      List<String> lines = new ArrayList<>();
      lines.add(String.join(",", RESPONSES_SCHEMA.fieldNames()));
      planted.forEach(row -> lines.add(Csv.line(row)));
      for (int k = 0; k < MALFORMED.size(); k++) {
        lines.add(MALFORMED.get(k).apply(bases.get(PLANTED.size() + k)));
      }
      counts.put(MALFORMED_RECORD.name(), (long) MALFORMED.size());
      writeText(spark, new Path(responsesDir, PLANTED_FILE), String.join("\n", lines) + "\n");
    } else {
      List<Row> rows = planted.stream().map(row -> RowFactory.create(row.toArray())).toList();
      spark.createDataFrame(rows, strings(RESPONSES_SCHEMA))
          .select(castTo(RESPONSES_SCHEMA))
          .coalesce(1)
          .write().mode(SaveMode.Append).parquet(responsesDir.toString());
    }
    return new Summary(n, unmatched, options.customers(), Collections.unmodifiableMap(counts));
  }

  private static DataFrameWriter<Row> writer(Dataset<Row> rows, Format format) {
    return switch (format) {
      case PARQUET -> rows.write().format("parquet");
      case CSV -> rows.write().format("csv")
          .option("header", true)
          .option("quote", "\"")
          .option("escape", "\"")
          .option("encoding", "UTF-8")
          .option("dateFormat", "yyyy-MM-dd");
    };
  }

  /**
   * CRM behaviour: engagement drives visits, dwell time, feature use, spend and churn. There is no
   * customer_tier column, so the job derives the tiers by its rules (satlake.customers.tiers).
   */
  private static Dataset<Row> crm(SparkSession spark, Draws d, long customers) {
    Column c = col("c");
    return spark.range(0, customers, 1, files(customers)).toDF("c")
        .withColumn("e", engagement(d, c))
        .withColumn("n4", d.normal(c, 4))
        .withColumn("n5", d.normal(c, 5))
        .withColumn("n6", d.normal(c, 6))
        .withColumn("n10", d.normal(c, 10))
        .withColumn("customer_id", format_string("C%08d", c))
        .withColumn("region", pick(d.uniform(c, 2), REGIONS, equalWeights(REGIONS.size())))
        .withColumn("product_line", pick(d.uniform(c, 3), PRODUCT_LINES, equalWeights(PRODUCT_LINES.size())))
        .withColumn("annual_spend", expr("round(exp(7.0 + 0.45 * e + 0.6 * n10), 2)"))
        .withColumn("visit_frequency", expr("greatest(0, round(6 + 3 * e + 2 * n4))"))
        .withColumn("avg_dwell_minutes", expr("round(exp(2.3 + 0.35 * e + 0.4 * n5), 2)"))
        .withColumn("feature_usage_rate", expr("round(1 / (1 + exp(-(0.9 * e + 0.7 * n6))), 4)"))
        .withColumn("signup_date",
            date_add(lit("2015-01-01").cast("date"), floor(d.uniform(c, 7).multiply(3650)).cast("int")))
        .withColumn("churned", d.uniform(c, 8).lt(expr("1 / (1 + exp(1.8 + 1.1 * e))")));
  }

  /**
   * Responses with indexes [first, first + count): the contract columns plus the index {@code i}
   * and {@code unmatched} (the customer is outside the CRM).
   */
  private static Dataset<Row> responses(
      SparkSession spark, Draws d, long first, long count, long customers, Shape shape) {
    Column i = col("i");
    return spark.range(first, first + count, 1, files(count)).toDF("i")
        .withColumn("unmatched", d.uniform(i, 11).lt(shape.unmatched()))
        // unmatched customers get indexes in [customers, 2 * customers), ids the CRM lacks
        .withColumn("cidx", floor(d.uniform(i, 12).multiply(customers))
            .plus(when(col("unmatched"), customers).otherwise(0L)))
        .withColumn("response_id", format_string("R%010d", i))
        .withColumn("customer_id", format_string("C%08d", col("cidx")))
        // 731 days: 2024-01-01 .. 2025-12-31 inclusive (2024 is a leap year)
        .withColumn("survey_date",
            date_add(lit("2024-01-01").cast("date"), floor(d.uniform(i, 13).multiply(731)).cast("int")))
        .withColumn("channel", pick(d.uniform(i, 14), CHANNELS, CHANNEL_WEIGHTS))
        // survey latent: customer engagement + response noise + channel effect
        .withColumn("s", engagement(d, col("cidx")).multiply(0.55)
            .plus(d.normal(i, 15).multiply(0.75))
            .plus(expr("CASE channel WHEN 'app' THEN 0.2 WHEN 'call_center' THEN -0.3 "
                + "WHEN 'email' THEN -0.1 ELSE 0 END"))
            .plus(when(APP_INCIDENT, -0.9).otherwise(0.0)))
        .withColumn("z1", d.normal(i, 21))
        .withColumn("z2", d.normal(i, 22))
        .withColumn("z3", d.normal(i, 23))
        .withColumn("z4", d.normal(i, 24))
        .withColumn("zn", d.normal(i, 30))
        .withColumn("zc", d.normal(i, 31))
        .withColumn("ze", d.normal(i, 32))
        .withColumn("dim_product_quality", keep(d, i, 42, shape.noDimension(),
            scale("4.3 + 1.3 * (0.80 * s + 0.60 * z1)", 1, 7)))
        .withColumn("dim_service_attitude", keep(d, i, 43, shape.noDimension(),
            scale("4.5 + 1.3 * (0.60 * s + 0.80 * z2)", 1, 7)))
        .withColumn("dim_response_speed", keep(d, i, 44, shape.noDimension(),
            scale("4.0 + 1.3 * (0.50 * s + 0.85 * z3 "
                + "+ CASE channel WHEN 'call_center' THEN -0.4 ELSE 0 END)", 1, 7)))
        .withColumn("dim_after_sales", keep(d, i, 45, shape.noDimension(),
            scale("4.2 + 1.3 * (0.45 * s + 0.90 * z4)", 1, 7)))
        .withColumn("csat", keep(d, i, 40, shape.noCsat(),
            scale("3.8 + 0.9 * (s + 0.20 * z1 + 0.25 * z2 + 0.55 * zc)", 1, 5)))
        .withColumn("ces", keep(d, i, 41, shape.noCes(),
            scale("3.0 - 1.1 * (0.7 * s + 0.3 * z3 + 0.7 * ze)", 1, 7)))
        // NPS also loads on the dimension noise, so dimensions are its drivers, not just co-effects;
        // it goes missing only where csat is present, so every row keeps nps or csat
        .withColumn("nps", when(d.uniform(i, 46).geq(shape.noNps()).or(col("csat").isNull()),
            scale("7.2 + 2.0 * (s + 0.30 * z1 + 0.20 * z2 + 0.15 * z3 + 0.10 * z4 + 0.45 * zn)", 0, 10)))
        // unhappy customers complain more often
        .withColumn("complaint_category", when(APP_INCIDENT.and(d.uniform(i, 38).lt(0.3)), lit("app_crash"))
            .when(d.uniform(i, 33).lt(expr("1 / (1 + exp(1.0 + s))")),
                pick(d.uniform(i, 34), COMPLAINTS, zipfWeights(COMPLAINTS.size(), 1.3))))
        .withColumn("comment", when(d.uniform(i, 35).geq(0.30),
            when(col("s").plus(d.normal(i, 37).multiply(0.5)).geq(0),
                oneOf(d.uniform(i, 36), POSITIVE_COMMENTS))
                .otherwise(oneOf(d.uniform(i, 36), NEGATIVE_COMMENTS))));
  }

  /** Customer engagement, the same function of the customer index in both tables. */
  private static Column engagement(Draws d, Column customerIndex) {
    return d.normal(customerIndex, ENGAGEMENT_SALT);
  }

  /** A rating on an integer scale: the rounded latent formula, clamped to [lo, hi]. */
  private static Column scale(String formula, int lo, int hi) {
    return least(greatest(round(expr(formula)), lit(lo)), lit(hi)).cast("int");
  }

  /** The value, or NULL with probability missingShare. */
  private static Column keep(Draws d, Column index, int salt, double missingShare, Column value) {
    return when(d.uniform(index, salt).geq(missingShare), value);
  }

  /** Maps a uniform draw to one of the names with probability proportional to its weight. */
  private static Column pick(Column uniform, List<String> names, double[] weights) {
    double total = Arrays.stream(weights).sum();
    double cumulative = 0;
    Column chosen = null;
    for (int k = 0; k < names.size() - 1; k++) {
      cumulative += weights[k] / total;
      Column hit = uniform.lt(cumulative);
      chosen = chosen == null ? when(hit, names.get(k)) : chosen.when(hit, names.get(k));
    }
    String last = names.get(names.size() - 1);
    return chosen == null ? lit(last) : chosen.otherwise(last);
  }

  private static Column oneOf(Column uniform, List<String> values) {
    Column choices = array(values.stream().map(v -> lit(v)).toArray(Column[]::new));
    return element_at(choices, floor(uniform.multiply(values.size())).plus(1).cast("int"));
  }

  private static double[] equalWeights(int size) {
    double[] weights = new double[size];
    Arrays.fill(weights, 1.0);
    return weights;
  }

  /** Weights 1/k^alpha: a few categories take most complaints, as in real complaint logs. */
  private static double[] zipfWeights(int size, double alpha) {
    double[] weights = new double[size];
    for (int k = 0; k < size; k++) {
      weights[k] = 1.0 / Math.pow(k + 1, alpha);
    }
    return weights;
  }

  /** Part files of at most ROWS_PER_FILE rows; a fixed count keeps the files identical across runs. */
  private static int files(long rows) {
    return (int) Math.max(1, (rows + ROWS_PER_FILE - 1) / ROWS_PER_FILE);
  }

  private static Column[] castTo(StructType schema) {
    return Arrays.stream(schema.fields())
        .map(f -> col(f.name()).cast(f.dataType()).as(f.name()))
        .toArray(Column[]::new);
  }

  private static StructType strings(StructType schema) {
    return new StructType(Arrays.stream(schema.fields())
        .map(f -> new StructField(f.name(), DataTypes.StringType, true, f.metadata()))
        .toArray(StructField[]::new));
  }

  /** A few response rows as their contract fields in string form (dates as yyyy-MM-dd). */
  private static List<List<String>> strings(Dataset<Row> rows) {
    return rows.select(castTo(strings(RESPONSES_SCHEMA))).collectAsList().stream()
        .map(row -> {
          List<String> fields = new ArrayList<>();
          for (int k = 0; k < row.size(); k++) {
            fields.add(row.getString(k));
          }
          return fields;
        })
        .toList();
  }

  private static List<String> edited(List<String> fields, Consumer<Map<String, String>> edit) {
    Map<String, String> row = new LinkedHashMap<>();
    String[] names = RESPONSES_SCHEMA.fieldNames();
    for (int k = 0; k < names.length; k++) {
      row.put(names[k], fields.get(k));
    }
    edit.accept(row);
    return new ArrayList<>(row.values());
  }



  /** Through the Hadoop FileSystem API, so s3a:// works like a local path. */
  private static void writeText(SparkSession spark, Path file, String text) {
    try {
      FileSystem fs = file.getFileSystem(spark.sparkContext().hadoopConfiguration());
      try (FSDataOutputStream out = fs.create(file, true)) {
        out.write(text.getBytes(UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /** Random draws as pure functions of (row index, salt, seed): no rand(), so reruns agree. */
  private record Draws(long seed) {
    private static final double TWO_TO_52 = 4503599627370496.0;

    /** Uniform in (0, 1): the top 52 bits of a 64-bit hash plus half a step, exact in a double. */
    Column uniform(Column index, int salt) {
      return shiftrightunsigned(xxhash64(lit(seed), index, lit(salt)), 12).plus(0.5).divide(TWO_TO_52);
    }

    /** Standard normal by Box-Muller; salts stay below 1000 so the second draw is unused elsewhere. */
    Column normal(Column index, int salt) {
      return sqrt(log(uniform(index, salt)).multiply(-2.0))
          .multiply(cos(uniform(index, salt + 1000).multiply(2 * Math.PI)));
    }
  }
}
