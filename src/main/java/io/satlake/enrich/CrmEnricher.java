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
    Dataset<Row> crmSide = crm.withColumnRenamed("customer_id", CRM_KEY);
    if (fitsBroadcast(crmSide, settings.crm().broadcastMaxMb())) {
      crmSide = broadcast(crmSide);
    }
    Dataset<Row> joined = responses.join(crmSide, col("customer_id").equalTo(col(CRM_KEY)), "left");
    Column matched = col(CRM_KEY).isNotNull();
    List<Column> columns = new ArrayList<>();
    for (String name : responses.columns()) {
      if (segmentColumns.contains(name)) {
        columns.add(coalesce(col(name), lit(UNKNOWN)).as(name));
      } else if (name.equals(ResponseValidator.REASON) && settings.unmatchedPolicy() == UnmatchedPolicy.REJECT) {
        columns.add(coalesce(col(name), when(matched.equalTo(false), lit(RejectReason.UNMATCHED_CUSTOMER.name())))
            .as(name));
      } else if (name.equals(ResponseValidator.DETAIL) && settings.unmatchedPolicy() == UnmatchedPolicy.REJECT) {
        columns.add(when(col(ResponseValidator.REASON).isNull().and(matched.equalTo(false)),
            lit("customer_id not in CRM")).otherwise(col(name)).as(name));
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

  /** Size as Spark estimates it from the plan (file sizes for file sources). */
  private static boolean fitsBroadcast(Dataset<Row> crm, int maxMb) {
    BigInteger estimate = crm.queryExecution().optimizedPlan().stats().sizeInBytes().bigInteger();
    return estimate.compareTo(BigInteger.valueOf(maxMb).shiftLeft(20)) <= 0;
  }
}
