package io.satlake.quality;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import io.satlake.config.Settings;
import io.satlake.io.Sources;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Classifies raw CRM rows: unparsable lines and non-numeric behaviour values are
 * MALFORMED_RECORD, a blank key MISSING_CUSTOMER_ID, a repeated key DUPLICATE_CUSTOMER_ID (so
 * the join can never multiply a response). A blank behaviour value is allowed (NULL).
 */
public final class CrmValidator {
  private CrmValidator() {}

  public static Dataset<Row> classify(Dataset<Row> raw, Settings settings, List<String> segmentColumns) {
    RawField customerId = RawField.of(raw, "customer_id");
    List<Column> columns = new ArrayList<>();
    columns.add(customerId.text().as("customer_id"));
    segmentColumns.forEach(s -> columns.add(RawField.of(raw, s).text().as(s)));
    List<Column> badNumbers = new ArrayList<>();
    List<Column> badDetail = new ArrayList<>();
    for (String driver : settings.behaviourDrivers()) {
      RawField field = RawField.of(raw, driver);
      Column bad = field.blank().equalTo(false).and(field.number().isNull());
      badNumbers.add(bad);
      badDetail.add(when(bad, concat(lit(driver + "="), coalesce(field.text(), lit("")))));
      columns.add(field.number().as(driver));
    }
    Column anyBad = badNumbers.stream().reduce(lit(false), Column::or);
    Column reason = when(col(Sources.CORRUPT_RECORD).isNotNull(), lit(RejectReason.MALFORMED_RECORD.name()))
        .when(anyBad, lit(RejectReason.MALFORMED_RECORD.name()))
        .when(customerId.blank(), lit(RejectReason.MISSING_CUSTOMER_ID.name()));
    Column detail = when(col(Sources.CORRUPT_RECORD).isNotNull(), lit("could not be parsed"))
        .when(anyBad, concat_ws(", ", badDetail.toArray(Column[]::new)))
        .when(customerId.blank(), lit("customer_id"));
    columns.add(reason.as(ResponseValidator.REASON));
    columns.add(detail.as(ResponseValidator.DETAIL));
    columns.addAll(List.of(col(Sources.RAW), col(Sources.CORRUPT_RECORD), col(Sources.INPUT_POSITION)));
    return ResponseValidator.withRawRecord(ResponseValidator.finish(raw.select(columns.toArray(Column[]::new)),
        "customer_id", RejectReason.DUPLICATE_CUSTOMER_ID), "customer_id");
  }
}
