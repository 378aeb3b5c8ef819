package io.satlake.quality;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import io.satlake.config.Settings;
import io.satlake.config.Settings.Customers;
import io.satlake.io.Sources;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;

/**
 * Classifies raw CRM rows: unparsable lines, non-numeric behaviour (or other configured numeric)
 * values and churned values that are not booleans are MALFORMED_RECORD, a blank key
 * MISSING_CUSTOMER_ID, a signup_date that is not a real date INVALID_DATE, a repeated key
 * DUPLICATE_CUSTOMER_ID (so the join can never multiply a response). Blank values are allowed
 * (NULL). Optional columns the source lacks (see {@code Sources.crm}) are simply not in the output.
 */
public final class CrmValidator {
  private CrmValidator() {}

  public static Dataset<Row> classify(Dataset<Row> source, Settings settings, List<String> segmentColumns) {
    List<String> numeric = new ArrayList<>(settings.behaviourDrivers());
    numeric.addAll(settings.customers().extraNumericColumns(settings.behaviourDrivers()));
    numeric.removeIf(name -> !Sources.hasRawField(source, name)); // optional columns the source lacks
    Dataset<Row> raw = RawField.prepared(source, numeric, settings.crm().decimalSeparator());
    RawField customerId = RawField.of(raw, "customer_id");
    List<Column> columns = new ArrayList<>();
    columns.add(customerId.text().as("customer_id"));
    // A derived segment the source lacks (rule tier, cluster) is NULL until CustomerSegments fills
    // it in place, so the columns keep one order whatever the source has.
    segmentColumns.forEach(s -> columns.add((Sources.hasRawField(raw, s) ? RawField.of(raw, s).text()
        : lit(null).cast(DataTypes.StringType)).as(s)));
    List<Column> badValues = new ArrayList<>();
    List<Column> badDetail = new ArrayList<>();
    for (String name : numeric) {
      RawField field = RawField.of(raw, name);
      addChecked(field, field.number(), badValues, badDetail);
      columns.add(field.number().as(name));
    }
    if (Sources.hasRawField(raw, Customers.CHURNED)) {
      RawField churned = RawField.of(raw, Customers.CHURNED);
      addChecked(churned, churned.bool(), badValues, badDetail);
      columns.add(churned.bool().as(Customers.CHURNED));
    }
    Column badDate = lit(false);
    Column dateDetail = lit(null);
    if (Sources.hasRawField(raw, Customers.SIGNUP_DATE)) {
      RawField signup = RawField.of(raw, Customers.SIGNUP_DATE);
      Column date = signup.date(settings.customers().signupDateFormat());
      badDate = signup.blank().equalTo(false).and(date.isNull());
      dateDetail = concat(lit(Customers.SIGNUP_DATE + "="), coalesce(signup.text(), lit("")));
      columns.add(date.as(Customers.SIGNUP_DATE));
    }
    Column anyBad = badValues.stream().reduce(lit(false), Column::or);
    Column reason = when(col(Sources.CORRUPT_RECORD).isNotNull(), lit(RejectReason.MALFORMED_RECORD.name()))
        .when(anyBad, lit(RejectReason.MALFORMED_RECORD.name()))
        .when(customerId.blank(), lit(RejectReason.MISSING_CUSTOMER_ID.name()))
        .when(badDate, lit(RejectReason.INVALID_DATE.name()));
    Column detail = when(col(Sources.CORRUPT_RECORD).isNotNull(), lit("could not be parsed"))
        .when(anyBad, concat_ws(", ", badDetail.toArray(Column[]::new)))
        .when(customerId.blank(), lit("customer_id"))
        .when(badDate, dateDetail);
    columns.add(reason.as(ResponseValidator.REASON));
    columns.add(detail.as(ResponseValidator.DETAIL));
    columns.addAll(Sources.rawColumns(raw));
    columns.addAll(List.of(col(Sources.CORRUPT_RECORD), col(Sources.INPUT_POSITION)));
    return ResponseValidator.withRawRecord(ResponseValidator.finish(raw, columns, customerId.text(), "customer_id",
        RejectReason.DUPLICATE_CUSTOMER_ID, UnaryOperator.identity(), settings.duplicatesBroadcastMaxIds()),
        "customer_id");
  }

  /** A present value that does not parse is bad; the detail names the field and its text. */
  private static void addChecked(RawField field, Column parsed, List<Column> bad, List<Column> detail) {
    Column isBad = field.blank().equalTo(false).and(parsed.isNull());
    bad.add(isBad);
    detail.add(when(isBad, concat(lit(field.name() + "="), coalesce(field.text(), lit("")))));
  }
}
