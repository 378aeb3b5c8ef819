package io.satlake.customers;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.count_if;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.percentile_approx;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.stddev_samp;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import io.satlake.config.Identifiers;
import io.satlake.config.Settings;
import io.satlake.config.Settings.Customers;
import io.satlake.config.Settings.TierMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * customer_segments: derives two segment columns on the accepted CRM rows (one row per customer),
 * before they are joined to the responses.
 *
 * <ul>
 *   <li>Rule tiers (high_value, at_risk, regular) in the configured tier column, from quantiles of
 *       spend, visits and feature usage (Spark's approx_percentile, accuracy {@value
 *       #PERCENTILE_ACCURACY}) and churn.
 *   <li>Behavioural clusters ({@value Customers#CLUSTER}): k-means on the z-scores of the
 *       behaviour columns, fitted on the driver ({@link SampleKMeans}) to a deterministic sample of
 *       customers, k configured or chosen by silhouette; every customer with all columns is then
 *       assigned to the nearest centre.
 * </ul>
 *
 * <p>Cost: one aggregation over the CRM for every quantile and moment, one pass collecting the
 * sample (the fits then take milliseconds on the driver, whatever the CRM's size), and one
 * aggregation for the clusters' sizes and centroids. The assignment is a projection, evaluated
 * when the CRM side of the join is built; responses are not read here.
 */
public final class CustomerSegments {
  private static final Logger LOG = LoggerFactory.getLogger("satlake");
  public static final String HIGH_VALUE = "high_value";
  public static final String AT_RISK = "at_risk";
  public static final String REGULAR = "regular";
  /** approx_percentile accuracy: the returned value's rank is within rows / accuracy of the exact one. */
  public static final int PERCENTILE_ACCURACY = 10_000;
  /** A cluster is named after features at least this many standard deviations from the mean. */
  static final double LABEL_MIN_Z = 0.5;
  static final int LABEL_FEATURES = 2;
  private static final String HASH = "satlake_sample_hash";

  private CustomerSegments() {}

  /** One cluster: id, customers assigned, centroid in original units and in z-scores, label. */
  public record Cluster(String id, long customers, double[] centroid, double[] standardized, String label) {}

  /**
   * The fitted clustering: the columns, k, the silhouette of the chosen model and of every k
   * tried, the number of customers the model was fitted on, and the clusters by id.
   */
  public record Clustering(List<String> columns, int k, boolean chosenBySilhouette, double silhouette,
      Map<Integer, Double> silhouetteByK, long fitted, long clusterable, List<Cluster> clusters) {}

  /** Accepted CRM rows with the derived columns; clustering is null when it was skipped or disabled. */
  public record Result(Dataset<Row> customers, Clustering clustering) {}

  /**
   * @param crm accepted CRM rows (one per customer) from {@code CrmValidator}
   */
  public static Result assign(Dataset<Row> crm, Settings settings) {
    Customers config = settings.customers();
    String tier = config.tiers().column();
    boolean deriveTiers = settings.segments().dimensions().contains(tier) && config.tiers().mode() != TierMode.CRM;
    boolean cluster = config.clusters().enabled();
    if (!deriveTiers && !cluster) {
      return new Result(crm, null);
    }
    List<String> columns = config.clusters().columns();
    Column complete = columns.stream().map(c -> column(c).isNotNull()).reduce(lit(true), Column::and);

    // One pass over the CRM: the tier quantiles and the moments that standardize the clustering.
    List<Column> aggregates = new ArrayList<>();
    aggregates.add(count(lit(1)).as("customers"));
    Map<String, Double> quantileAt = new LinkedHashMap<>();
    if (deriveTiers) {
      double bottom = config.tiers().lowBottomShare();
      quantileAt.put(config.spendColumn(), 1 - config.tiers().highValueTopShare());
      quantileAt.put(config.visitsColumn(), bottom);
      quantileAt.put(config.featureUsageColumn(), bottom);
      quantileAt.keySet().removeIf(c -> c == null || !has(crm, c));
      quantileAt.forEach((c, q) -> aggregates.add(
          percentile_approx(column(c), lit(q), lit(PERCENTILE_ACCURACY)).as("q_" + c)));
    }
    if (cluster) {
      aggregates.add(count_if(complete).as("complete"));
      for (String c : columns) {
        aggregates.add(avg(when(complete, column(c))).as("mean_" + c));
        aggregates.add(stddev_samp(when(complete, column(c))).as("sd_" + c));
      }
    }
    Row summary = crm.agg(aggregates.get(0), aggregates.subList(1, aggregates.size()).toArray(Column[]::new))
        .first();

    Dataset<Row> customers = crm;
    if (deriveTiers) {
      customers = customers.withColumn(tier, tierColumn(crm, settings, summary));
    }
    Clustering clustering = null;
    if (cluster) {
      double[] means = new double[columns.size()];
      double[] sds = new double[columns.size()];
      for (int i = 0; i < columns.size(); i++) {
        means[i] = summary.isNullAt(summary.fieldIndex("mean_" + columns.get(i))) ? 0
            : summary.getDouble(summary.fieldIndex("mean_" + columns.get(i)));
        Object sd = summary.get(summary.fieldIndex("sd_" + columns.get(i)));
        sds[i] = sd == null ? 0 : (Double) sd;
      }
      long clusterable = summary.getLong(summary.fieldIndex("complete"));
      int largestK = config.clusters().k() > 0 ? config.clusters().k() : config.clusters().kMax();
      if (clusterable < (long) largestK * settings.minN()) {
        LOG.warn("customer_segments: clustering skipped, customers with every column of {}: {} (needs {} x min-n = {})",
            columns, clusterable, largestK, (long) largestK * settings.minN());
        customers = customers.withColumn(Customers.CLUSTER, lit(null).cast(DataTypes.StringType));
      } else {
        List<Column> features = standardized(columns, means, sds);
        Fit fit = fit(customers, features, complete, clusterable, config.clusters());
        customers = customers.withColumn(Customers.CLUSTER,
            when(complete, SampleKMeans.nearestColumn(features, fit.centres()).cast(DataTypes.StringType)));
        clustering = new Clustering(columns, fit.centres().length, config.clusters().k() == 0,
            fit.silhouette(), fit.silhouetteByK(), fit.sampled(), clusterable,
            profile(customers, columns, means, sds));
        StringBuilder byK = new StringBuilder();
        fit.silhouetteByK().forEach((k, score) -> byK.append(String.format(Locale.ROOT, " k=%d: %.3f", k, score)));
        LOG.info("customer_segments: k = {} ({}), fitted on {} of {} customers; silhouette{}", clustering.k(),
            clustering.chosenBySilhouette() ? "best silhouette" : "configured", fit.sampled(), clusterable, byK);
      }
    }
    return new Result(customers, clustering);
  }

  /**
   * high_value if spend is above its (1 − top share) quantile; else at_risk if visits and feature usage
   * are both ≤ their bottom-share quantiles, or churned; else regular. In mode auto the CRM's own
   * value wins where present. A missing value (or column) never qualifies for a rule.
   */
  private static Column tierColumn(Dataset<Row> crm, Settings settings, Row summary) {
    Customers config = settings.customers();
    Column high = atOrAbove(crm, summary, config.spendColumn(), true);
    Column lowUse = atOrAbove(crm, summary, config.visitsColumn(), false)
        .and(atOrAbove(crm, summary, config.featureUsageColumn(), false));
    Column churned = config.tiers().churnedIsAtRisk() && has(crm, Customers.CHURNED)
        ? col(Customers.CHURNED).equalTo(true) : lit(false);
    Column rule = when(high, HIGH_VALUE).when(lowUse.or(churned), AT_RISK).otherwise(REGULAR);
    String tier = config.tiers().column();
    return config.tiers().mode() == TierMode.AUTO && has(crm, tier) ? coalesce(col(tier), rule) : rule;
  }

  /**
   * column above (or at or below) its quantile, a value of the data: with distinct values each
   * side then holds the configured share. False when the column or its quantile is missing.
   */
  private static Column atOrAbove(Dataset<Row> crm, Row summary, String name, boolean above) {
    if (name == null) {
      return lit(false);
    }
    if (!has(crm, name) || summary.isNullAt(summary.fieldIndex("q_" + name))) {
      LOG.warn("customer_segments: no values of '{}' in the CRM; its tier rule never applies", name);
      return lit(false);
    }
    double threshold = summary.getDouble(summary.fieldIndex("q_" + name));
    return above ? column(name).gt(threshold) : column(name).leq(threshold);
  }

  /** z-scores; a constant column (sd 0) contributes 0, a missing value 0 (such rows are not assigned). */
  private static List<Column> standardized(List<String> columns, double[] means, double[] sds) {
    List<Column> z = new ArrayList<>();
    for (int i = 0; i < columns.size(); i++) {
      z.add(sds[i] > 0 ? coalesce(column(columns.get(i)).minus(means[i]).divide(sds[i]), lit(0.0)) : lit(0.0));
    }
    return z;
  }

  private record Fit(double[][] centres, double silhouette, Map<Integer, Double> silhouetteByK, long sampled) {}

  /**
   * Fits on about sample-size customers chosen by a hash of (seed, customer id), collected to the
   * driver (sample-size × columns doubles) in the order of (hash, customer id), so the same
   * customers give the same model whatever the input's partitioning.
   */
  private static Fit fit(Dataset<Row> customers, List<Column> features, Column complete, long clusterable,
      Customers.Clusters config) {
    double fraction = Math.min(1.0, (double) config.sampleSize() / clusterable);
    Column hash = xxhash64(lit(config.seed()), col("customer_id"));
    List<Row> rows = new ArrayList<>(customers
        .filter(complete.and(pmod(hash, lit(1_000_000_000L)).lt(fraction * 1e9)))
        .select(hash.as(HASH), col("customer_id"), array(features.toArray(Column[]::new)))
        .collectAsList()); // about sample-size rows, whatever the CRM's size
    rows.sort(Comparator.<Row>comparingLong(r -> r.getLong(0)).thenComparing(r -> r.getString(1)));
    double[][] points = new double[rows.size()][];
    for (int p = 0; p < points.length; p++) {
      List<Double> values = rows.get(p).getList(2);
      points[p] = values.stream().mapToDouble(Double::doubleValue).toArray();
    }
    List<Integer> ks = new ArrayList<>();
    if (config.k() > 0) {
      ks.add(config.k());
    } else {
      for (int k = config.kMin(); k <= config.kMax(); k++) {
        ks.add(k);
      }
    }
    Map<Integer, Double> byK = new LinkedHashMap<>();
    double[][] best = null;
    double bestScore = Double.NEGATIVE_INFINITY;
    for (int k : ks) {
      double[][] centres = SampleKMeans.fit(points, k, config.maxIterations(), config.seed());
      // fewer distinct points than k give fewer centres; one centre has no silhouette
      double score = centres.length < 2 ? Double.NaN : SampleKMeans.silhouette(points, centres);
      byK.put(k, score);
      if (best == null || score > bestScore) { // ties keep the smaller k
        best = centres;
        bestScore = score;
      }
    }
    return new Fit(best, bestScore, byK, points.length);
  }

  /** Size and centroid (mean in original units) of every cluster over all assigned customers. */
  private static List<Cluster> profile(Dataset<Row> customers, List<String> columns, double[] means, double[] sds) {
    List<Column> aggregates = new ArrayList<>();
    columns.forEach(c -> aggregates.add(avg(column(c))));
    List<Cluster> clusters = new ArrayList<>();
    for (Row r : customers.filter(col(Customers.CLUSTER).isNotNull()).groupBy(Customers.CLUSTER)
        .agg(count(lit(1)), aggregates.toArray(Column[]::new)).collectAsList()) { // k rows
      double[] centroid = new double[columns.size()];
      double[] z = new double[columns.size()];
      for (int i = 0; i < columns.size(); i++) {
        centroid[i] = r.getDouble(2 + i);
        z[i] = sds[i] > 0 ? (centroid[i] - means[i]) / sds[i] : 0;
      }
      clusters.add(new Cluster(r.getString(0), r.getLong(1), centroid, z, label(columns, z)));
    }
    clusters.sort(Comparator.comparing(c -> Integer.parseInt(c.id())));
    return clusters;
  }

  /**
   * The features furthest from the average, strongest first: up to {@value #LABEL_FEATURES} with
   * |z| ≥ {@value #LABEL_MIN_Z}, e.g. "high annual_spend, low visit_frequency"; else "average".
   */
  static String label(List<String> columns, double[] z) {
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < z.length; i++) {
      if (Math.abs(z[i]) >= LABEL_MIN_Z) {
        order.add(i);
      }
    }
    order.sort(Comparator.comparingDouble(i -> -Math.abs(z[i])));
    List<String> parts = new ArrayList<>();
    for (int i : order.subList(0, Math.min(LABEL_FEATURES, order.size()))) {
      parts.add((z[i] > 0 ? "high " : "low ") + columns.get(i));
    }
    return parts.isEmpty() ? "average" : String.join(", ", parts);
  }

  private static Column column(String name) {
    return col(Identifiers.quote(name));
  }

  private static boolean has(Dataset<Row> frame, String column) {
    return List.of(frame.columns()).contains(column);
  }
}
