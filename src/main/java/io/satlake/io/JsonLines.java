package io.satlake.io;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * JSON lines: every non-blank line is one input row. Spark's JSON reader parses only the first
 * value of a line (the second object of {@code {..}{..}} and trailing junk vanished) and makes a
 * row of each element of a top-level array ({@code []} made none), so lines are read as text and
 * parsed with {@code from_json}; a line that is not exactly one object is a corrupt record
 * holding the line. Blank lines (only spaces and tabs, as Jackson sees them) hold no record.
 */
final class JsonLines {
  private static final String LINE = "value"; // the text source's column

  /**
   * Whether a line is one JSON object and nothing else but whitespace. No built-in expression
   * tells: from_json, get_json_object and json_object_keys all stop after the first value.
   */
  private static final UserDefinedFunction ONE_OBJECT = udf(
      (UDF1<String, Boolean>) JsonLines::isOneObject, DataTypes.BooleanType);

  /** Spark's JSON parser settings (JSONOptions' defaults): Jackson's, plus single quotes and NaN. */
  private static final JsonFactory JSON = JsonFactory.builder()
      .enable(JsonReadFeature.ALLOW_SINGLE_QUOTES)
      .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
      .build();

  private JsonLines() {}

  /** The given fields as strings (absent ones NULL) and {@code corruptRecord}, one row per line. */
  static Dataset<Row> read(SparkSession spark, String path, List<String> fields, String corruptRecord) {
    List<StructField> schema = new ArrayList<>();
    fields.forEach(f -> schema.add(DataTypes.createStructField(f, DataTypes.StringType, true)));
    schema.add(DataTypes.createStructField(corruptRecord, DataTypes.StringType, true));
    Column parsed = from_json(col(LINE), DataTypes.createStructType(schema),
        Map.of("mode", "PERMISSIVE", "columnNameOfCorruptRecord", corruptRecord));
    Dataset<Row> lines = spark.read().text(path)
        .filter(not(col(LINE).rlike("^[ \\t]*$")))
        .select(col(LINE), parsed.as("parsed"), ONE_OBJECT.apply(col(LINE)).as("one_object"));
    List<Column> columns = new ArrayList<>();
    for (String field : fields) {
      columns.add(when(col("one_object"), col("parsed").getField(field)).as(field));
    }
    columns.add(when(col("one_object"), col("parsed").getField(corruptRecord)).otherwise(col(LINE)).as(corruptRecord));
    return lines.select(columns.toArray(Column[]::new));
  }

  static boolean isOneObject(String line) {
    try (JsonParser parser = JSON.createParser(line)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return false;
      }
      parser.skipChildren();
      return parser.nextToken() == null;
    } catch (IOException e) { // not JSON at all: from_json marks it corrupt too
      return false;
    }
  }
}
