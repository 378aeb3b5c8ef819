package io.satlake.quality;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.try_to_timestamp;
import static org.apache.spark.sql.functions.when;

import io.satlake.io.Sources;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StringType;

/**
 * Typing expressions for one field of the raw shape ({@link Sources}), whatever its source type:
 * strings from CSV/JSON are trimmed and parsed without ever failing the query (try_cast), typed
 * Parquet/Delta columns are used as they are.
 */
final class RawField {
  private final String name;
  private final DataType type;

  private RawField(String name, DataType type) {
    this.name = name;
    this.type = type;
  }

  static RawField of(Dataset<Row> raw, String name) {
    return new RawField(name, raw.schema().apply(Sources.rawColumn(name)).dataType());
  }

  String name() {
    return name;
  }

  Column value() {
    return col(Sources.quotedRawColumn(name));
  }

  private boolean isString() {
    return type instanceof StringType;
  }

  /** Null, or empty after trimming. */
  Column blank() {
    return isString() ? value().isNull().or(trim(value()).equalTo("")) : value().isNull();
  }

  /** The trimmed text, NULL when blank. */
  Column text() {
    Column text = isString() ? trim(value()) : value().cast(DataTypes.StringType);
    return when(blank(), lit(null).cast(DataTypes.StringType)).otherwise(text);
  }

  /** The value as a double, NULL when blank or not a number. */
  Column number() {
    return isString()
        ? expr("try_cast(trim(" + Sources.quotedRawColumn(name) + ") AS DOUBLE)")
        : value().cast(DataTypes.DoubleType);
  }

  /** True when present but not a number in [low, high]. */
  Column outOfRange(double low, double high) {
    Column n = number();
    return blank().equalTo(false).and(n.isNotNull().and(n.between(low, high)).equalTo(false));
  }

  /** True when present but not a whole number in [low, high]. */
  Column invalidScore(int low, int high) {
    Column n = number();
    Column valid = n.isNotNull().and(n.equalTo(floor(n))).and(n.between(low, high));
    return blank().equalTo(false).and(valid.equalTo(false));
  }

  /**
   * The value as a boolean: true/false, 1/0, yes/no (any case) for text and numbers, a BOOLEAN as
   * it is; NULL when blank or anything else.
   */
  Column bool() {
    if (type instanceof org.apache.spark.sql.types.BooleanType) {
      return value();
    }
    Column text = org.apache.spark.sql.functions.lower(text());
    return when(text.isin("true", "1", "1.0", "yes"), lit(true)).when(text.isin("false", "0", "0.0", "no"), lit(false));
  }

  /** The value as a date (NULL when blank or not a real calendar date in the pattern). */
  Column date(String pattern) {
    if (type instanceof org.apache.spark.sql.types.DateType) {
      return value();
    }
    if (type instanceof org.apache.spark.sql.types.TimestampType
        || type instanceof org.apache.spark.sql.types.TimestampNTZType) {
      return to_date(value());
    }
    Column text = isString() ? trim(value()) : value().cast(DataTypes.StringType);
    return try_to_timestamp(text, lit(pattern)).cast(DataTypes.DateType);
  }
}
