package io.satlake.io;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.monotonically_increasing_id;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.struct;

import io.satlake.SatlakeException;
import io.satlake.config.Identifiers;
import io.satlake.config.Settings;
import io.satlake.config.Settings.SourceFormat;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the two inputs into a raw, uniform shape for validation. Schemas are explicit: CSV and
 * JSON fields are read as strings (validation does the typing, so a bad value becomes a reason
 * code, not a lost row); Parquet and Delta keep their own types.
 *
 * <p>The raw shape: one column per needed field, named {@code raw:} + its canonical name (no
 * configured name has a colon, so no typed column is taken for a raw one),
 * {@code corrupt_record} (the unparsable line, else NULL) and {@code input_position}. The fields
 * were once one struct column: Spark's planner then weighed, for every reference to one of its
 * fields, whether merging the validation's projection into the struct's was cheap, and did so
 * again for each adaptive re-planning (a quarter of the driver's time in a small run).
 */
public final class Sources {
  public static final String CORRUPT_RECORD = "corrupt_record";
  public static final String INPUT_POSITION = "input_position";
  private static final String RAW_PREFIX = "raw:";

  private static final Logger LOG = LoggerFactory.getLogger("satlake");

  private Sources() {}

  /** Raw responses plus the segment dimensions found in them (the rest come from the CRM). */
  public record RawResponses(Dataset<Row> frame, List<String> segmentColumns) {}

  public static RawResponses responses(SparkSession spark, Settings settings) {
    Settings.ResponsesInput input = settings.responses();
    String key = "satlake.inputs.responses";
    List<String> available = columnsOf(spark, input.path(), input.format(), input.csv(), key);
    Map<String, String> wanted = new LinkedHashMap<>(); // canonical -> source column
    for (String field : Settings.RESPONSE_FIELDS) {
      String source = input.columns().get(field);
      if (source != null) {
        wanted.put(field, source);
      } else if (List.of("response_id", "customer_id", "survey_date").contains(field)) {
        throw SatlakeException.usage(key + ".columns." + field + ": required, must name a column");
      }
    }
    settings.dimensions().forEach(d -> wanted.put("dim_" + d, input.sourceColumn(d)));
    for (String extra : settings.importance().extraTargets().keySet()) { // optional columns
      if (available == null || available.contains(extra)) {
        wanted.put(extra, extra);
      }
    }
    List<String> segmentColumns = new ArrayList<>();
    for (String segment : settings.segments().dimensions()) {
      String source = wanted.getOrDefault(segment, segment);
      if (available == null ? wanted.containsKey(segment) : available.contains(source)) {
        wanted.put(segment, source);
        segmentColumns.add(segment);
      }
    }
    if (available != null) {
      wanted.forEach((canonical, source) -> {
        if (!available.contains(source)) {
          String configKey = canonical.startsWith("dim_") && settings.dimensions().contains(canonical.substring(4))
              ? key + ".dimension-columns." + canonical.substring(4) + " (or satlake.dimensions)"
              : key + ".columns." + canonical;
          throw SatlakeException.badInput("responses input " + input.path() + " has no column '" + source
              + "' (configured by " + configKey + "); its columns are " + available);
        }
      });
    }
    Dataset<Row> frame = read(spark, input.path(), input.format(), input.csv(), input.csvMultiLine(), available,
        wanted.values());
    return new RawResponses(rawShape(frame, wanted), segmentColumns);
  }

  /** The raw shape of a source frame: {@code wanted} maps canonical names to source columns. */
  private static Dataset<Row> rawShape(Dataset<Row> frame, Map<String, String> wanted) {
    List<Column> columns = new ArrayList<>();
    wanted.forEach((canonical, source) -> columns.add(col(Identifiers.quote(source)).as(rawColumn(canonical))));
    columns.add(col(CORRUPT_RECORD));
    columns.add(monotonically_increasing_id().as(INPUT_POSITION));
    return frame.select(columns.toArray(Column[]::new));
  }

  /** The column of the raw shape that holds a field. */
  public static String rawColumn(String canonical) {
    return RAW_PREFIX + canonical;
  }

  /** That column quoted for SQL text and {@code col()}. */
  public static String quotedRawColumn(String canonical) {
    return quoteRaw(rawColumn(canonical));
  }

  /** Quotes a raw column's name: the prefix and a checked identifier, so never a backtick in it. */
  private static String quoteRaw(String rawName) {
    return "`" + rawName + "`";
  }

  /** Whether the raw shape has the field (optional fields are read when the source has them). */
  public static boolean hasRawField(Dataset<Row> frame, String canonical) {
    return List.of(frame.columns()).contains(rawColumn(canonical));
  }

  /** The canonical names of the raw shape's fields. */
  public static List<String> rawFields(Dataset<Row> frame) {
    return rawNames(frame).stream().map(name -> name.substring(RAW_PREFIX.length())).toList();
  }

  /** The raw shape's field columns, as they are (to carry them to {@link #rawRecord}). */
  public static List<Column> rawColumns(Dataset<Row> frame) {
    return rawNames(frame).stream().map(name -> col(quoteRaw(name))).toList();
  }

  /** The raw fields under their canonical names as one struct: the record of a rejected row. */
  public static Column rawRecord(Dataset<Row> frame) {
    return struct(rawFields(frame).stream().map(name -> col(quotedRawColumn(name)).as(name)).toArray(Column[]::new));
  }

  /** The columns of {@link #rawColumns}, by name (to drop them once the record is built). */
  public static String[] rawColumnNames(Dataset<Row> frame) {
    return rawNames(frame).toArray(String[]::new);
  }

  private static List<String> rawNames(Dataset<Row> frame) {
    return List.of(frame.columns()).stream().filter(name -> name.startsWith(RAW_PREFIX)).toList();
  }

  /**
   * Raw CRM rows with the key, the given segment columns and the behaviour drivers (all required),
   * plus the optional customer attributes the source has (satlake.customers): churned, signup_date,
   * numeric columns of the tiers and outcomes, and the tier column in mode auto. Derived segment
   * columns (behaviour_cluster; the tier column in mode rules) are not read.
   */
  public static Dataset<Row> crm(SparkSession spark, Settings settings, List<String> segmentColumns) {
    Settings.CrmInput input = settings.crm();
    String key = "satlake.inputs.crm";
    boolean jdbc = input.format() == SourceFormat.JDBC;
    List<String> available = jdbc ? List.of(jdbc(spark, settings.crmJdbc(), List.of()).schema().fieldNames())
        : columnsOf(spark, input.path(), input.format(), input.csv(), key);
    Settings.Customers customers = settings.customers();
    String tier = customers.tiers().column();
    Map<String, String> wanted = new LinkedHashMap<>();
    Map<String, String> optional = new LinkedHashMap<>(); // read when the source has them
    wanted.put("customer_id", input.customerIdColumn());
    for (String segment : segmentColumns) {
      if (segment.equals(Settings.Customers.CLUSTER)
          || (segment.equals(tier) && customers.tiers().mode() == Settings.TierMode.RULES)) {
        continue; // derived by CustomerSegments, never read
      }
      (segment.equals(tier) && customers.tiers().mode() == Settings.TierMode.AUTO ? optional : wanted)
          .put(segment, segment);
    }
    settings.behaviourDrivers().forEach(b -> wanted.put(b, b));
    if (customers.churnedColumn() != null) {
      optional.put(Settings.Customers.CHURNED, customers.churnedColumn());
    }
    if (customers.signupDateColumn() != null) {
      optional.put(Settings.Customers.SIGNUP_DATE, customers.signupDateColumn());
    }
    customers.extraNumericColumns(settings.behaviourDrivers()).forEach(c -> optional.put(c, c));
    optional.forEach((canonical, source) -> {
      if (available == null || available.contains(source)) {
        wanted.put(canonical, source);
      } else {
        LOG.warn("CRM input has no column '{}' ({})", source, canonical.equals(tier)
            ? "satlake.customers.tiers.column: every customer's tier comes from the rules"
            : "configured in satlake.customers: the figures that need it are NULL");
      }
    });
    if (available != null) {
      wanted.forEach((canonical, source) -> {
        if (!available.contains(source)) {
          String configKey = canonical.equals("customer_id") ? key + ".customer-id-column"
              : settings.behaviourDrivers().contains(canonical) ? "satlake.behaviour-drivers"
              : "satlake.segments.dimensions (not in the responses either)";
          throw SatlakeException.badInput("CRM input " + (jdbc ? describe(settings.crmJdbc()) : input.path())
              + " has no column '" + source
              + "' (configured by " + configKey + "); its columns are " + available);
        }
      });
    }
    Dataset<Row> frame = jdbc
        ? jdbc(spark, settings.crmJdbc(), wanted.values()).withColumn(CORRUPT_RECORD, lit(null).cast(DataTypes.StringType))
        : read(spark, input.path(), input.format(), input.csv(), false, available, wanted.values());
    return rawShape(frame, wanted);
  }

  /**
   * The source's column names, or null for JSON (whose lines may each carry different fields:
   * absent fields read as NULL). Fails with a clear message when the path does not exist or
   * holds no data file.
   */
  private static List<String> columnsOf(SparkSession spark, String path, SourceFormat format, Settings.CsvDialect csv,
      String key) {
    if (path == null || path.isBlank()) {
      throw SatlakeException.usage(key + ".path: must be set");
    }
    requireExists(spark, path, key + ".path");
    try {
      return switch (format) {
        case CSV -> {
          List<String> header = List.of(csvReader(spark, csv).option("header", "true").csv(path).schema().fieldNames());
          checkHeader(spark, path, csv, key, header);
          yield header;
        }
        case JSON -> {
          // no file, or only empty ones (an export that wrote nothing): the CSV and Parquet readers fail so
          if (!anyNonEmpty(spark, spark.read().text(path).inputFiles())) {
            throw noData(key, format, path);
          }
          yield null;
        }
        case PARQUET -> List.of(spark.read().parquet(path).schema().fieldNames());
        case DELTA -> List.of(spark.read().format("delta").load(path).schema().fieldNames());
        case JDBC -> throw new IllegalStateException(key + ": a JDBC source has no path"); // SettingsLoader allows it for the CRM only
      };
    } catch (Exception e) { // Spark's AnalysisException is checked in Java's eyes but undeclared
      if (e instanceof AnalysisException a && "UNABLE_TO_INFER_SCHEMA".equals(a.getErrorClass())) {
        throw noData(key, format, path);
      }
      if (e instanceof AnalysisException a) {
        throw SatlakeException.badInput(key + ".path: cannot read " + path + ": " + a.getMessage());
      }
      throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
    }
  }

  /**
   * Fails, naming the file, when the header has a column without a name (a spreadsheet's trailing
   * delimiter) or a name twice. Spark names such columns itself ({@code _c13}; {@code extra2} and
   * {@code extra5}), then finds that no file's header matches those names and fails each task
   * with a stack trace. A name Spark made ends with its column's index: only then is the header
   * line read as it is, under the same dialect (the first line the header was taken from).
   */
  private static void checkHeader(SparkSession spark, String path, Settings.CsvDialect csv, String key,
      List<String> header) {
    int n = header.size();
    if (java.util.stream.IntStream.range(0, n).noneMatch(i -> header.get(i).endsWith(Integer.toString(i)))) {
      return;
    }
    StructType asText = DataTypes.createStructType(java.util.stream.IntStream.range(0, n)
        .mapToObj(i -> DataTypes.createStructField("_c" + i, DataTypes.StringType, true)).toList());
    Row line = csvReader(spark, csv).option("header", "false").schema(asText).csv(path)
        .select(col("*"), input_file_name()).first();
    boolean caseSensitive = Boolean.parseBoolean(spark.conf().get("spark.sql.caseSensitive"));
    List<String> problems = new ArrayList<>();
    Map<String, List<Integer>> columns = new LinkedHashMap<>(); // each name as Spark compares it -> its indexes
    for (int i = 0; i < n; i++) {
      String name = line.getString(i);
      if (name == null || name.isEmpty()) {
        problems.add("column " + (i + 1) + " has no name" + (i < n - 1 ? ""
            : " (a trailing " + (csv.delimiter().equals(",") ? "comma" : "delimiter") + "?)"));
      } else {
        columns.computeIfAbsent(caseSensitive ? name : name.toLowerCase(java.util.Locale.ROOT),
            k -> new ArrayList<>()).add(i);
      }
    }
    columns.values().stream().filter(at -> at.size() > 1).forEach(at -> {
      List<String> spellings = at.stream().map(i -> "'" + line.getString(i) + "'").distinct().toList();
      String numbers = " (columns " + and(at.stream().map(i -> Integer.toString(i + 1)).toList()) + ")";
      problems.add(spellings.size() == 1
          ? "column name " + spellings.get(0) + " appears " + (at.size() == 2 ? "twice" : at.size() + " times") + numbers
          : "column names " + and(spellings) + " are one name to Spark, which ignores case" + numbers);
    });
    if (!problems.isEmpty()) {
      throw SatlakeException.badInput(key + ".path: the header of " + line.getString(n) + " cannot be used: "
          + String.join("; ", problems));
    }
  }

  /** "a", "a and b", "a, b and c". */
  private static String and(List<String> items) {
    return items.size() == 1 ? items.get(0)
        : String.join(", ", items.subList(0, items.size() - 1)) + " and " + items.get(items.size() - 1);
  }

  /** Whether any of the files has a byte; stops at the first that does (usually the first). */
  private static boolean anyNonEmpty(SparkSession spark, String[] files) throws IOException {
    for (String file : files) {
      Path p = new Path(file);
      if (p.getFileSystem(spark.sparkContext().hadoopConfiguration()).getFileStatus(p).getLen() > 0) {
        return true;
      }
    }
    return false;
  }

  private static SatlakeException noData(String key, SourceFormat format, String path) {
    return SatlakeException.badInput(key + ".path: no " + format.name().toLowerCase(java.util.Locale.ROOT)
        + " data under " + path + " (an empty folder?)");
  }

  /**
   * The user-facing error a failed query hides, if any: a CSV file whose header differs from the
   * first file's (the columns are read by position, so such a file would be misread).
   */
  public static SatlakeException inputError(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof IllegalArgumentException && t.getMessage() != null
          && t.getMessage().startsWith("CSV header does not conform to the schema")) {
        return SatlakeException.badInput("a CSV file's header differs from the first file's (the columns of every"
            + " file must be the same, in the same order): " + t.getMessage().replace('\n', ' ').replaceAll(" +", " "));
      }
    }
    return null;
  }

  private static Dataset<Row> read(SparkSession spark, String path, SourceFormat format, Settings.CsvDialect csv,
      boolean multiLine, List<String> available, java.util.Collection<String> wanted) {
    switch (format) {
      case CSV -> {
        List<StructField> fields = new ArrayList<>();
        for (String name : available) {
          fields.add(DataTypes.createStructField(name, DataTypes.StringType, true));
        }
        fields.add(DataTypes.createStructField(CORRUPT_RECORD, DataTypes.StringType, true));
        // A line with too few or too many fields is malformed whichever columns a query reads:
        // with column pruning the CSV parser would check only the fields the query needs.
        Dataset<Row> rows = csvReader(spark, csv).option("multiLine", multiLine).option("header", "true")
            .option("columnPruning", "false")
            // every file's header is checked against the first one's: fields are read by position
            .option("enforceSchema", "false")
            .schema(DataTypes.createStructType(fields))
            .option("mode", "PERMISSIVE")
            .option("columnNameOfCorruptRecord", CORRUPT_RECORD)
            .csv(path);
        if (!multiLine) {
          return rows; // the line reader skips lines of only whitespace (String.trim's: up to U+0020)
        }
        // The multi-line parser makes such a line a record of one field, malformed: skip it too.
        String whitespace = "^[\\x00-\\x20]*$";
        Column blank = col(CORRUPT_RECORD).rlike(whitespace);
        for (String name : available) {
          blank = blank.and(coalesce(col(Identifiers.quote(name)).rlike(whitespace), lit(true)));
        }
        return rows.filter(not(coalesce(blank, lit(false))));
      }
      case JSON -> {
        return JsonLines.read(spark, path, List.copyOf(new java.util.LinkedHashSet<>(wanted)), CORRUPT_RECORD);
      }
      case PARQUET -> {
        return spark.read().parquet(path).withColumn(CORRUPT_RECORD, lit(null).cast(DataTypes.StringType));
      }
      default -> {
        return spark.read().format("delta").load(path).withColumn(CORRUPT_RECORD, lit(null).cast(DataTypes.StringType));
      }
    }
  }

  /**
   * A JDBC table or query, in parallel range queries when a partition column is set. The given
   * columns are read as text (customSchema), so validation treats them exactly like CSV fields;
   * the partition column keeps its type, which the range split needs. The password comes from
   * the environment at read time and is passed to Spark only as a reader option (redacted).
   */
  private static Dataset<Row> jdbc(SparkSession spark, Settings.JdbcInput jdbc, java.util.Collection<String> asText) {
    DataFrameReader reader = spark.read().format("jdbc")
        .option("url", jdbc.url())
        .option("dbtable", jdbc.table() != null ? jdbc.table() : "(" + jdbc.query() + ") satlake_crm_query")
        .option("fetchsize", jdbc.fetchSize());
    if (jdbc.user() != null) {
      reader.option("user", jdbc.user());
    }
    if (jdbc.passwordEnv() != null) {
      reader.option("password", System.getenv(jdbc.passwordEnv()));
    }
    if (jdbc.driver() != null) {
      reader.option("driver", jdbc.driver());
    }
    if (jdbc.partitionColumn() != null) {
      reader.option("partitionColumn", jdbc.partitionColumn())
          .option("lowerBound", jdbc.lowerBound())
          .option("upperBound", jdbc.upperBound())
          .option("numPartitions", jdbc.numPartitions());
    }
    List<String> text = asText.stream().distinct().filter(c -> !c.equals(jdbc.partitionColumn()))
        .map(c -> Identifiers.quote(c) + " STRING").toList();
    if (!text.isEmpty()) {
      reader.option("customSchema", String.join(", ", text));
    }
    try {
      Dataset<Row> rows = reader.load();
      return asText.isEmpty() ? rows : rows.select(asText.stream().distinct().map(c -> col(Identifiers.quote(c)))
          .toArray(Column[]::new));
    } catch (Exception e) { // the driver's SQLException arrives undeclared, through Scala
      throw SatlakeException.badInput("satlake.inputs.crm.jdbc: cannot read " + describe(jdbc) + ": " + e.getMessage());
    }
  }

  /** The JDBC source for messages: table or query, never the URL (which might carry credentials). */
  private static String describe(Settings.JdbcInput jdbc) {
    return jdbc.table() != null ? "table " + jdbc.table() : "query (" + jdbc.query() + ")";
  }

  /**
   * A small reference CSV with a header (targets, benchmarks), read whole to the driver: one
   * row per data line in file order, with the given columns as trimmed strings (NULL when blank
   * or when an optional column is absent).
   *
   * @param key the config key naming the file, for messages
   */
  public static List<List<String>> smallCsv(SparkSession spark, String path, String key, List<String> required,
      List<String> optional) {
    requireExists(spark, path, key);
    List<String> header = List.of(csvReader(spark, Settings.CsvDialect.RFC_4180).option("header", "true").csv(path)
        .schema().fieldNames());
    for (String column : required) {
      if (!header.contains(column)) {
        throw SatlakeException.badInput(key + ": " + path + " has no column '" + column + "'; its columns are " + header);
      }
    }
    StructType schema = DataTypes.createStructType(header.stream()
        .map(name -> DataTypes.createStructField(name, DataTypes.StringType, true)).toList());
    List<Row> rows;
    try {
      rows = csvReader(spark, Settings.CsvDialect.RFC_4180).option("header", "true").option("mode", "FAILFAST").schema(schema).csv(path)
          .coalesce(1).collectAsList(); // a reference table: a few hundred rows at most
    } catch (RuntimeException e) {
      throw SatlakeException.badInput(key + ": " + path + " is not a well-formed CSV: " + e.getMessage());
    }
    List<String> wanted = new ArrayList<>(required);
    wanted.addAll(optional);
    List<List<String>> result = new ArrayList<>();
    for (Row row : rows) {
      List<String> values = new ArrayList<>();
      for (String column : wanted) {
        String value = header.contains(column) ? row.getString(header.indexOf(column)) : null;
        values.add(value == null || value.isBlank() ? null : value.trim());
      }
      result.add(values);
    }
    return result;
  }

  /**
   * RFC 4180 CSV with the dialect's delimiter and encoding: double quotes, quotes escaped by
   * doubling, fields may hold the delimiter and any text of the encoding.
   */
  private static DataFrameReader csvReader(SparkSession spark, Settings.CsvDialect csv) {
    return spark.read()
        .option("sep", csv.delimiter())
        .option("encoding", csv.encoding())
        .option("quote", "\"")
        .option("escape", "\"")
        .option("multiLine", "false")
        .option("ignoreLeadingWhiteSpace", "false")
        .option("ignoreTrailingWhiteSpace", "false");
  }

  private static void requireExists(SparkSession spark, String path, String key) {
    try {
      Path p = new Path(path);
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (fs.globStatus(p) == null || fs.globStatus(p).length == 0) {
        throw SatlakeException.badInput(key + ": input not found: " + path);
      }
    } catch (IOException e) {
      throw SatlakeException.badInput(key + ": cannot read " + path + ": " + e.getMessage());
    }
  }
}
