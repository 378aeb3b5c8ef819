package io.satlake.drivers;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.xxhash64;

import io.satlake.config.Identifiers;
import java.util.HashMap;
import java.util.Map;
import org.apache.spark.sql.Column;

/**
 * Poisson bootstrap of the moment sums over random groups, done on the driver from the sums of
 * {@link MomentMatrix#aggregate}: no pass over the responses of its own.
 *
 * <p>Each complete case falls in one of {@link #GROUPS} groups, g = pmod(xxhash64(response_id,
 * seed), G). Rows are independent draws and the hash does not look at their values, so the G
 * group totals S_g of a sample are independent and identically distributed (exchangeable; exactly
 * independent if the number of responses is itself Poisson). In replicate b group g weighs
 * w(g, b) ~ Poisson(1) and the replicate's sums are Σ_g w(g, b)·S_g; each replicate is then
 * finished like the estimate. This is the random-groups variance estimator (Wolter, Introduction
 * to Variance Estimation, ch. 2) with the groups resampled by the Poisson bootstrap (for large G
 * the multinomial resampling of the classic bootstrap, without needing G up front): equivalently,
 * a row-level Poisson bootstrap in which the rows of a group share their weight. It is as valid
 * as the row bootstrap and costs G × B sums per segment and pattern on the driver instead of
 * B weighted sums per row; its cost does not grow with the number of responses.
 *
 * <p>The price is precision: the bootstrap variance rests on G totals instead of n rows. With
 * far more complete cases than G in a segment, its relative standard deviation is about
 * √(2/G), that of the standard error (the interval's width) about 1/√(2G): 3% at G = 512, below
 * the Monte-Carlo noise of 200 replicates (about 1/√(2B) = 5%). Features of the replicate
 * distribution finer than G totals can show (the skewness of a small sample) are smoothed. With
 * fewer complete cases than G in a segment each group holds about one row, and this approaches
 * the row bootstrap.
 *
 * <p>The weight is a pure function of (seed, g, b): SplitMix64's output g for the seed, advanced
 * b + 1 steps and finalised, inverted through the Poisson(1) CDF. With the group a hash of the
 * response_id, a rerun reproduces the replicates exactly whatever the partitioning (up to the
 * order in which Spark adds doubles).
 */
final class PoissonBootstrap {
  /**
   * G. Larger buys little (the noise falls as 1/√G) at a linear cost: the aggregation's result
   * has up to (level value combinations) × patterns × G rows, and each replicate adds G vectors.
   */
  static final int GROUPS = 512;
  private static final long GOLDEN = 0x9E3779B97F4A7C15L; // SplitMix64's increment
  /** P(K ≤ k) for K ~ Poisson(1), k = 0..; the tail beyond the table is below 1e-16. */
  private static final double[] POISSON_CDF = poissonCdf();

  private final int replicates;
  /** weights[g][b] = w(g, b). */
  private final int[][] weights;

  PoissonBootstrap(int replicates, long seed) {
    this.replicates = replicates;
    this.weights = new int[GROUPS][replicates];
    for (int g = 0; g < GROUPS; g++) {
      long hash = mix(seed + (g + 1L) * GOLDEN);
      for (int b = 0; b < replicates; b++) {
        weights[g][b] = weight(hash, b);
      }
    }
  }

  /** The group of each response, in [0, GROUPS). */
  static Column group(String idColumn, long seed) {
    return pmod(xxhash64(col(Identifiers.quote(idColumn)), lit(seed)), lit(GROUPS));
  }

  /**
   * One segment's replicate sums per pattern, all replicates' packed vectors side by side (as
   * {@link MomentMatrix#targetSums} reads them), from its sums per pattern and group.
   */
  Map<Integer, double[]> replicateSums(Map<Integer, double[][]> byGroup) {
    Map<Integer, double[]> result = new HashMap<>();
    byGroup.forEach((pattern, groups) -> {
      double[] acc = null;
      for (int g = 0; g < groups.length; g++) {
        double[] sums = groups[g];
        if (sums == null) {
          continue;
        }
        if (acc == null) {
          acc = new double[replicates * sums.length];
        }
        for (int b = 0; b < replicates; b++) {
          int w = weights[g][b];
          if (w != 0) { // 37% are
            MomentMatrix.addTo(acc, b * sums.length, sums, w);
          }
        }
      }
      if (acc != null) {
        result.put(pattern, acc);
      }
    });
    return result;
  }

  /** Weight of replicate b for a hash: a Poisson(1) count, deterministic in (hash, b). */
  static int weight(long hash, int replicate) {
    double u = (mix(hash + (replicate + 1L) * GOLDEN) >>> 11) * 0x1.0p-53;
    int k = 0;
    while (k < POISSON_CDF.length - 1 && u >= POISSON_CDF[k]) {
      k++;
    }
    return k;
  }

  /** SplitMix64's finaliser. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  private static double[] poissonCdf() {
    double[] cdf = new double[20];
    double term = Math.exp(-1);
    double total = 0;
    for (int k = 0; k < cdf.length; k++) {
      total += term;
      cdf[k] = total;
      term /= k + 1;
    }
    cdf[cdf.length - 1] = 1.0;
    return cdf;
  }
}
