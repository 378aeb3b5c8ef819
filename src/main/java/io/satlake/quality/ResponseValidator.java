package io.satlake.quality;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.when;

import io.satlake.config.Settings;
import io.satlake.io.Sources;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

/**
 * Classifies raw survey responses (DESIGN §3): each row gets the first reason it fails, in the
 * order of {@link RejectReason}, or none. Duplicates are judged among rows that pass every other
 * rule, so an invalid copy never displaces a valid one. Under unmatched-customer-policy reject the
 * CRM match is such a rule; {@code CrmEnricher} applies it.
 */
public final class ResponseValidator {
  public static final String REASON = "reason";
  public static final String DETAIL = "detail";
  public static final String RECORD_KEY = "record_key";
  public static final String RAW_RECORD = "raw_record";
  public static final String HAS_COMMENT = "has_comment";
  private static final String REPEATED_KEY = "repeated_key";
  private static final String FIRST_POSITION = "first_position";

  /** Score scales: field -> {low, high}. Dimensions are 1-7. */
  private static final Map<String, int[]> SCALES = Map.of("nps", new int[] {0, 10},
      "csat", new int[] {1, 5}, "ces", new int[] {1, 7});

  private ResponseValidator() {}

  /**
   * Adds typed canonical columns, {@link #REASON} and {@link #DETAIL} to the raw responses, which
   * keep their raw columns for {@link #withRawRecord}. Rows with a NULL reason are accepted so far.
   *
   * @param keepable the valid copies of a repeated response id that may be the one kept (see
   *     {@code CrmEnricher.keepableCopies})
   */
  public static Dataset<Row> classify(Dataset<Row> source, Settings settings, List<String> segmentColumns,
      UnaryOperator<Dataset<Row>> keepable) {
    List<String> numbers = new ArrayList<>(scales(source, settings).keySet());
    settings.importance().extraTargets().keySet().stream().filter(name -> Sources.hasRawField(source, name))
        .forEach(numbers::add);
    Dataset<Row> raw = RawField.prepared(source, numbers, settings.responses().decimalSeparator());
    RawField responseId = RawField.of(raw, "response_id");
    RawField customerId = RawField.of(raw, "customer_id");
    RawField surveyDate = RawField.of(raw, "survey_date");
    Column date = surveyDate.date(settings.responses().dateFormat());

    Map<String, Column> typed = new LinkedHashMap<>();
    typed.put("response_id", responseId.text());
    typed.put("customer_id", customerId.text());
    typed.put("survey_date", date);
    List<Column> scoreInvalid = new ArrayList<>();
    List<Column> scoreDetail = new ArrayList<>();
    List<Column> scoreBlank = new ArrayList<>();
    for (Map.Entry<String, int[]> score : scales(raw, settings).entrySet()) {
      RawField field = RawField.of(raw, score.getKey());
      int low = score.getValue()[0];
      int high = score.getValue()[1];
      Column invalid = field.invalidScore(low, high);
      scoreInvalid.add(invalid);
      scoreDetail.add(when(invalid, concat(lit(field.name() + "="), coalesce(field.text(), lit("")))));
      scoreBlank.add(field.blank());
      typed.put(field.name(), when(invalid, lit(null)).otherwise(field.number()).cast(DataTypes.IntegerType));
    }
    for (String score : SCALES.keySet()) {
      typed.putIfAbsent(score, lit(null).cast(DataTypes.IntegerType)); // not in this source
    }
    // Extra target scores: validated like the scores but decimal, and not enough for NO_SCORES.
    settings.importance().extraTargets().forEach((name, scale) -> {
      if (!Sources.hasRawField(raw, name)) {
        typed.put(name, lit(null).cast(DataTypes.DoubleType));
        return;
      }
      RawField field = RawField.of(raw, name);
      Column invalid = field.outOfRange(scale.low(), scale.high());
      scoreInvalid.add(invalid);
      scoreDetail.add(when(invalid, concat(lit(name + "="), coalesce(field.text(), lit("")))));
      typed.put(name, when(invalid, lit(null)).otherwise(field.number()).cast(DataTypes.DoubleType));
    });
    typed.put("complaint_category", Sources.hasRawField(raw, "complaint_category")
        ? RawField.of(raw, "complaint_category").text() : lit(null).cast(DataTypes.StringType));
    // The free text is never written out, so only whether there is one travels on.
    typed.put(HAS_COMMENT, Sources.hasRawField(raw, "comment")
        ? RawField.of(raw, "comment").blank().equalTo(false) : lit(false));
    segmentColumns.forEach(s -> typed.put(s, RawField.of(raw, s).text()));

    Column anyInvalid = scoreInvalid.stream().reduce(lit(false), Column::or);
    Column allBlank = scoreBlank.stream().reduce(lit(true), Column::and);
    Column reason = when(col(Sources.CORRUPT_RECORD).isNotNull(), lit(RejectReason.MALFORMED_RECORD.name()))
        .when(responseId.blank(), lit(RejectReason.MISSING_RESPONSE_ID.name()))
        .when(customerId.blank(), lit(RejectReason.MISSING_CUSTOMER_ID.name()))
        .when(date.isNull(), lit(RejectReason.INVALID_DATE.name()))
        .when(anyInvalid, lit(RejectReason.SCORE_OUT_OF_RANGE.name()))
        .when(allBlank, lit(RejectReason.NO_SCORES.name()));
    Column detail = when(col(Sources.CORRUPT_RECORD).isNotNull(), lit("could not be parsed"))
        .when(responseId.blank(), lit("response_id"))
        .when(customerId.blank(), lit("customer_id"))
        .when(date.isNull(), concat(lit("survey_date="), coalesce(surveyDate.text(), lit(""))))
        .when(anyInvalid, concat_ws(", ", scoreDetail.toArray(Column[]::new)))
        .when(allBlank, lit("no nps, csat, ces or dimension rating"));

    List<Column> columns = new ArrayList<>();
    typed.forEach((name, expression) -> columns.add(expression.as(name)));
    columns.add(reason.as(REASON));
    columns.add(detail.as(DETAIL));
    columns.addAll(Sources.rawColumns(raw));
    columns.addAll(List.of(col(Sources.CORRUPT_RECORD), col(Sources.INPUT_POSITION)));
    return finish(raw, columns, responseId.text(), "response_id", RejectReason.DUPLICATE_RESPONSE_ID, keepable,
        settings.duplicatesBroadcastMaxIds());
  }

  /**
   * Classifies the raw rows with {@code columns} and marks every copy of a key with no reason yet,
   * but the first in input order of those {@code keepable} keeps, as a duplicate. Keeps the raw
   * fields and corrupt record for {@link #withRawRecord}.
   *
   * <p>Keys seen more than once are found from the key column alone, so the full classification
   * of every row runs once, in the returned rows. Only rows carrying such a key are classified a
   * second time, to find the first valid copy. Up to {@code broadcastMaxKeys} repeated keys are
   * collected here (one Spark job over the key column) and broadcast: with none the plan has no
   * duplicate check left, and with a few no row is shuffled for it. More than that (an input
   * delivered twice) are matched by shuffles, so the driver's memory does not grow with them.
   *
   * @param raw the raw shape of {@link Sources} (raw fields, corrupt record, input position)
   * @param columns typed columns, the key, {@link #REASON}, {@link #DETAIL} and the raw shape
   * @param rawKey the key as {@code columns} compute it, from the raw columns
   * @param keepable narrows the valid copies of a repeated key to those that may be kept; a later
   *     stage must reject the copies it drops, over any duplicate mark. It sees only the rows
   *     carrying a repeated key, shaped by {@code columns}
   * @param broadcastMaxKeys the most repeated keys collected and broadcast (see above)
   */
  static Dataset<Row> finish(Dataset<Row> raw, List<Column> columns, Column rawKey, String key,
      RejectReason duplicate, UnaryOperator<Dataset<Row>> keepable, int broadcastMaxKeys) {
    Column[] select = columns.toArray(Column[]::new);
    Dataset<Row> repeatedKeys = raw.select(rawKey.as(REPEATED_KEY))
        .filter(col(REPEATED_KEY).isNotNull())
        .groupBy(col(REPEATED_KEY))
        .agg(count(lit(1)).as("copies"))
        .filter(col("copies").gt(1))
        .drop("copies");
    List<Row> found = repeatedKeys.limit(broadcastMaxKeys + 1).collectAsList();
    boolean few = found.size() <= broadcastMaxKeys;
    // Few keys (and so few first copies) are broadcast; otherwise Spark sizes each join itself.
    UnaryOperator<Dataset<Row>> small = few ? functions::broadcast : UnaryOperator.identity();
    Dataset<Row> keys = few ? raw.sparkSession().createDataFrame(found, repeatedKeys.schema()) : repeatedKeys;
    Dataset<Row> validCopies = raw.join(small.apply(keys), rawKey.equalTo(col(REPEATED_KEY)), "left_semi")
        .select(select)
        .filter(col(REASON).isNull());
    Dataset<Row> firstValid = keepable.apply(validCopies)
        .groupBy(col(key).as(REPEATED_KEY))
        .agg(min(col(Sources.INPUT_POSITION)).as(FIRST_POSITION));
    Dataset<Row> classified = raw.select(select);
    Dataset<Row> joined = classified.join(small.apply(firstValid), col(key).equalTo(col(REPEATED_KEY)), "left");
    Column isDuplicate = col(REASON).isNull().and(col(FIRST_POSITION).isNotNull())
        .and(col(Sources.INPUT_POSITION).notEqual(col(FIRST_POSITION)));
    List<Column> output = new ArrayList<>();
    for (String name : classified.columns()) {
      if (!List.of(REASON, DETAIL, Sources.INPUT_POSITION).contains(name)) {
        output.add(col(name));
      }
    }
    output.add(when(isDuplicate, lit(duplicate.name())).otherwise(col(REASON)).as(REASON));
    output.add(when(isDuplicate, concat(lit(key + "="), col(key))).otherwise(col(DETAIL)).as(DETAIL));
    return joined.select(output.toArray(Column[]::new));
  }

  /**
   * Adds {@link #RECORD_KEY} and {@link #RAW_RECORD} to rejected rows and drops the raw columns.
   * Called once every reason is final (after the CRM join, which may reject unmatched customers);
   * the JSON is built for rejected rows only, as building it for every row costs more than the
   * rest of validation.
   */
  public static Dataset<Row> withRawRecord(Dataset<Row> classified, String key) {
    Column rejected = col(REASON).isNotNull();
    return classified
        .withColumn(RECORD_KEY, when(rejected, col(key)))
        .withColumn(RAW_RECORD, when(rejected, coalesce(col(Sources.CORRUPT_RECORD),
            // every field, NULLs too: an all-blank row reads as its fields, not as {}
            to_json(Sources.rawRecord(classified), Map.of("ignoreNullFields", "false")))))
        .drop(Sources.rawColumnNames(classified))
        .drop(Sources.CORRUPT_RECORD);
  }

  /** Rows with no reason go to accepted (without the bookkeeping columns), the rest to rejected. */
  public static Validated split(Dataset<Row> classified) {
    Dataset<Row> accepted = classified.filter(col(REASON).isNull())
        .drop(REASON, DETAIL, RECORD_KEY, RAW_RECORD);
    Dataset<Row> rejected = classified.filter(col(REASON).isNotNull())
        .select(col(REASON), col(DETAIL), col(RECORD_KEY), col(RAW_RECORD));
    return new Validated(accepted, rejected);
  }

  private static Map<String, int[]> scales(Dataset<Row> raw, Settings settings) {
    Map<String, int[]> scales = new LinkedHashMap<>();
    for (String score : List.of("nps", "csat", "ces")) {
      if (Sources.hasRawField(raw, score)) {
        scales.put(score, SCALES.get(score));
      }
    }
    settings.dimensionColumns().forEach(d -> scales.put(d, new int[] {1, 7}));
    return scales;
  }
}
