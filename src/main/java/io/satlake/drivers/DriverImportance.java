package io.satlake.drivers;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.satlake.config.Settings;
import io.satlake.drivers.MomentMatrix.Moments;
import io.satlake.drivers.MomentMatrix.Segment;
import io.satlake.enrich.CrmEnricher;
import io.satlake.io.OutputTables;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * driver_importance: for each target and segment (overall and each importance level's values),
 * the relative importance of the drivers from their correlation matrix ({@link RelativeImportance}),
 * a Poisson-bootstrap interval of each importance share, and the promoter-vs-detractor model.
 *
 * <p>Samples are complete cases as in driver_correlations: CRM-matched responses with the target
 * and every driver present. Passes over the facts: one aggregation of the moment sums of every
 * sample per random group ({@link MomentMatrix}), from which the bootstrap replicates are summed
 * on the driver ({@link PoissonBootstrap}), and the logistic regression's iterations over its
 * capped, cached sample. Everything else is finished on the driver from those sums.
 */
public final class DriverImportance {
  private DriverImportance() {}

  /** The numbers of one target in one segment; the table and the priority matrix read them. */
  public record Estimate(Segment segment, String target, long n, boolean suppressed, double[] driverMeans,
      RelativeImportance.Fit fit, double[] correlation, double[] low, double[] high, int replicates,
      PromoterModel.Fit logit) {

    /** The importance shares, or null when not computed (suppressed or undefined). */
    public double[] importance() {
      return fit == null ? null : fit.importance();
    }
  }

  /**
   * @param driverRange each driver's overall observed [min, max] (row 0 = mins, row 1 = maxes)
   */
  public record Result(Dataset<Row> table, List<Estimate> estimates, double[][] driverRange, List<String> warnings) {}

  public static Result compute(Dataset<Row> facts, Settings settings, LocalDate runDate, String runId) {
    List<String> drivers = settings.driverColumns();
    List<String> targets = settings.importanceTargets();
    Settings.Importance config = settings.importance();
    MomentMatrix moments = new MomentMatrix(targets, drivers, config.levels());
    Column eligible = col(CrmEnricher.MATCHED);
    List<String> warnings = new ArrayList<>();
    if (drivers.isEmpty()) {
      return new Result(facts.sparkSession().createDataFrame(List.of(), OutputTables.driverImportance(settings).schema()),
          List.of(), new double[2][0], warnings);
    }
    // Without intervals one group holds every row: the aggregation then has no group dimension.
    PoissonBootstrap bootstrap = config.bootstrapReplicates() == 0 ? null
        : new PoissonBootstrap(config.bootstrapReplicates(), config.seed());
    MomentMatrix.Sums sums = bootstrap == null ? moments.aggregate(facts, eligible, lit(0), 1)
        : moments.aggregate(facts, eligible, PoissonBootstrap.group("response_id", config.seed()),
            PoissonBootstrap.GROUPS);
    Segment overall = new Segment(MomentMatrix.OVERALL, "");
    long npsCases = sums.byPattern().containsKey(overall)
        ? (long) moments.targetSums(sums.byPattern().get(overall), targets.indexOf("nps"), 0)[0] : 0;
    Map<Segment, PromoterModel.Fit> logits = npsCases == 0 ? Map.of()
        : PromoterModel.fit(facts, eligible, drivers, sums.byPattern().keySet(), "response_id", npsCases,
            config.logisticMaxRows(), config.seed(), settings.minN(), warnings);

    List<Segment> segments = new ArrayList<>(sums.byPattern().keySet());
    List<String> levelOrder = new ArrayList<>(List.of(MomentMatrix.OVERALL));
    levelOrder.addAll(config.levels());
    segments.sort(Comparator.<Segment>comparingInt(s -> levelOrder.indexOf(s.level()))
        .thenComparing(Segment::value, Comparator.nullsFirst(Comparator.naturalOrder())));
    List<Estimate> estimates = new ArrayList<>();
    for (Segment segment : segments) {
      // One segment's replicates at a time: B packed vectors per pattern.
      Map<Integer, double[]> replicateSums = bootstrap == null ? null
          : bootstrap.replicateSums(sums.byGroup().get(segment));
      for (int t = 0; t < targets.size(); t++) {
        double[] targetSums = moments.targetSums(sums.byPattern().get(segment), t, 0);
        if (targetSums[0] == 0) {
          continue;
        }
        estimates.add(estimate(moments, segment, t, targetSums, replicateSums,
            config.bootstrapReplicates(), "nps".equals(targets.get(t)) ? logits.get(segment) : null, settings,
            warnings));
      }
    }
    List<Row> rows = new ArrayList<>();
    for (Estimate e : estimates) {
      rows.addAll(rows(e, drivers, settings, runDate, runId));
    }
    double[][] range = sums.driverRange().getOrDefault(overall, new double[2][drivers.size()]);
    return new Result(facts.sparkSession().createDataFrame(rows, OutputTables.driverImportance(settings).schema()),
        estimates, range, warnings);
  }

  private static Estimate estimate(MomentMatrix moments, Segment segment, int t, double[] targetSums,
      Map<Integer, double[]> replicates, int replicateCount, PromoterModel.Fit logit, Settings settings,
      List<String> warnings) {
    String target = moments.targets().get(t);
    Moments m = moments.moments(targetSums, t);
    long n = Math.round(m.n());
    double[] means = Arrays.copyOfRange(m.mean(), 1, m.mean().length);
    String where = "target " + target + ", segment " + label(segment) + " (n=" + n + ")";
    if (n < settings.minN()) {
      return new Estimate(segment, target, n, true, means, null, null, null, null, 0, logit);
    }
    if (m.hasConstant()) {
      warnings.add("driver_importance: " + where + ": the target or a driver does not vary; no importances");
      return new Estimate(segment, target, n, false, means, null, null, null, null, 0, logit);
    }
    double[][] correlation = m.correlation();
    RelativeImportance.Fit fit = RelativeImportance.fit(correlation);
    if (fit.conditionNumber() > settings.importance().conditionNumberWarning()) {
      warnings.add(String.format(Locale.ROOT, "driver_importance: %s: condition number %.1f of the driver"
          + " correlations is above %s; importances of collinear drivers are unstable", where,
          fit.conditionNumber(), settings.importance().conditionNumberWarning()));
    }
    double[] r = new double[correlation.length - 1];
    for (int j = 0; j < r.length; j++) {
      r[j] = correlation[j + 1][0];
    }
    double[] low = null;
    double[] high = null;
    int valid = 0;
    if (replicates != null && fit.importance() != null && !Double.isNaN(fit.importance()[0])) {
      int p = r.length;
      double[][] shares = new double[p][replicateCount];
      for (int b = 0; b < replicateCount; b++) {
        Moments mb = moments.moments(moments.targetSums(replicates, t, b * moments.packedSize()), t);
        double[] sb = mb.n() < 2 || mb.hasConstant() ? null : RelativeImportance.importance(mb.correlation());
        if (sb != null) {
          for (int j = 0; j < p; j++) {
            shares[j][valid] = sb[j];
          }
          valid++;
        }
      }
      if (valid > 0) {
        low = new double[p];
        high = new double[p];
        for (int j = 0; j < p; j++) {
          double[] sorted = Arrays.copyOf(shares[j], valid);
          Arrays.sort(sorted);
          low[j] = quantile(sorted, 0.025);
          high[j] = quantile(sorted, 0.975);
        }
      }
    }
    return new Estimate(segment, target, n, false, means, fit, r, low, high, valid, logit);
  }

  /** Quantile of sorted values, linear between order statistics (type 7, R's default). */
  static double quantile(double[] sorted, double probability) {
    double h = (sorted.length - 1) * probability;
    int below = (int) Math.floor(h);
    int above = Math.min(below + 1, sorted.length - 1);
    return sorted[below] + (h - below) * (sorted[above] - sorted[below]);
  }

  static String label(Segment segment) {
    return MomentMatrix.OVERALL.equals(segment.level()) ? MomentMatrix.OVERALL
        : segment.level() + "=" + segment.value();
  }

  private static List<Row> rows(Estimate e, List<String> drivers, Settings settings, LocalDate runDate,
      String runId) {
    double[] importance = e.importance();
    int[] rank = importance == null ? null : ranks(importance);
    RelativeImportance.Fit fit = e.fit();
    List<Row> rows = new ArrayList<>();
    for (int j = 0; j < drivers.size(); j++) {
      List<Object> v = new ArrayList<>(segmentValues(e.segment(), settings.importance().levels(), runDate, runId));
      v.add(e.target());
      v.add(drivers.get(j));
      v.add(RelativeImportance.method(drivers.size()));
      v.add(e.n());
      v.add(e.suppressed());
      v.add(fit == null ? null : finite(fit.r2()));
      v.add(fit == null ? null : finite(fit.conditionNumber()));
      v.add(e.correlation() == null ? null : e.correlation()[j]);
      v.add(at(fit == null ? null : fit.beta(), j));
      v.add(at(fit == null ? null : fit.shapley(), j));
      v.add(at(importance, j));
      v.add(at(e.low(), j));
      v.add(at(e.high(), j));
      v.add(e.suppressed() ? null : e.replicates());
      v.add(rank == null ? null : rank[j]);
      v.add(at(fit == null ? null : fit.relativeWeights(), j));
      v.add(at(fit == null ? null : fit.relativeWeightShares(), j));
      PromoterModel.Fit logit = e.logit();
      v.add(logit == null ? null : logit.n());
      Double coefficient = logit == null || e.suppressed() ? null : at(logit.coefficients(), j);
      v.add(coefficient);
      v.add(coefficient == null ? null : Math.exp(coefficient));
      rows.add(RowFactory.create(v.toArray()));
    }
    return rows;
  }

  /** run_date, run_id, segment_key and one column per level (the segment's value in its own). */
  static List<Object> segmentValues(Segment segment, List<String> levels, LocalDate runDate, String runId) {
    List<Object> v = new ArrayList<>();
    v.add(Date.valueOf(runDate));
    v.add(runId);
    v.add(segment.level());
    for (String level : levels) {
      v.add(level.equals(segment.level()) ? segment.value() : null);
    }
    return v;
  }

  /** 1 = largest; NaN (undefined) ranks last. */
  private static int[] ranks(double[] values) {
    Integer[] order = new Integer[values.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingDouble((Integer i) -> Double.isNaN(values[i]) ? Double.NEGATIVE_INFINITY
        : values[i]).reversed());
    int[] rank = new int[values.length];
    for (int k = 0; k < order.length; k++) {
      rank[order[k]] = k + 1;
    }
    return rank;
  }

  private static Double at(double[] values, int j) {
    return values == null ? null : finite(values[j]);
  }

  private static Double finite(double value) {
    return Double.isFinite(value) ? value : null;
  }
}
