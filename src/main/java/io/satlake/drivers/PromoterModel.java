package io.satlake.drivers;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.stddev_samp;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import io.satlake.config.Identifiers;
import io.satlake.drivers.MomentMatrix.Segment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;

/**
 * Promoter-vs-detractor model: MLlib logistic regression of P(promoter) on the drivers, passives
 * excluded, no regularisation, overall and per segment of the importance levels.
 *
 * <p>Coefficients are per standard deviation of the driver: the model is fitted on the raw
 * drivers (MLlib standardizes internally for its optimiser) and each coefficient multiplied by
 * the driver's sample standard deviation in the fitted rows. Without regularisation that is
 * exactly the fit on standardized drivers. odds ratio = exp(coefficient): the factor on the odds
 * of being a promoter rather than a detractor per +1 SD of the driver, the others held fixed.
 *
 * <p>The optimiser reads its input once per iteration, so it fits a deterministic hash sample of
 * at most about {@code maxRows} responses, cached; a rerun fits the same rows.
 */
final class PromoterModel {
  private static final String LABEL = "promoter";
  private static final String FEATURES = "features";
  private static final long HASH_BUCKETS = 1_000_000;
  private static final long ROWS_PER_PARTITION = 50_000;

  private PromoterModel() {}

  /** Per-SD coefficients of one segment's fit, or null coefficients when not fitted. */
  record Fit(long n, double[] coefficients) {}

  /**
   * @param eligible the complete-case condition of the importance samples (drivers checked here)
   * @param npsCases responses with an nps in the overall sample (an upper bound of the eligible
   *     rows, which sets the sampling fraction)
   */
  static Map<Segment, Fit> fit(Dataset<Row> facts, Column eligible, List<String> drivers,
      java.util.Collection<Segment> segments, String idColumn, long npsCases, int maxRows, long seed, int minN) {
    List<String> levels = segments.stream().map(Segment::level).filter(l -> !MomentMatrix.OVERALL.equals(l))
        .distinct().toList();
    Column nps = col("nps");
    Column rows = eligible.and(nps.isNotNull()).and(nps.leq(6).or(nps.geq(9)));
    List<Column> columns = new ArrayList<>();
    for (String level : levels) {
      columns.add(col(Identifiers.quote(level)));
    }
    columns.add(when(nps.geq(9), 1.0).otherwise(0.0).as(LABEL));
    for (int i = 0; i < drivers.size(); i++) {
      Column driver = col(Identifiers.quote(drivers.get(i)));
      rows = rows.and(driver.isNotNull());
      columns.add(driver.cast("double").as("x" + i));
    }
    if (npsCases > maxRows) {
      long keep = Math.round((double) maxRows / npsCases * HASH_BUCKETS);
      rows = rows.and(pmod(xxhash64(col(Identifiers.quote(idColumn)), lit(seed + 1)), lit(HASH_BUCKETS)).lt(keep));
    }
    // Each optimiser iteration is a job over every partition of the sample: keep them few (a
    // shuffle of the sample only; coalesce would also narrow the scan of the facts).
    int partitions = (int) Math.max(1, Math.min(facts.sparkSession().sparkContext().defaultParallelism(),
        Math.min(npsCases, maxRows) / ROWS_PER_PARTITION));
    Dataset<Row> sample = facts.filter(rows).select(columns.toArray(Column[]::new)).repartition(partitions)
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Map<Segment, Fit> fits = new LinkedHashMap<>();
      for (Segment segment : segments) {
        Dataset<Row> subset = MomentMatrix.OVERALL.equals(segment.level()) ? sample
            : sample.filter(col(Identifiers.quote(segment.level())).equalTo(segment.value()));
        fits.put(segment, fitOne(subset, drivers.size(), minN));
      }
      return fits;
    } finally {
      sample.unpersist();
    }
  }

  private static Fit fitOne(Dataset<Row> subset, int drivers, int minN) {
    List<Column> summary = new ArrayList<>(List.of(sum(col(LABEL))));
    for (int i = 0; i < drivers; i++) {
      summary.add(stddev_samp(col("x" + i)));
    }
    Row s = subset.agg(count(lit(1)), summary.toArray(Column[]::new)).first();
    long n = s.getLong(0);
    double promoters = s.isNullAt(1) ? 0 : s.getDouble(1);
    double[] sd = new double[drivers];
    boolean constant = false;
    for (int i = 0; i < drivers; i++) {
      sd[i] = s.isNullAt(2 + i) ? 0 : s.getDouble(2 + i);
      constant |= !(sd[i] > 0);
    }
    if (n < minN || promoters == 0 || promoters == n || constant) {
      return new Fit(n, null); // below min-n, one class only, or a driver without variance
    }
    String[] inputs = new String[drivers];
    for (int i = 0; i < drivers; i++) {
      inputs[i] = "x" + i;
    }
    Dataset<Row> assembled = new VectorAssembler().setInputCols(inputs).setOutputCol(FEATURES).transform(subset);
    LogisticRegressionModel model = new LogisticRegression().setLabelCol(LABEL).setFeaturesCol(FEATURES)
        .setRegParam(0.0).setStandardization(true).setMaxIter(100).setTol(1e-9).fit(assembled);
    double[] coefficients = model.coefficients().toArray();
    for (int i = 0; i < drivers; i++) {
      coefficients[i] *= sd[i];
    }
    return new Fit(n, coefficients);
  }
}
