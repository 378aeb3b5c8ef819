package io.satlake.drivers;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.xxhash64;

import io.satlake.config.Identifiers;
import io.satlake.drivers.MomentMatrix.Segment;
import io.satlake.metrics.Stats;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.math3.linear.CholeskyDecomposition;
import org.apache.commons.math3.linear.MatrixUtils;
import org.apache.commons.math3.linear.NonPositiveDefiniteMatrixException;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Promoter-vs-detractor model: logistic regression of P(promoter) on the drivers, passives
 * excluded, no regularisation, overall and per segment of the importance levels.
 *
 * <p>Coefficients are per standard deviation of the driver: each segment's rows are fitted on
 * their drivers standardized by the mean and sample standard deviation in those rows, which
 * gives the same likelihood maximum as the raw drivers' coefficients times their SDs.
 *
 * <p>The fit is Newton-Raphson (iteratively reweighted least squares) on the driver, over a
 * deterministic hash sample of at most about {@code maxRows} responses collected once: a few
 * drivers and a bounded sample take milliseconds per segment, where MLlib's optimiser ran one
 * Spark job per iteration over a cached sample. A rerun fits the same rows.
 */
final class PromoterModel {
  private static final long HASH_BUCKETS = 1_000_000;
  /** Newton steps before a fit counts as not converged (a finite maximum takes a handful). */
  private static final int MAX_ITERATIONS = 100;
  /** Converged when no coefficient moves more than this (per SD of its driver) in a step. */
  private static final double TOLERANCE = 1e-10;

  private PromoterModel() {}

  /**
   * Per-SD coefficients of one segment's fit, or null coefficients when not fitted; degenerate:
   * below min-n, one class only or a constant driver (not fitted by design, no warning).
   */
  record Fit(long n, double[] coefficients, boolean degenerate) {}

  /**
   * @param eligible the complete-case condition of the importance samples (drivers checked here)
   * @param npsCases responses with an nps in the overall sample (an upper bound of the eligible
   *     rows, which sets the sampling fraction)
   * @param warnings gets one line per segment whose fit did not converge
   */
  static Map<Segment, Fit> fit(Dataset<Row> facts, Column eligible, List<String> drivers,
      java.util.Collection<Segment> segments, String idColumn, long npsCases, int maxRows, long seed, int minN,
      List<String> warnings) {
    List<String> levels = segments.stream().map(Segment::level).filter(l -> !MomentMatrix.OVERALL.equals(l))
        .distinct().toList();
    Column nps = col("nps");
    Column rows = eligible.and(nps.isNotNull()).and(nps.leq(6).or(nps.geq(9)));
    List<Column> columns = new ArrayList<>();
    for (String level : levels) {
      columns.add(col(Identifiers.quote(level)));
    }
    columns.add(nps.geq(9));
    for (int i = 0; i < drivers.size(); i++) {
      Column driver = col(Identifiers.quote(drivers.get(i)));
      rows = rows.and(driver.isNotNull());
      columns.add(driver.cast("double").as("x" + i));
    }
    if (npsCases > maxRows) {
      long keep = Math.round((double) maxRows / npsCases * HASH_BUCKETS);
      rows = rows.and(pmod(xxhash64(col(Identifiers.quote(idColumn)), lit(seed + 1)), lit(HASH_BUCKETS)).lt(keep));
    }
    // a sample of at most about maxRows rows, whatever the number of responses
    List<Row> sample = facts.filter(rows).select(columns.toArray(Column[]::new)).collectAsList();
    int p = drivers.size();
    double[][] x = new double[sample.size()][p];
    boolean[] promoter = new boolean[sample.size()];
    for (int i = 0; i < x.length; i++) {
      Row r = sample.get(i);
      promoter[i] = r.getBoolean(levels.size());
      for (int j = 0; j < p; j++) {
        x[i][j] = r.getDouble(levels.size() + 1 + j);
      }
    }
    Map<Segment, Fit> fits = new LinkedHashMap<>();
    for (Segment segment : segments) {
      int level = levels.indexOf(segment.level()); // -1: overall, every row
      List<Integer> members = new ArrayList<>();
      for (int i = 0; i < x.length; i++) {
        if (level < 0 || segment.value() != null && segment.value().equals(sample.get(i).get(level))) {
          members.add(i);
        }
      }
      Fit fit = fitOne(x, promoter, members, minN);
      if (fit.coefficients() == null && !fit.degenerate()) {
        warnings.add(String.format(Locale.ROOT, "driver_importance: segment %s (n=%d): the promoter-vs-detractor"
            + " model did not converge (a driver, or a combination of drivers, may separate promoters from"
            + " detractors); no odds ratios", DriverImportance.label(segment), fit.n()));
      }
      fits.put(segment, fit);
    }
    return fits;
  }

  /** Newton-Raphson on the member rows' drivers, standardized by their mean and sample SD. */
  private static Fit fitOne(double[][] x, boolean[] promoter, List<Integer> members, int minN) {
    int n = members.size();
    int p = x.length == 0 ? 0 : x[0].length;
    long promoters = members.stream().filter(i -> promoter[i]).count();
    double[] mean = new double[p];
    double[] sd = new double[p];
    boolean constant = false;
    for (int j = 0; j < p; j++) {
      for (int i : members) {
        mean[j] += x[i][j] / n;
      }
      double squares = 0;
      for (int i : members) {
        squares += (x[i][j] - mean[j]) * (x[i][j] - mean[j]);
      }
      sd[j] = n > 1 ? Math.sqrt(squares / (n - 1)) : 0;
      constant |= !(sd[j] > 0);
    }
    if (n < minN || promoters == 0 || promoters == n || constant) {
      return new Fit(n, null, true);
    }
    // design matrix: intercept, then the standardized drivers
    double[][] z = new double[n][p + 1];
    double[] y = new double[n];
    for (int k = 0; k < n; k++) {
      int i = members.get(k);
      z[k][0] = 1;
      for (int j = 0; j < p; j++) {
        z[k][j + 1] = (x[i][j] - mean[j]) / sd[j];
      }
      y[k] = promoter[i] ? 1 : 0;
    }
    double[] beta = new double[p + 1];
    double logLikelihood = logLikelihood(z, y, beta);
    for (int iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
      double[] gradient = new double[p + 1];
      double[][] information = new double[p + 1][p + 1];
      for (int k = 0; k < n; k++) {
        double mu = 1 / (1 + Math.exp(-Stats.dot(z[k], beta)));
        double w = mu * (1 - mu);
        for (int a = 0; a <= p; a++) {
          gradient[a] += (y[k] - mu) * z[k][a];
          for (int b = 0; b <= a; b++) {
            information[a][b] += w * z[k][a] * z[k][b];
          }
        }
      }
      for (int a = 0; a <= p; a++) {
        for (int b = 0; b < a; b++) {
          information[b][a] = information[a][b];
        }
      }
      double[] step;
      try {
        step = new CholeskyDecomposition(MatrixUtils.createRealMatrix(information)).getSolver()
            .solve(MatrixUtils.createRealVector(gradient)).toArray();
      } catch (NonPositiveDefiniteMatrixException e) {
        return new Fit(n, null, false); // the fitted probabilities have reached 0 or 1: separation
      }
      // Step halving keeps the likelihood from falling where the quadratic model overshoots.
      double[] next = new double[p + 1];
      double nextLikelihood = Double.NEGATIVE_INFINITY;
      for (double scale = 1; scale > 1e-6; scale /= 2) {
        for (int a = 0; a <= p; a++) {
          next[a] = beta[a] + scale * step[a];
        }
        nextLikelihood = logLikelihood(z, y, next);
        if (nextLikelihood >= logLikelihood) {
          break;
        }
      }
      double largest = 0;
      for (int a = 0; a <= p; a++) {
        largest = Math.max(largest, Math.abs(next[a] - beta[a]));
      }
      beta = next;
      logLikelihood = nextLikelihood;
      if (largest < TOLERANCE) {
        return new Fit(n, Arrays.copyOfRange(beta, 1, p + 1), false);
      }
    }
    return new Fit(n, null, false);
  }

  private static double logLikelihood(double[][] z, double[] y, double[] beta) {
    double sum = 0;
    for (int k = 0; k < z.length; k++) {
      double eta = Stats.dot(z[k], beta);
      // log(1 + e^eta) without overflow
      double softplus = eta > 0 ? eta + Math.log1p(Math.exp(-eta)) : Math.log1p(Math.exp(eta));
      sum += y[k] * eta - softplus;
    }
    return sum;
  }
}
