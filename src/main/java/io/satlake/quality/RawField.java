package io.satlake.quality;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.translate;
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
  /** {@link #DECIMAL} with a decimal comma: a point is then no part of a number (1.234 is not 1.234). */
  private static final String DECIMAL_COMMA = "^[+-]?([0-9]+(,[0-9]*)?|,[0-9]+)([eE][+-]?[0-9]+)?\\z";

  /** Prefixes of the columns {@link #prepared} adds; no configured name has a colon. */
  private static final String TRIMMED_PREFIX = "trimmed:";
  private static final String NUMBER_PREFIX = "number:";

  private final String name;
  private final DataType type;
  /** Whether the frame holds this field's trimmed text as a column of its own ({@link #prepared}). */
  private final boolean trimmedComputed;
  /** Whether the frame holds this field's number as a column of its own ({@link #prepared}). */
  private final boolean numberComputed;

  private RawField(String name, DataType type, boolean trimmedComputed, boolean numberComputed) {
    this.name = name;
    this.type = type;
    this.trimmedComputed = trimmedComputed;
    this.numberComputed = numberComputed;
  }

  static RawField of(Dataset<Row> raw, String name) {
    List<String> columns = List.of(raw.columns());
    return new RawField(name, raw.schema().apply(Sources.rawColumn(name)).dataType(),
        columns.contains(TRIMMED_PREFIX + name), columns.contains(NUMBER_PREFIX + name));
  }

  /**
   * The raw rows with each text field trimmed once per row, and then the number of each named
   * field parsed once per row, each in a column of its own that {@link #trimmed()} and
   * {@link #number()} then read. Rules refer to a field several times (blank, its text, present,
   * whole, in range, its detail), and CASE branches defeat common-subexpression elimination:
   * inlined, each reference trimmed the string again (a new string each time), and the repeated
   * number patterns made the validation's generated code outgrow Java's 64 KB method limit, so
   * Spark ran it without whole-stage code generation. Spark keeps a projection apart when merging
   * it would repeat a costly expression (CollapseProject); columns no query needs are pruned.
   */
  static Dataset<Row> prepared(Dataset<Row> raw, List<String> numberNames, String decimalSeparator) {
    List<Column> trimmed = new ArrayList<>(List.of(col("*")));
    for (String name : Sources.rawFields(raw)) {
      RawField field = of(raw, name);
      if (field.isString()) {
        trimmed.add(field.trimmed().as(TRIMMED_PREFIX + name));
      }
    }
    Dataset<Row> withTrimmed = raw.select(trimmed.toArray(Column[]::new));
    List<Column> numbers = new ArrayList<>(List.of(col("*")));
    for (String name : numberNames) {
      numbers.add(of(withTrimmed, name).parse(decimalSeparator).as(NUMBER_PREFIX + name));
    }
    return withTrimmed.select(numbers.toArray(Column[]::new));
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
    return trimmedComputed ? col("`" + TRIMMED_PREFIX + name + "`") : trim(value(), WHITESPACE);
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

  /**
   * The value as a finite double, NULL when blank or not a number (NaN and infinities are not).
   * Text in a field {@link #prepared} reads its decimal separator; in any other, a point.
   */
  Column number() {
    return numberComputed ? col("`" + NUMBER_PREFIX + name + "`") : parse(".");
  }

  /** @param decimalSeparator "." or "," (text only: a typed column is a number already) */
  private Column parse(String decimalSeparator) {
    if (isString()) {
      Column text = trimmed();
      boolean comma = decimalSeparator.equals(",");
      // the pattern guards the cast, which therefore cannot fail even in ANSI mode
      return when(text.rlike(comma ? DECIMAL_COMMA : DECIMAL),
          finite((comma ? translate(text, ",", ".") : text).cast(DataTypes.DoubleType)));
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
