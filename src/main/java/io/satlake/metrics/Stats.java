package io.satlake.metrics;

import org.apache.commons.math3.distribution.TDistribution;
import org.apache.commons.math3.special.Beta;
import org.apache.commons.math3.special.Erf;

/**
 * The statistics of DESIGN.md section 5, finished from aggregated counts and sums.
 *
 * <p>Pure Java so that every formula can be checked on paper without a SparkSession; the Spark
 * side only produces the counts and sums these methods take.
 */
public final class Stats {

  /** Two-sided 95% normal quantile, exact to double precision (1.96 would be off by 4e-5). */
  public static final double Z95 = 1.959963984540054;

  /** From this many degrees of freedom the Cornish-Fisher series beats commons-math's solver. */
  private static final long SERIES_MIN_DF = 1000;

  /**
   * Relative rounding, per summed row, of a figure formed from a few one-pass sums. A sum of n
   * doubles, in any order, is off by at most (n − 1)·u·Σ|x| (u = 2⁻⁵³, half an ulp of 1), so
   * Σx² − (Σx)²/n is off by at most about 3n·u·Σx² (as (Σ|x|)²/n ≤ Σx²), and Kish's
   * (Σw)²/Σw² by about 3n·u of itself: 4u per row bounds both. Weighted, Σw·x² − (Σw·x)²/Σw is
   * off by up to (4n + 2)·u·Σw·x² (w ≥ 0): w·x·x rounds twice and w·x once, Σw adds its own
   * (n − 1)·u, and (Σw·|x|)²/Σw ≤ Σw·x²; 4u per row over n + 1 rows bounds that.
   */
  private static final double ROUNDING_PER_ROW = 2 * Math.ulp(1.0);

  private Stats() {}

  /**
   * Net Promoter Score with its Wald and adjusted-Wald 95% intervals; every figure is on the
   * -100..100 (NPS) or 0..100 (shares) scale. Bounds are not clipped, so a bound past ±100
   * shows that the interval is unreliable rather than hiding it.
   */
  public record NpsEstimate(
      long n,
      long promoters,
      long passives,
      long detractors,
      double nps,
      double promoterPct,
      double passivePct,
      double detractorPct,
      double se,
      double margin,
      double low,
      double high,
      double adjustedLow,
      double adjustedHigh) {}

  /** A share of successes with its Wilson 95% interval, all on 0..100. */
  public record Proportion(long n, long successes, double pct, double low, double high) {}

  /** A sample mean with sample standard deviation and t-based 95% interval. */
  public record Mean(long n, double mean, double sd, double se, double low, double high) {}

  /** Pearson (or Spearman) r with two-sided p-value and Fisher-z 95% interval. */
  public record Correlation(long n, double r, double pValue, double low, double high) {}

  /**
   * NPS from the counts of responses carrying an nps score.
   *
   * @throws IllegalArgumentException when n is not positive or the counts do not fit in n
   */
  public static NpsEstimate nps(long n, long promoters, long detractors) {
    if (n <= 0 || promoters < 0 || detractors < 0 || promoters + detractors > n) {
      throw new IllegalArgumentException(
          "NPS needs 0 <= promoters + detractors <= n, n > 0; got n=" + n
              + ", promoters=" + promoters + ", detractors=" + detractors);
    }
    long passives = n - promoters - detractors;
    double nps = npsPoint(n, promoters, detractors);
    double se = npsStandardError(n, promoters, detractors);
    double margin = Z95 * se;
    // Adjusted Wald: three pseudo-responses, 3/4 promoter, 3/4 detractor, 3/2 passive.
    double adjustedN = n + 3.0;
    double adjustedPromoters = promoters + 0.75;
    double adjustedDetractors = detractors + 0.75;
    double adjustedNps = npsPoint(adjustedN, adjustedPromoters, adjustedDetractors);
    double adjustedMargin =
        Z95 * npsStandardError(adjustedN, adjustedPromoters, adjustedDetractors);
    return new NpsEstimate(
        n,
        promoters,
        passives,
        detractors,
        nps,
        100.0 * promoters / n,
        100.0 * passives / n,
        100.0 * detractors / n,
        se,
        margin,
        nps - margin,
        nps + margin,
        adjustedNps - adjustedMargin,
        adjustedNps + adjustedMargin);
  }

  private static double npsPoint(double n, double promoters, double detractors) {
    return 100.0 * (promoters - detractors) / n;
  }

  /** 100·√((p + d − (p − d)²)/n): the variance of a +1/0/−1 score. */
  private static double npsStandardError(double n, double promoters, double detractors) {
    double p = promoters / n;
    double d = detractors / n;
    double variance = p + d - (p - d) * (p - d);
    return 100.0 * Math.sqrt(Math.max(0.0, variance) / n);
  }

  /**
   * Share of successes with the Wilson score 95% interval, which unlike the Wald interval stays
   * inside 0..100 and keeps its coverage near 0% and 100%. The bounds are clamped to 0..100 only
   * to remove last-bit rounding at 0 or n successes.
   *
   * @throws IllegalArgumentException when n is not positive or successes is outside 0..n
   */
  public static Proportion wilson(long successes, long n) {
    if (n <= 0 || successes < 0 || successes > n) {
      throw new IllegalArgumentException(
          "Wilson interval needs 0 <= successes <= n, n > 0; got successes=" + successes
              + ", n=" + n);
    }
    double share = (double) successes / n;
    double[] bounds = wilsonBounds(share, n);
    return new Proportion(n, successes, 100.0 * share, bounds[0], bounds[1]);
  }

  /** Wilson 95% bounds in percent for a share over n (n may be an effective, non-integer n). */
  private static double[] wilsonBounds(double share, double n) {
    double zSquared = Z95 * Z95;
    double shrink = 1.0 + zSquared / n;
    double centre = (share + zSquared / (2.0 * n)) / shrink;
    double halfWidth =
        Z95 / shrink * Math.sqrt(share * (1.0 - share) / n + zSquared / (4.0 * n * n));
    return new double[] {
      Math.max(0.0, 100.0 * (centre - halfWidth)), Math.min(100.0, 100.0 * (centre + halfWidth))
    };
  }

  /**
   * A weighted figure with the Kish effective n it rests on and its 95% interval. With an
   * effective n too small for a spread (see each method) the bounds are NaN.
   */
  public record WeightedEstimate(double value, double nEffective, double low, double high) {}

  /** Kish's effective sample size (Σw)²/Σw²: n when all weights are equal, less otherwise. */
  public static double kishEffectiveN(double sumWeights, double sumSquaredWeights) {
    return sumWeights * sumWeights / sumSquaredWeights;
  }

  /**
   * Weighted NPS from sums over the responses with an nps, where s = +1 for a promoter, 0 for a
   * passive and −1 for a detractor: Σw·s = W_p − W_d and Σw·s² = W_p + W_d. With the weighted
   * shares p = W_p/Σw, d = W_d/Σw: nps = 100·(p − d), se = 100·√((p + d − (p − d)²)/n_eff), and
   * the Wald interval nps ± z·se (the unweighted formulas with n_eff for n).
   */
  public static WeightedEstimate weightedNps(double sumW, double sumSquaredW, double sumWS, double sumWSquaredS) {
    double nEffective = kishEffectiveN(sumW, sumSquaredW);
    double mean = sumWS / sumW;
    double variance = Math.max(0.0, sumWSquaredS / sumW - mean * mean);
    double margin = Z95 * 100.0 * Math.sqrt(variance / nEffective);
    return new WeightedEstimate(100.0 * mean, nEffective, 100.0 * mean - margin, 100.0 * mean + margin);
  }

  /**
   * Weighted share of successes (0..100) with the Wilson 95% interval at the Kish effective n.
   */
  public static WeightedEstimate weightedShare(double sumW, double sumSquaredW, double sumWSuccesses) {
    double nEffective = kishEffectiveN(sumW, sumSquaredW);
    double share = sumWSuccesses / sumW;
    double[] bounds = wilsonBounds(share, nEffective);
    return new WeightedEstimate(100.0 * share, nEffective, bounds[0], bounds[1]);
  }

  /**
   * Weighted mean Σw·x/Σw with a t-based 95% interval: the variance Σw·(x − mean)²/Σw times
   * n_eff/(n_eff − 1) (the unbiased form for reliability weights), se = √(variance/n_eff), and
   * the t quantile at ⌊n_eff⌋ − 1 degrees of freedom. Equal weights give exactly
   * {@link #mean}'s figures; below two effective responses the bounds are NaN. n, the number of
   * responses summed, sets the sums' rounding, within which constant values have no spread.
   */
  public static WeightedEstimate weightedMean(long n, double sumW, double sumSquaredW, double sumWX,
      double sumWSquaredX) {
    double nEffective = kishEffectiveN(sumW, sumSquaredW);
    double mean = sumWX / sumW;
    // Equal weights give n_eff = n only up to the sums' rounding (thirty 0.9s: 29.999999999999975),
    // so a whole number within it counts as reached.
    long df = (long) Math.floor(nEffective * (1 + ROUNDING_PER_ROW * nEffective)) - 1;
    if (df < 1) {
      return new WeightedEstimate(mean, nEffective, Double.NaN, Double.NaN);
    }
    double variance = weightedCentredSumOfSquares(n, sumW, sumWX, sumWSquaredX) / sumW * nEffective
        / (nEffective - 1);
    double margin = tQuantile975(df) * Math.sqrt(variance / nEffective);
    return new WeightedEstimate(mean, nEffective, mean - margin, mean + margin);
  }

  /**
   * Mean with a t-based 95% interval from the count, sum and sum of squares, so that the sums can
   * come from one mergeable aggregation. Constant values have sd exactly 0, even from the double
   * sums of the satisfaction index. With a single value the spread is unknown: sd, se and the
   * bounds are NaN.
   *
   * @throws IllegalArgumentException when n is not positive
   */
  public static Mean mean(long n, double sum, double sumOfSquares) {
    return mean(n, sum, sumOfSquares, 0);
  }

  /**
   * {@link #mean(long, double, double)} of sums that also carry {@code inheritedRounding}
   * (absolute, in the centred sum of squares) from larger sums they were derived from.
   */
  static Mean mean(long n, double sum, double sumOfSquares, double inheritedRounding) {
    if (n <= 0) {
      throw new IllegalArgumentException("mean needs n > 0; got n=" + n);
    }
    double mean = sum / n;
    if (n == 1) {
      return new Mean(n, mean, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }
    double centred = centredSumOfSquares(n, sum, sumOfSquares);
    double variance = (centred <= inheritedRounding ? 0.0 : centred) / (n - 1);
    double sd = Math.sqrt(variance);
    double se = sd / Math.sqrt(n);
    double margin = tQuantile975(n - 1) * se;
    return new Mean(n, mean, sd, se, mean - margin, mean + margin);
  }

  /**
   * Σ(x − x̄)² from a count and one-pass sums, Σx² − (Σx)²/n, and exactly 0 when that is within
   * the sums' rounding ({@link #ROUNDING_PER_ROW}). Constant values that are not exact binary
   * fractions (an index of 83.33, a driver 0.2 away from its shift) leave a residue of either
   * sign; a positive one would pass for spread (a Welch t of millions, a correlation of noise),
   * and a real spread that small could not be told from rounding anyway.
   */
  public static double centredSumOfSquares(long n, double sum, double sumOfSquares) {
    return zeroWithinRounding(sumOfSquares - sum * sum / n, n, sumOfSquares);
  }

  /**
   * Σw·(x − x̄)² = Σw·x² − (Σw·x)²/Σw over n rows, 0 within the sums' rounding as in
   * {@link #centredSumOfSquares}; the weights' extra roundings count as one row more
   * ({@link #ROUNDING_PER_ROW}).
   */
  private static double weightedCentredSumOfSquares(long n, double sumW, double sumWX, double sumWSquaredX) {
    return zeroWithinRounding(sumWSquaredX - sumWX * sumWX / sumW, n + 1, sumWSquaredX);
  }

  /** The centred sum, or exactly 0 when it is within the rounding of sums over that many rows. */
  private static double zeroWithinRounding(double centred, long rows, double sumOfSquares) {
    return centred <= sumsRounding(rows, sumOfSquares) ? 0.0 : centred;
  }

  /** The rounding a centred sum of squares may carry from double sums over that many rows. */
  static double sumsRounding(long rows, double sumOfSquares) {
    return ROUNDING_PER_ROW * rows * sumOfSquares;
  }

  /**
   * The 97.5% quantile of Student's t, i.e. the two-sided 95% critical value. Below 1000 degrees
   * of freedom commons-math's solver is run to full precision (its default tolerance leaves
   * errors near 1e-9); from there on its CDF loses digits (1e-8 at a hundred million df), and
   * the Cornish-Fisher expansion in 1/df to the fourth order is exact to double precision.
   *
   * Fractional df (Welch) are allowed.
   *
   * @throws IllegalArgumentException when df is not positive
   */
  public static double tQuantile975(double df) {
    if (df <= 0) {
      throw new IllegalArgumentException("t quantile needs df > 0; got df=" + df);
    }
    if (df < SERIES_MIN_DF) {
      return new TDistribution(null, df, 1e-15).inverseCumulativeProbability(0.975);
    }
    double z = Z95;
    double z2 = z * z;
    double g1 = (z2 + 1) * z / 4;
    double g2 = ((5 * z2 + 16) * z2 + 3) * z / 96;
    double g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384;
    double g4 = ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z / 92160;
    double v = df;
    return z + (g1 + (g2 + (g3 + g4 / v) / v) / v) / v;
  }

  /**
   * Two-sided p-value and Fisher-z 95% interval of a correlation over n pairs. The p-value is
   * that of t = r·√((n − 2)/(1 − r²)) with n − 2 df, computed as the regularized incomplete beta
   * I_{1−r²}((n − 2)/2, 1/2), which equals 2·P(T > |t|) without forming an infinite t at |r| = 1
   * (relative accuracy about 1e-14 up to ten thousand pairs, 4e-10 at a million, 4e-8 at 1e8).
   * p is NaN for n ≤ 2 and the bounds are NaN for n ≤ 3, where the formulas have no degrees of
   * freedom left; a NaN r gives NaN everywhere.
   *
   * @throws IllegalArgumentException when |r| > 1
   */
  public static Correlation correlation(double r, long n) {
    if (Math.abs(r) > 1.0) {
      throw new IllegalArgumentException("correlation must be within [-1, 1]; got " + r);
    }
    if (Double.isNaN(r)) {
      return new Correlation(n, r, Double.NaN, Double.NaN, Double.NaN);
    }
    double pValue = Double.NaN;
    if (n > 2) {
      // (1 − r)(1 + r) keeps the digits that 1 − r·r loses when |r| is near 1.
      pValue = Beta.regularizedBeta((1.0 - r) * (1.0 + r), (n - 2) / 2.0, 0.5);
    }
    double low = Double.NaN;
    double high = Double.NaN;
    if (n > 3) {
      double fisherZ = atanh(r);
      double margin = Z95 / Math.sqrt(n - 3.0);
      low = Math.tanh(fisherZ - margin);
      high = Math.tanh(fisherZ + margin);
    }
    return new Correlation(n, r, pValue, low, high);
  }

  /**
   * A difference a − b with its 95% interval and a two-sided test of "no difference": the test
   * statistic (z or t), its degrees of freedom (NaN for z) and p-value.
   */
  public record Difference(double estimate, double se, double low, double high, double statistic, double df,
      double pValue) {}

  /**
   * Difference of two shares x1/n1 − x2/n2 in percentage points. Interval: Wald with the unpooled
   * standard error √(p₁(1 − p₁)/n₁ + p₂(1 − p₂)/n₂); test: the two-proportion z with the pooled
   * share p = (x₁ + x₂)/(n₁ + n₂), z = (p₁ − p₂)/√(p(1 − p)(1/n₁ + 1/n₂)), p = 2·(1 − Φ(|z|)).
   *
   * @throws IllegalArgumentException when an n is not positive or a count is outside 0..n
   */
  public static Difference twoProportions(long x1, long n1, long x2, long n2) {
    if (n1 <= 0 || n2 <= 0 || x1 < 0 || x2 < 0 || x1 > n1 || x2 > n2) {
      throw new IllegalArgumentException("two proportions need 0 <= x <= n, n > 0; got " + x1 + "/" + n1
          + ", " + x2 + "/" + n2);
    }
    double p1 = (double) x1 / n1;
    double p2 = (double) x2 / n2;
    double se = Math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2);
    double pooled = (double) (x1 + x2) / (n1 + n2);
    double z = (p1 - p2) / Math.sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2));
    double diff = 100.0 * (p1 - p2);
    return new Difference(diff, 100.0 * se, diff - 100.0 * Z95 * se, diff + 100.0 * Z95 * se, z, Double.NaN,
        normalTwoSidedP(z));
  }

  /**
   * Welch's t for the difference of two means: se = √(s₁²/n₁ + s₂²/n₂), Welch–Satterthwaite df
   * (fractional), interval diff ± t₀.₉₇₅,df·se. NaN figures when either side has n < 2.
   */
  public static Difference welchDifference(Mean a, Mean b) {
    double va = a.sd() * a.sd() / a.n();
    double vb = b.sd() * b.sd() / b.n();
    double diff = a.mean() - b.mean();
    double se = Math.sqrt(va + vb);
    double df = (va + vb) * (va + vb) / (va * va / (a.n() - 1) + vb * vb / (b.n() - 1));
    if (!(df > 0)) {
      return new Difference(diff, se, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }
    double t = diff / se;
    double margin = tQuantile975(df) * se;
    return new Difference(diff, se, diff - margin, diff + margin, t, df, tTwoSidedP(t, df));
  }

  /** A least-squares line y = intercept + slope·x with the slope's standard error, t interval and test. */
  public record Slope(long n, double slope, double intercept, double se, double low, double high, double t,
      double pValue) {}

  /**
   * Ordinary least squares of y on x from the count and sums (mergeable, like {@link #mean}):
   * slope b = Sxy/Sxx, se(b) = √((Syy − b·Sxy)/(n − 2)/Sxx), interval b ± t₀.₉₇₅,ₙ₋₂·se and the
   * t test of b = 0 with n − 2 df. NaN figures when n < 3 or x does not vary; a y that does not
   * vary has slope 0 with se 0 and no test (t = 0/0 and p are NaN). Sxx and Syy within the sums'
   * rounding count as 0 ({@link #centredSumOfSquares}).
   */
  public static Slope leastSquares(long n, double sumX, double sumY, double sumXx, double sumXy, double sumYy) {
    double sxx = centredSumOfSquares(n, sumX, sumXx);
    double syy = centredSumOfSquares(n, sumY, sumYy);
    // |Sxy| ≤ √(Sxx·Syy): with no spread in y, Sxy's residue would be a slope with se 0, t infinite.
    double sxy = syy > 0 ? sumXy - sumX * sumY / n : 0.0;
    double slope = sxy / sxx;
    double intercept = (sumY - slope * sumX) / n;
    if (n < 3 || !(sxx > 0)) {
      return new Slope(n, n < 2 || !(sxx > 0) ? Double.NaN : slope, Double.NaN, Double.NaN, Double.NaN,
          Double.NaN, Double.NaN, Double.NaN);
    }
    double se = Math.sqrt(Math.max(0.0, syy - slope * sxy) / (n - 2) / sxx);
    double margin = tQuantile975(n - 2) * se;
    double t = slope / se;
    return new Slope(n, slope, intercept, se, slope - margin, slope + margin, t, tTwoSidedP(t, n - 2));
  }

  /**
   * A two-sided test of a difference between two independent estimates: the test's name
   * ({@code nps_z}, {@code two_proportion_z} or {@code welch_t}), its statistic, degrees of
   * freedom (NaN for z tests) and p-value. A difference with no spread on either side has a NaN
   * statistic and p-value: there is nothing to test. Spread on one side is enough to test.
   */
  public record DifferenceTest(String test, double statistic, double df, double pValue) {}

  /**
   * The test, or NaN figures when neither side has spread, i.e. the difference's se is 0: each
   * side is all one answer (NPS 100 against −100, a constant mean against another), and z or t
   * would be 0/0 or infinite. (The two-proportion test needs no such rule: its pooled se is 0
   * only when both sides are the same 0% or 100%, where its z is already NaN.)
   */
  private static DifferenceTest unlessWithoutSpread(String test, double se, double statistic, double df,
      double pValue) {
    return se > 0 ? new DifferenceTest(test, statistic, df, pValue)
        : new DifferenceTest(test, Double.NaN, Double.NaN, Double.NaN);
  }

  /** NPS difference: z = (NPS₁ − NPS₂)/√(se₁² + se₂²), se from {@link #nps}. */
  public static DifferenceTest npsDifference(NpsEstimate first, NpsEstimate second) {
    double se = Math.sqrt(first.se() * first.se() + second.se() * second.se());
    double z = (first.nps() - second.nps()) / se;
    return unlessWithoutSpread("nps_z", se, z, Double.NaN, normalTwoSidedP(z));
  }

  /**
   * Two-proportion z with the pooled share p̄ = (x₁ + x₂)/(n₁ + n₂):
   * z = (p₁ − p₂)/√(p̄(1 − p̄)(1/n₁ + 1/n₂)).
   */
  public static DifferenceTest twoProportion(Proportion first, Proportion second) {
    Difference d = twoProportions(first.successes(), first.n(), second.successes(), second.n());
    return new DifferenceTest("two_proportion_z", d.statistic(), Double.NaN, d.pValue());
  }

  /**
   * Welch's t for two means with unequal variances, t = (m₁ − m₂)/√(s₁²/n₁ + s₂²/n₂), and the
   * Welch–Satterthwaite df = (s₁²/n₁ + s₂²/n₂)² / ((s₁²/n₁)²/(n₁ − 1) + (s₂²/n₂)²/(n₂ − 1)).
   */
  public static DifferenceTest welch(Mean first, Mean second) {
    Difference d = welchDifference(first, second);
    return unlessWithoutSpread("welch_t", d.se(), d.statistic(), d.df(), d.pValue());
  }

  /** 2·P(Z > |z|) = erfc(|z|/√2), exact in the tails (no 1 − Φ cancellation); NaN stays NaN. */
  public static double normalTwoSidedP(double z) {
    return Double.isNaN(z) ? Double.NaN : Erf.erfc(Math.abs(z) / Math.sqrt(2.0));
  }

  /**
   * 2·P(T > |t|) with df (not necessarily whole) degrees of freedom, as the regularized
   * incomplete beta I_{df/(df + t²)}(df/2, 1/2); NaN when t or df is NaN.
   */
  public static double tTwoSidedP(double t, double df) {
    if (Double.isNaN(t) || Double.isNaN(df)) {
      return Double.NaN;
    }
    return Beta.regularizedBeta(df / (df + t * t), df / 2.0, 0.5);
  }

  /**
   * Benjamini–Hochberg adjusted p-values (q-values): with the m p-values sorted ascending,
   * q₍ᵢ₎ = min over j ≥ i of min(1, m·p₍ⱼ₎/j). Rejecting every hypothesis with q ≤ rate is exactly
   * the step-up rule "reject p₍₁₎..p₍ₖ₎ for the largest k with p₍ₖ₎ ≤ k·rate/m", which controls the
   * false discovery rate at that rate for independent (or positively dependent) tests.
   *
   * @return the q-value of each p-value, in the order given
   */
  public static double[] benjaminiHochberg(double[] pValues) {
    int m = pValues.length;
    Integer[] order = new Integer[m];
    for (int i = 0; i < m; i++) {
      if (!(pValues[i] >= 0 && pValues[i] <= 1)) {
        throw new IllegalArgumentException("p-values must be within [0, 1]; got " + pValues[i] + " at " + i);
      }
      order[i] = i;
    }
    java.util.Arrays.sort(order, (a, b) -> Double.compare(pValues[a], pValues[b]));
    double[] q = new double[m];
    double running = 1.0;
    for (int rank = m; rank >= 1; rank--) {
      int at = order[rank - 1];
      running = Math.min(running, (double) m * pValues[at] / rank);
      q[at] = running;
    }
    return q;
  }

  /** Σ xᵢ·yᵢ over two vectors of the same length (k-means distances, the promoter model's linear predictor). */
  public static double dot(double[] x, double[] y) {
    double sum = 0;
    for (int i = 0; i < x.length; i++) {
      sum += x[i] * y[i];
    }
    return sum;
  }

  /** atanh via log1p, accurate near 0 and ±infinite at ±1 (which tanh maps back to ±1). */
  private static double atanh(double r) {
    return 0.5 * Math.log1p(2.0 * r / (1.0 - r));
  }
}
