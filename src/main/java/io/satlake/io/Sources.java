package io.satlake.io;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.monotonically_increasing_id;
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
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Reads the two inputs into a raw, uniform shape for validation. Schemas are explicit: CSV and
 * JSON fields are read as strings (validation does the typing, so a bad value becomes a reason
 * code, not a lost row); Parquet and Delta keep their own types.
 *
 * <p>The raw shape: a struct column {@code raw} holding every needed field under its canonical
 * name, {@code corrupt_record} (the unparsable line, else NULL) and {@code input_position}.
 */
public final class Sources {
  public static final String RAW = "raw";
  public static final String CORRUPT_RECORD = "corrupt_record";
  public static final String INPUT_POSITION = "input_position";

  private Sources() {}

  /** Raw responses plus the segment dimensions found in them (the rest come from the CRM). */
  public record RawResponses(Dataset<Row> frame, List<String> segmentColumns) {}

  public static RawResponses responses(SparkSession spark, Settings settings) {
    Settings.ResponsesInput input = settings.responses();
    String key = "satlake.inputs.responses";
    List<String> available = columnsOf(spark, input.path(), input.format(), key);
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
    Dataset<Row> frame = read(spark, input.path(), input.format(), available, wanted.values());
    List<Column> rawFields = new ArrayList<>();
    wanted.forEach((canonical, source) -> rawFields.add(col(Identifiers.quote(source)).as(canonical)));
    return new RawResponses(frame.select(struct(rawFields.toArray(Column[]::new)).as(RAW),
        col(CORRUPT_RECORD), monotonically_increasing_id().as(INPUT_POSITION)), segmentColumns);
  }

  /** Raw CRM rows with the key, the given segment columns and the behaviour drivers. */
  public static Dataset<Row> crm(SparkSession spark, Settings settings, List<String> segmentColumns) {
    Settings.CrmInput input = settings.crm();
    String key = "satlake.inputs.crm";
    List<String> available = columnsOf(spark, input.path(), input.format(), key);
    Map<String, String> wanted = new LinkedHashMap<>();
    wanted.put("customer_id", input.customerIdColumn());
    segmentColumns.forEach(s -> wanted.put(s, s));
    settings.behaviourDrivers().forEach(b -> wanted.put(b, b));
    if (available != null) {
      wanted.forEach((canonical, source) -> {
        if (!available.contains(source)) {
          String configKey = canonical.equals("customer_id") ? key + ".customer-id-column"
              : settings.behaviourDrivers().contains(canonical) ? "satlake.behaviour-drivers"
              : "satlake.segments.dimensions (not in the responses either)";
          throw SatlakeException.badInput("CRM input " + input.path() + " has no column '" + source
              + "' (configured by " + configKey + "); its columns are " + available);
        }
      });
    }
    Dataset<Row> frame = read(spark, input.path(), input.format(), available, wanted.values());
    List<Column> rawFields = new ArrayList<>();
    wanted.forEach((canonical, source) -> rawFields.add(col(Identifiers.quote(source)).as(canonical)));
    return frame.select(struct(rawFields.toArray(Column[]::new)).as(RAW), col(CORRUPT_RECORD),
        monotonically_increasing_id().as(INPUT_POSITION));
  }

  /**
   * The source's column names, or null for JSON (whose lines may each carry different fields:
   * absent fields read as NULL). Fails with a clear message when the path does not exist.
   */
  private static List<String> columnsOf(SparkSession spark, String path, SourceFormat format, String key) {
    if (path == null || path.isBlank()) {
      throw SatlakeException.usage(key + ".path: must be set");
    }
    requireExists(spark, path, key + ".path");
    return switch (format) {
      case CSV -> List.of(csvReader(spark).option("header", "true").csv(path).schema().fieldNames());
      case JSON -> null;
      case PARQUET -> List.of(spark.read().parquet(path).schema().fieldNames());
      case DELTA -> List.of(spark.read().format("delta").load(path).schema().fieldNames());
    };
  }

  private static Dataset<Row> read(SparkSession spark, String path, SourceFormat format,
      List<String> available, java.util.Collection<String> wanted) {
    switch (format) {
      case CSV, JSON -> {
        List<StructField> fields = new ArrayList<>();
        for (String name : format == SourceFormat.CSV ? available : List.copyOf(new java.util.LinkedHashSet<>(wanted))) {
          fields.add(DataTypes.createStructField(name, DataTypes.StringType, true));
        }
        fields.add(DataTypes.createStructField(CORRUPT_RECORD, DataTypes.StringType, true));
        StructType schema = DataTypes.createStructType(fields);
        DataFrameReader reader = (format == SourceFormat.CSV ? csvReader(spark).option("header", "true")
            : spark.read())
            .schema(schema)
            .option("mode", "PERMISSIVE")
            .option("columnNameOfCorruptRecord", CORRUPT_RECORD);
        return format == SourceFormat.CSV ? reader.csv(path) : reader.json(path);
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
   * A small reference CSV with a header (targets, benchmarks), read whole to the driver: one
   * row per data line in file order, with the given columns as trimmed strings (NULL when blank
   * or when an optional column is absent).
   *
   * @param key the config key naming the file, for messages
   */
  public static List<List<String>> smallCsv(SparkSession spark, String path, String key, List<String> required,
      List<String> optional) {
    requireExists(spark, path, key);
    List<String> header = List.of(csvReader(spark).option("header", "true").csv(path).schema().fieldNames());
    for (String column : required) {
      if (!header.contains(column)) {
        throw SatlakeException.badInput(key + ": " + path + " has no column '" + column + "'; its columns are " + header);
      }
    }
    StructType schema = DataTypes.createStructType(header.stream()
        .map(name -> DataTypes.createStructField(name, DataTypes.StringType, true)).toList());
    List<Row> rows;
    try {
      rows = csvReader(spark).option("header", "true").option("mode", "FAILFAST").schema(schema).csv(path)
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

  /** RFC 4180 CSV: double quotes, quotes escaped by doubling, fields may hold commas and UTF-8. */
  private static DataFrameReader csvReader(SparkSession spark) {
    return spark.read()
        .option("encoding", "UTF-8")
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
