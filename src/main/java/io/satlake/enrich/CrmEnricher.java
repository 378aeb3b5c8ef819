package io.satlake.enrich;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import io.satlake.config.Settings;
import io.satlake.config.Settings.UnmatchedPolicy;
import io.satlake.quality.RejectReason;
import io.satlake.quality.ResponseValidator;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Joins classified responses with accepted CRM rows (one per customer) and applies the
 * unmatched-customer policy. Segment values that are missing read 'unknown', so every response
 * lands in exactly one segment of each dimension.
 */
public final class CrmEnricher {
  public static final String MATCHED = "crm_matched";
  public static final String UNKNOWN = "unknown";
  private static final String CRM_KEY = "crm_customer_id";

  private CrmEnricher() {}

  /**
   * @param responses classified responses (see {@link ResponseValidator#classify})
   * @param crm accepted CRM rows: customer_id, the CRM segment columns (read or derived), the behaviour
   *     drivers and the optional customer attributes
   * @param segmentColumns every segment dimension (from either side)
   */
  public static Dataset<Row> enrich(Dataset<Row> responses, Dataset<Row> crm, Settings settings,
      List<String> segmentColumns) {
    Dataset<Row> crmSide = broadcastIfSmall(crm.withColumnRenamed("customer_id", CRM_KEY), settings);
    Dataset<Row> joined = responses.join(crmSide, col("customer_id").equalTo(col(CRM_KEY)), "left");
    Column matched = col(CRM_KEY).isNotNull();
    // Under reject the CRM match is checked before duplicates: the kept copy of a response id is a
    // matched one (see keepableCopies), so an unmatched copy marked as a duplicate is unmatched.
    Column reason = col(ResponseValidator.REASON);
    Column unmatched = matched.equalTo(false)
        .and(reason.isNull().or(reason.equalTo(RejectReason.DUPLICATE_RESPONSE_ID.name())));
    List<Column> columns = new ArrayList<>();
    for (String name : responses.columns()) {
      if (segmentColumns.contains(name)) {
        columns.add(coalesce(col(name), lit(UNKNOWN)).as(name));
      } else if (name.equals(ResponseValidator.REASON) && settings.unmatchedPolicy() == UnmatchedPolicy.REJECT) {
        columns.add(when(unmatched, lit(RejectReason.UNMATCHED_CUSTOMER.name())).otherwise(col(name)).as(name));
      } else if (name.equals(ResponseValidator.DETAIL) && settings.unmatchedPolicy() == UnmatchedPolicy.REJECT) {
        columns.add(when(unmatched, lit("customer_id not in CRM")).otherwise(col(name)).as(name));
      } else {
        columns.add(col(name));
      }
    }
    for (String name : crm.columns()) {
      if (!name.equals("customer_id") && !List.of(responses.columns()).contains(name)) {
        columns.add(segmentColumns.contains(name) ? coalesce(col(name), lit(UNKNOWN)).as(name) : col(name));
      }
    }
    columns.add(matched.as(MATCHED));
    return joined.select(columns.toArray(Column[]::new));
  }

  /**
   * The valid copies of a repeated response id that may be the one kept (for {@link
   * ResponseValidator#classify}): under policy reject those whose customer is in {@code crm}, as
   * {@link #enrich} rejects the others; under keep all of them.
   *
   * @param crm the accepted CRM rows given to {@link #enrich}
   */
  public static UnaryOperator<Dataset<Row>> keepableCopies(Dataset<Row> crm, Settings settings) {
    if (settings.unmatchedPolicy() != UnmatchedPolicy.REJECT) {
      return UnaryOperator.identity();
    }
    Dataset<Row> customerIds = crm.select(col("customer_id").as(CRM_KEY));
    // With no repeated id the copies are empty when the plan is built (see
    // ResponseValidator.finish), so the CRM is not read for them. A customer id is in the
    // accepted CRM once, so the inner join multiplies no copy.
    Dataset<Row> crmSide = broadcastIfSmall(customerIds, settings);
    return copies -> copies.join(crmSide, col("customer_id").equalTo(col(CRM_KEY))).drop(CRM_KEY);
  }

  /**
   * The CRM side of a join, broadcast while its size as Spark estimates it from the plan (file
   * sizes for file sources) is at most {@code inputs.crm.broadcast-max-mb}.
   */
  private static Dataset<Row> broadcastIfSmall(Dataset<Row> crmSide, Settings settings) {
    BigInteger estimate = crmSide.queryExecution().optimizedPlan().stats().sizeInBytes().bigInteger();
    boolean fits = estimate.compareTo(BigInteger.valueOf(settings.crm().broadcastMaxMb()).shiftLeft(20)) <= 0;
    return fits ? broadcast(crmSide) : crmSide;
  }
}
