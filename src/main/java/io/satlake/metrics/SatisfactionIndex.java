package io.satlake.metrics;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import io.satlake.config.Settings;
import java.util.Map;
import org.apache.spark.sql.Column;

/**
 * The overall satisfaction index of one response (DESIGN §5): the weighted mean of its dimension
 * ratings, each rescaled (x − 1)/6·100. Missing ratings are left out and the remaining weights
 * renormalised, so a response that skipped one dimension still has an index; none present gives
 * NULL. Built from column expressions only, so it is computed in the scan that reads the ratings.
 */
public final class SatisfactionIndex {
  private SatisfactionIndex() {}

  /** The rescaled 0–100 value of one 1–7 rating. */
  public static Column rescaled(Column rating) {
    return rating.minus(1).divide(6.0).multiply(100.0);
  }

  /** The index column for the dimension ratings named dim_&lt;dimension&gt;. */
  public static Column of(Settings settings) {
    Column weightedSum = lit(0.0);
    Column weightPresent = lit(0.0);
    for (Map.Entry<String, Double> e : settings.indexWeights().entrySet()) {
      if (e.getValue() == 0) {
        continue;
      }
      Column rating = col("dim_" + e.getKey());
      weightedSum = weightedSum.plus(when(rating.isNotNull(), rescaled(rating).multiply(e.getValue())).otherwise(0.0));
      weightPresent = weightPresent.plus(when(rating.isNotNull(), lit(e.getValue())).otherwise(0.0));
    }
    return when(weightPresent.gt(0), weightedSum.divide(weightPresent)).as(Settings.SATISFACTION_INDEX);
  }
}
