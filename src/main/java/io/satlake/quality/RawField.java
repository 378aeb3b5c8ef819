package io.satlake.quality;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.col;
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
import java.util.ArrayList;
import java.util.List;

/**
 * Typing expressions for one field of the raw shape ({@link Sources}), whatever its source type:
 * strings from CSV/JSON are trimmed of ASCII whitespace and parsed without ever failing the query,
 * typed Parquet/Delta columns are used as they are (but a number must be finite).
 */
final class RawField {
  /** What trimming removes: ASCII whitespace (Spark's one-argument trim removes only spaces). */
  private static final String WHITESPACE = " \t\r\n\u000B\f";

  /**
   * A plain decimal number: optional sign, digits with an optional fraction, optional exponent. A
   * string cast to double alone also takes Java's forms (7d, 0x1p3) and NaN and Infinity. \z, not
   * $, which would also match before a final line terminator such as U+2028.
   */
  private static final String DECIMAL = "^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?\\z";

  /** Prefix of the columns {@link #withNumbers} adds; no configured name has a colon. */
  private static final String NUMBER_PREFIX = "number:";

  private final String name;
  private final DataType type;
  /** Whether the frame holds this field's number as a column of its own ({@link #withNumbers}). */
  private final boolean numberComputed;

  private RawField(String name, DataType type, boolean numberComputed) {
    this.name = name;
    this.type = type;
    this.numberComputed = numberComputed;
  }

  static RawField of(Dataset<Row> raw, String name) {
    return new RawField(name, raw.schema().apply(Sources.rawColumn(name)).dataType(),
        List.of(raw.columns()).contains(NUMBER_PREFIX + name));
  }

  /**
   * The raw rows with the number of each named field computed once per row, in a column of its
   * own that {@link #number()} then reads. A rule refers to a number several times (present,
   * whole, in range, its detail), and each inlined reference repeated the pattern, the trim and
   * the casts: the validation's generated code outgrew Java's 64 KB method limit and Spark ran
   * it without whole-stage code generation. Spark keeps a projection apart when merging it would
   * repeat a costly expression (CollapseProject), so each number is parsed once.
   */
  static Dataset<Row> withNumbers(Dataset<Row> raw, List<String> names) {
    List<Column> columns = new ArrayList<>(List.of(col("*")));
    for (String name : names) {
      columns.add(of(raw, name).parse().as(NUMBER_PREFIX + name));
    }
    return raw.select(columns.toArray(Column[]::new));
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

  private Column trimmed() {
    return trim(value(), WHITESPACE);
  }

  /** Null, or empty after trimming. */
  Column blank() {
    return isString() ? value().isNull().or(trimmed().equalTo("")) : value().isNull();
  }

  /** The trimmed text, NULL when blank. */
  Column text() {
    Column text = isString() ? trimmed() : value().cast(DataTypes.StringType);
    return when(blank(), lit(null).cast(DataTypes.StringType)).otherwise(text);
  }

  /** The value as a finite double, NULL when blank or not a number (NaN and infinities are not). */
  Column number() {
    return numberComputed ? col("`" + NUMBER_PREFIX + name + "`") : parse();
  }

  private Column parse() {
    if (isString()) {
      Column text = trimmed();
      // the pattern guards the cast, which therefore cannot fail even in ANSI mode
      return when(text.rlike(DECIMAL), finite(text.cast(DataTypes.DoubleType)));
    }
    return finite(value().cast(DataTypes.DoubleType));
  }

  /** The double, NULL when NaN or infinite (also a decimal beyond a double's range, like 1e999). */
  private static Column finite(Column n) {
    // Spark orders NaN above every number, so one comparison excludes NaN and both infinities
    return when(abs(n).leq(Double.MAX_VALUE), n);
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
    Column text = isString() ? trimmed() : value().cast(DataTypes.StringType);
    return try_to_timestamp(text, lit(pattern)).cast(DataTypes.DateType);
  }
}
